"""The gateway served for real by uvicorn on a free port, on the test dev server."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from gateway.app import create_app
from gateway.signatures import HEADER, Verifier, sign
from settings import Settings

SECRETS = ["old-secret-still-valid", "current-secret"]


@dataclass
class Gateway:
    """A running gateway and a client that signs like an outside system does."""

    http: httpx.AsyncClient
    settings: Settings

    async def post(
        self,
        path: str,
        payload: Any = None,
        *,
        body: bytes | None = None,
        secret: str = SECRETS[1],
        at: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        raw = body if body is not None else json.dumps(payload or {}).encode()
        signature = sign(raw, secret, at if at is not None else int(time.time()))
        sent = {HEADER: signature, "Content-Type": "application/json", **(headers or {})}
        return await self.http.post(path, content=raw, headers=sent)

    async def get(self, path: str, *, signed: bool = True) -> httpx.Response:
        headers = {HEADER: sign(b"", SECRETS[1], int(time.time()))} if signed else {}
        return await self.http.get(path, headers=headers)


@asynccontextmanager
async def served_gateway(settings: Settings, client: Client) -> AsyncIterator[Gateway]:
    """The gateway app served by uvicorn on a free port, until the block ends."""
    app = create_app(settings, client, Verifier(SECRETS))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    for _ in range(500):  # up in well under a second
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield Gateway(http, settings)
    finally:
        server.should_exit = True
        await serving


@pytest_asyncio.fixture(loop_scope="session")
async def gateway(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Gateway]:
    own = settings.model_copy(
        update={
            "unsubscribe_secret": SecretStr("unsubscribe-secret"),
            "gateway_max_body_bytes": 64 * 1024,
        }
    )
    async with served_gateway(own, env.client) as served:
        yield served
