"""The codec endpoint the Temporal UI calls, served for real: it decodes what the server holds,
for those with a codec token only, and answers the UI's origin only."""

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from gateway.app import create_app
from gateway.codec_auth import COOKIE
from gateway.signatures import Verifier
from privacy.codec import ENCODING, KEY_ID, AesGcmCodec
from privacy.keys import parse_key_ring
from settings import Settings
from tests.gateway.conftest import SECRETS, Gateway, served_gateway
from tests.privacy.keys import CODEC_TOKEN, NEW, OLD
from tests.privacy.server import KEYS, payloads_in, protected, protected_server, raw_history
from tests.workflows.helpers import sent, wait_for
from worker import build_worker

UI_PORT = 8299  # only named in the CORS origins; nothing listens on it here
UI_ORIGIN = f"http://127.0.0.1:{UI_PORT}"
BEARER = {"Authorization": f"Bearer {CODEC_TOKEN}"}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("codec-endpoint") / "temporal.db"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def protected_env(database: Path) -> AsyncIterator[WorkflowEnvironment]:
    async with protected_server(database) as env:
        yield env


@pytest.fixture
def codec_settings(settings: Settings) -> Settings:
    return protected(settings).model_copy(update={"ui_port": UI_PORT})


@pytest_asyncio.fixture(loop_scope="session")
async def codec_gateway(
    protected_env: WorkflowEnvironment, codec_settings: Settings
) -> AsyncIterator[Gateway]:
    async with served_gateway(codec_settings, protected_env.client) as served:
        yield served


@pytest_asyncio.fixture(loop_scope="session")
async def codec_worker(
    protected_env: WorkflowEnvironment, codec_settings: Settings
) -> AsyncIterator[Worker]:
    async with build_worker(protected_env.client, codec_settings) as running:
        yield running


def as_json(payloads: list[Payload]) -> dict[str, Any]:
    """A codec-server request body: proto-JSON payloads, bytes in base64."""
    return {"payloads": [json_format.MessageToDict(p) for p in payloads]}


def from_json(body: dict[str, Any]) -> list[Payload]:
    return [json_format.ParseDict(p, Payload()) for p in body["payloads"]]


async def test_the_endpoint_decodes_what_the_server_holds_for_a_token_only(
    protected_env: WorkflowEnvironment, codec_worker: Worker, codec_gateway: Gateway
) -> None:
    email = f"Marijke.Visser-{uuid.uuid4().hex[:8]}@Werkstatt.example"
    body = {
        "email": email,
        "first_name": "Marijke",
        "last_name": "Visser",
        "company": "Werkstatt",
        "playbook": "quick",
        "items": [{"sku": "NW-MANUAL", "quantity": 2}],
    }
    first = await codec_gateway.post("/v1/leads", body)
    assert first.status_code == 202, first.text
    workflow_id = first.json()["workflow_id"]
    assert re.fullmatch(r"sale-lead-[0-9a-f]{32}", workflow_id)
    # The same address in other letters is the same lead: recognised, nothing started.
    again = await codec_gateway.post("/v1/leads", {**body, "email": email.lower()})
    assert (again.status_code, again.json()["workflow_id"]) == (200, workflow_id)

    handle = protected_env.client.get_workflow_handle(workflow_id)
    await wait_for(handle, lambda s: sent(s) == ["proposal_v1"], "quote sent")
    history = await raw_history(protected_env.client, workflow_id)
    stored = [p for p in payloads_in(history) if p.metadata.get("encoding") == ENCODING]
    assert len(stored) > 5 and all(email.encode() not in p.data for p in stored)

    for refused in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": CODEC_TOKEN}):
        answer = await codec_gateway.http.post(
            "/v1/codec/decode", json=as_json(stored), headers=refused
        )
        assert answer.status_code == 401, refused
        assert email.lower() not in answer.text.lower()
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")

    answer = await codec_gateway.http.post(
        "/v1/codec/decode", json=as_json(stored), headers={**BEARER, "X-Namespace": "default"}
    )
    assert answer.status_code == 200, answer.text
    decoded = from_json(answer.json())
    assert decoded == await AesGcmCodec(parse_key_ring(KEYS)).decode(stored)
    sale_input = pydantic_data_converter.payload_converter.from_payloads(decoded[:1], [dict])[0]
    assert sale_input["lead"]["email"] == email and sale_input["lead"]["last_name"] == "Visser"


async def test_encode_then_decode_round_trips_through_the_endpoint(codec_gateway: Gateway) -> None:
    plain = pydantic_data_converter.payload_converter.to_payloads(
        [{"signed_by": "Jeroen de Vries"}]
    )
    encoded = await codec_gateway.http.post("/v1/codec/encode", json=as_json(plain), headers=BEARER)
    assert encoded.status_code == 200, encoded.text
    [sealed] = from_json(encoded.json())
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[KEY_ID] == b"k2026"
    assert b"Jeroen" not in sealed.data
    decoded = await codec_gateway.http.post("/v1/codec/decode", json=encoded.json(), headers=BEARER)
    assert from_json(decoded.json()) == plain
    # A payload written before the codec was on comes back as it is; an empty list is fine.
    same = await codec_gateway.http.post("/v1/codec/decode", json=as_json(plain), headers=BEARER)
    assert from_json(same.json()) == plain
    empty = await codec_gateway.http.post("/v1/codec/decode", json={"payloads": []}, headers=BEARER)
    assert empty.json() == {"payloads": []}


async def test_what_cannot_be_decoded_is_named_without_a_key(codec_gateway: Gateway) -> None:
    [sealed] = await AesGcmCodec(parse_key_ring(NEW)).encode(
        pydantic_data_converter.payload_converter.to_payloads(["x"])
    )
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + b"!")
    unknown = Payload(metadata={**sealed.metadata, KEY_ID: b"k1999"}, data=sealed.data)
    for payload, says in ((tampered, "does not decrypt"), (unknown, "'k1999', which is not")):
        answer = await codec_gateway.http.post(
            "/v1/codec/decode", json=as_json([payload]), headers=BEARER
        )
        assert answer.status_code == 400 and says in answer.json()["detail"]
        for key in (NEW, OLD):
            assert key.partition(":")[2] not in answer.text
    for bad in (b"not json", b'{"payloads": [{"data": 7}]}', b"[]"):
        answer = await codec_gateway.http.post(
            "/v1/codec/decode", content=bad, headers={**BEARER, "Content-Type": "application/json"}
        )
        assert answer.status_code == 400, bad


async def test_a_browser_signs_in_once_and_the_ui_origin_alone_may_call(
    codec_gateway: Gateway,
) -> None:
    http = codec_gateway.http
    page = await http.get("/v1/codec/login")
    assert page.status_code == 200 and 'type="password" name="token"' in page.text
    wrong = await http.post("/v1/codec/login", data={"token": "guessed"})
    assert wrong.status_code == 401 and COOKIE not in wrong.headers.get("set-cookie", "")

    signed_in = await http.post("/v1/codec/login", data={"token": CODEC_TOKEN})
    assert signed_in.status_code == 200 and "Include cross-origin credentials" in signed_in.text
    cookie = signed_in.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/v1/codec", "Max-Age=43200"):
        assert attribute.lower() in cookie.lower(), cookie
    session = signed_in.cookies[COOKIE]
    assert CODEC_TOKEN not in cookie

    # The UI's preflight: its origin is allowed, with credentials; any other is not.
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    ok = await http.options("/v1/codec/decode", headers={"Origin": UI_ORIGIN, **asked})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == UI_ORIGIN
    assert ok.headers["access-control-allow-credentials"] == "true"
    foreign = await http.options(
        "/v1/codec/decode", headers={"Origin": "http://evil.example", **asked}
    )
    assert foreign.status_code == 400 and "access-control-allow-origin" not in foreign.headers

    plain = as_json(pydantic_data_converter.payload_converter.to_payloads(["hello"]))
    http.cookies.clear()
    from_ui = await http.post(
        "/v1/codec/decode",
        json=plain,
        headers={"Origin": UI_ORIGIN, "X-Namespace": "default", "Cookie": f"{COOKIE}={session}"},
    )
    assert from_ui.status_code == 200, from_ui.text
    assert from_ui.headers["access-control-allow-origin"] == UI_ORIGIN
    # The UI without "Include cross-origin credentials" sends no cookie: nothing decoded.
    bare = await http.post("/v1/codec/decode", json=plain, headers={"Origin": UI_ORIGIN})
    assert bare.status_code == 401
    # A page of another origin on this site gets the cookie sent, and no answer.
    other = await http.post(
        "/v1/codec/decode",
        json=plain,
        headers={"Origin": "http://127.0.0.1:3000", "Cookie": f"{COOKIE}={session}"},
    )
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    forged = await http.post(
        "/v1/codec/decode", json=plain, headers={"Cookie": f"{COOKIE}=9999999999.{'0' * 64}"}
    )
    assert forged.status_code == 401


async def test_without_the_codec_there_is_no_codec_endpoint(
    protected_env: WorkflowEnvironment, settings: Settings
) -> None:
    plain = Client(protected_env.client.service_client, data_converter=pydantic_data_converter)
    app = create_app(settings, plain, Verifier(SECRETS))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        answer = await http.post("/v1/codec/decode", json={"payloads": []}, headers=BEARER)
    assert answer.status_code == 404
