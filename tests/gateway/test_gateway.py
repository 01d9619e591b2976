"""The webhook gateway for real against the dev server: it does what outside systems ask,
and refuses every attack with nothing sent."""

import json
import time
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.suppression import status_of
from sales.lead import lead_id_for_email
from sales.stages import LostReason
from sales.unsubscribe import unsubscribe_token
from settings import Settings
from tests.gateway.conftest import SECRETS, Gateway
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import new_lead, start, wait_for


def lead_body(**fields: Any) -> dict[str, Any]:
    tag = new_lead().lead_id
    return {"email": f"web-{tag}@werkstatt.example", "company": "Werkstatt", **fields}


async def sales_for(env: WorkflowEnvironment, email: str) -> list[str]:
    query = f'WorkflowId = "sale-{lead_id_for_email(email)}"'
    return [w.id async for w in env.client.list_workflows(query)]


async def test_health_and_docs_need_no_signature(gateway: Gateway) -> None:
    assert (await gateway.get("/healthz", signed=False)).json() == {"status": "ok"}
    docs = await gateway.get("/docs", signed=False)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    paths = (await gateway.get("/openapi.json", signed=False)).json()["paths"]
    assert {"/v1/leads", "/v1/sales/{lead_id}/events/{event}", "/v1/sales/{lead_id}"} <= set(paths)


async def test_a_signed_lead_starts_a_sale_once(
    env: WorkflowEnvironment, worker: Worker, gateway: Gateway
) -> None:
    body = lead_body(playbook="quick", items=[{"sku": "NW-MANUAL", "quantity": 2}])
    first = await gateway.post("/v1/leads", body)
    assert first.status_code == 202, first.text
    answer = first.json()
    assert answer["started"] is True and answer["playbook"] == "quick"
    handle = env.client.get_workflow_handle(answer["workflow_id"])
    state = await wait_for(handle, lambda s: len(s.emails) == 1, "the quote")
    assert state.quotes[0].lines[0].sku == "NW-MANUAL"

    again = await gateway.post("/v1/leads", body, secret=SECRETS[0])  # the older secret works
    assert (again.status_code, again.json()["started"]) == (200, False)
    assert answer["flattened"] == []
    two_lines = await gateway.post("/v1/leads", lead_body(company="Werkstatt\nMüller"))
    assert two_lines.status_code == 202 and two_lines.json()["flattened"] == ["company"]


async def test_every_attack_is_refused_and_starts_nothing(
    env: WorkflowEnvironment, gateway: Gateway
) -> None:
    body = lead_body()
    wrong = await gateway.post("/v1/leads", body, secret="guessed")
    assert wrong.status_code == 401
    assert "does not match" in wrong.json()["detail"]
    old = await gateway.post("/v1/leads", body, at=int(time.time()) - 600)
    assert old.status_code == 401 and "not within 300 s" in old.json()["detail"]
    missing = await gateway.http.post("/v1/leads", json=body)
    assert missing.status_code == 401 and "missing Salesflow-Signature" in missing.text
    garbled = await gateway.http.post(
        "/v1/leads", json=body, headers={"Salesflow-Signature": "sha256=abc"}
    )
    assert garbled.status_code == 401

    raw = json.dumps(body).encode()
    at = int(time.time())
    first = await gateway.post("/v1/leads", body=raw, at=at)
    assert first.status_code == 202
    replayed = await gateway.post("/v1/leads", body=raw, at=at)
    assert replayed.status_code == 401 and "already used" in replayed.json()["detail"]

    huge = lead_body(notes="x" * 70_000)
    assert (await gateway.post("/v1/leads", huge)).status_code == 413
    broken = await gateway.post("/v1/leads", body=b'{"email": "a@b.example",')
    assert broken.status_code == 400 and "not JSON" in broken.json()["detail"]
    invalid = await gateway.post("/v1/leads", lead_body(email="", country="Atlantis"))
    assert invalid.status_code == 422
    detail = invalid.json()["detail"]
    assert detail.startswith("lead: email: String should have at least 1 character")
    assert "country: unknown country 'Atlantis'" in detail
    sku = await gateway.post("/v1/leads", lead_body(items=[{"sku": "NW-NOPE", "quantity": 1}]))
    assert (sku.status_code, sku.json()["detail"]) == (422, "items: unknown sku NW-NOPE")
    unmailable = await gateway.post("/v1/leads", lead_body(email="juan@"))
    assert (unmailable.status_code, unmailable.json()["detail"]) == (
        422,
        "lead: email: 'juan@' cannot be mailed: There must be something after the @-sign.",
    )
    assert await sales_for(env, "juan@") == []

    for email in (huge["email"], body["email"] + "x"):
        assert await sales_for(env, email) == []


async def test_events_reach_the_sale_and_bad_ones_are_refused(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, gateway: Gateway,
    smtp: SmtpServer,
) -> None:  # fmt: skip
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro")
    path = f"/v1/sales/{lead.lead_id}/events"

    kept = await gateway.post(f"{path}/discount_approved", {"approver": "sales.manager"})
    assert kept.status_code == 200 and kept.json()["status"] == "kept"
    refused = await gateway.post(f"{path}/lead_qualified", {"qualified": True, "by": "x"})
    assert refused.status_code == 409
    assert "arrived in CONTACT; applies in QUALIFICATION only" in refused.json()["detail"]

    sent = await gateway.post(
        f"{path}/interest_expressed", {"notes": "form"}, headers={"Idempotency-Key": "form-1"}
    )
    assert sent.status_code == 202
    # The sender's retry: the same event, signed anew a moment later.
    retried = await gateway.post(
        f"{path}/interest_expressed", {"notes": "form"}, headers={"Idempotency-Key": "form-1"},
        at=int(time.time()) + 1,
    )  # fmt: skip
    assert retried.status_code == 202
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "the retry recognised")
    assert "duplicate event_id" in state.rejected_events[0].reason
    assert [a.event_id for a in state.applied_events if a.signal == "interest_expressed"] == [
        "form-1"
    ]

    invalid = await gateway.post(f"{path}/needs_identified", {"summary": "x", "items": []})
    assert invalid.status_code == 422 and "items" in invalid.json()["detail"]
    unknown = await gateway.post(f"{path}/contract_sighned", {})
    assert unknown.status_code == 404 and "unknown event 'contract_sighned'" in unknown.text
    nobody = await gateway.post("/v1/sales/nobody-at-all/events/interest_expressed", {})
    assert nobody.status_code == 404 and "no running sale" in nobody.text
    for traversal in ("..", "..%2F..%2Fetc", "a%00b", "UPPER"):
        attacked = await gateway.post(f"/v1/sales/{traversal}/events/interest_expressed", {})
        assert attacked.status_code == 404, traversal

    read = await gateway.get(f"/v1/sales/{lead.lead_id}")
    assert read.status_code == 200 and read.json()["stage"] == "NEEDS_ANALYSIS"
    assert (await gateway.get(f"/v1/sales/{lead.lead_id}", signed=False)).status_code == 401


async def test_one_click_unsubscribe_ends_the_sale_and_lists_the_lead(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, gateway: Gateway
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro")
    token = unsubscribe_token(handle.id, "unsubscribe-secret")

    page = await gateway.http.get(f"/v1/unsubscribe/{token}")
    assert page.status_code == 200 and "<button" in page.text
    running = WorkflowExecutionStatus.RUNNING
    assert (await handle.describe()).status == running  # a GET unsubscribes nobody

    forged = await gateway.http.post(f"/v1/unsubscribe/{handle.id}.{'0' * 32}")
    assert forged.status_code == 404
    done = await gateway.http.post(
        f"/v1/unsubscribe/{token}", content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert done.status_code == 200 and "no more emails" in done.text
    assert (await handle.result()).lost_reason == LostReason.OPTED_OUT
    listed = await status_of(env.client, lead.email)
    assert listed is not None and listed.suppressed
