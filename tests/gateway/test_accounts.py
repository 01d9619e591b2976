"""The gateway's account routes for real against the dev server: events reach the customer's
account, the owner's command answers at once, its state reads back; bad requests are refused
as on the sale's routes, with nothing sent."""

import json
import time

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.gateway.conftest import Gateway
from tests.workflows.helpers import default_playbook, new_lead, start_support, wait_for_support
from workflows.support import api as support_api

ACCOUNT_EVENTS = [name for name in support_api.MESSAGES.names() if name != "sale_concluded"]


async def test_the_account_routes_are_documented(gateway: Gateway) -> None:
    paths = (await gateway.get("/openapi.json", signed=False)).json()["paths"]
    assert {"/v1/accounts/{lead_id}/events/{event}", "/v1/accounts/{lead_id}"} <= set(paths)


async def test_events_reach_the_account_and_the_owners_command_answers_at_once(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, gateway: Gateway
) -> None:
    lead = new_lead()
    handle = await start_support(env, settings, lead, default_playbook(), order_number="PO-1")
    path = f"/v1/accounts/{lead.lead_id}/events"

    ticket = {"ticket_id": "T-1", "subject": "Gateway offline", "priority": "P2"}
    opened = await gateway.post(
        f"{path}/ticket_opened", ticket, headers={"Idempotency-Key": "desk-T-1"}
    )
    assert opened.status_code == 202, opened.text
    assert opened.json() == {"status": "accepted", "workflow_id": f"support-{lead.lead_id}"}
    # The helpdesk's retry, signed anew a moment later: applied once.
    again = await gateway.post(
        f"{path}/ticket_opened", ticket, headers={"Idempotency-Key": "desk-T-1"},
        at=int(time.time()) + 1,
    )  # fmt: skip
    assert again.status_code == 202
    shipped = await gateway.post(f"{path}/order_shipped", {"order_number": "PO-1"})
    assert shipped.status_code == 202

    upsell = {"requested_by": "lena.vogt", "items": [{"sku": "NW-GATEWAY-20", "quantity": 2}]}
    answered = await gateway.post(
        f"{path}/upsell_requested", upsell, headers={"Idempotency-Key": "upsell-1"}
    )
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"status": "applied", "detail": "the upsell sale starts now"}
    refused = await gateway.post(
        f"{path}/upsell_requested", upsell, headers={"Idempotency-Key": "upsell-1"},
        at=int(time.time()) + 1,
    )  # fmt: skip
    assert refused.status_code == 409
    assert "duplicate event_id: this event was already received" in refused.json()["detail"]
    # The sale's route takes the account's events for the same lead, the command as an update.
    via_sale = await gateway.post(
        f"/v1/sales/{lead.lead_id}/events/upsell_requested", {"requested_by": "tom.becker"}
    )
    assert (via_sale.status_code, via_sale.json()["status"]) == (200, "applied")

    state = await wait_for_support(
        handle,
        lambda s: len(s.sales) == 2 and bool(s.rejected_events and s.orders[0].shipped_at),
        "the ticket, the shipment and the upsell applied",
    )
    assert [(t.ticket_id, t.priority) for t in state.tickets] == [("T-1", "P2")]
    assert "duplicate event_id" in state.rejected_events[0].reason
    assert [(sale.workflow_id, sale.requested_by) for sale in state.sales] == [
        (f"sale-{lead.lead_id}-u1", "lena.vogt"),
        (f"sale-{lead.lead_id}-u2", "tom.becker"),
    ]

    read = await gateway.get(f"/v1/accounts/{lead.lead_id}")
    assert read.status_code == 200
    body = read.json()
    assert (body["workflow_id"], body["stage"], body["health"]) == (
        f"support-{lead.lead_id}", "CUSTOMER", "good",
    )  # fmt: skip
    assert [t["ticket_id"] for t in body["tickets"]] == ["T-1"]
    assert body["sales"][0]["kind"] == "upsell"
    assert (await gateway.get(f"/v1/accounts/{lead.lead_id}", signed=False)).status_code == 401

    closed = await gateway.post(f"{path}/account_closed", {"reason": "moved to a group contract"})
    assert closed.status_code == 202
    assert (await handle.result()).closed_reason == "moved to a group contract"


async def test_bad_account_requests_are_refused_as_on_the_sale_routes(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, gateway: Gateway
) -> None:
    lead = new_lead()
    handle = await start_support(env, settings, lead, default_playbook())
    path = f"/v1/accounts/{lead.lead_id}/events"

    for event in ("ticket_opend", "interest_expressed", "sale_concluded"):
        unknown = await gateway.post(f"{path}/{event}", {"sale_workflow_id": "x", "outcome": "WON"})
        assert unknown.status_code == 404, event
        assert unknown.json()["detail"] == (
            f"unknown event {event!r} for an account; known: {', '.join(ACCOUNT_EVENTS)}"
        )
    invalid = await gateway.post(f"{path}/feedback_received", {"score": 11})
    assert invalid.status_code == 422
    assert invalid.json()["detail"].startswith("feedback_received: score")
    no_owner = await gateway.post(f"{path}/upsell_requested", {})
    assert no_owner.status_code == 422 and "requested_by" in no_owner.json()["detail"]
    sku = await gateway.post(
        f"{path}/upsell_requested",
        {"requested_by": "lena", "items": [{"sku": "NW-NOPE", "quantity": 1}]},
    )
    assert (sku.status_code, sku.json()["detail"]) == (
        422,
        "upsell_requested: items: unknown sku NW-NOPE",
    )
    assert (await gateway.post(f"{path}/ticket_opened", body=b'{"ticket_id":')).status_code == 400
    huge = await gateway.post(f"{path}/ticket_opened", {"ticket_id": "T", "subject": "x" * 70_000})
    assert huge.status_code == 413
    forged = await gateway.post(f"{path}/ticket_opened", {"ticket_id": "T-9"}, secret="guessed")
    assert forged.status_code == 401 and "does not match" in forged.json()["detail"]

    raw = json.dumps({"ticket_id": "T-replayed"}).encode()
    at = int(time.time())
    assert (await gateway.post(f"{path}/ticket_opened", body=raw, at=at)).status_code == 202
    replayed = await gateway.post(f"{path}/ticket_opened", body=raw, at=at)
    assert replayed.status_code == 401 and "already used" in replayed.json()["detail"]

    nobody = await gateway.post(
        "/v1/accounts/nobody-at-all/events/ticket_opened", {"ticket_id": "T"}
    )
    assert (nobody.status_code, nobody.json()["detail"]) == (
        404,
        "no running account for lead nobody-at-all",
    )
    command = await gateway.post(
        "/v1/accounts/nobody-at-all/events/upsell_requested", {"requested_by": "lena"}
    )
    assert command.status_code == 404
    for traversal in ("..", "..%2F..%2Fetc", "a%00b", "UPPER"):
        attacked = await gateway.post(f"/v1/accounts/{traversal}/events/ticket_opened", {})
        assert attacked.status_code == 404, traversal
    missing = await gateway.get("/v1/accounts/nobody-at-all")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no account for lead nobody-at-all",
    )

    # Nothing of that reached the account but the one signed ticket; the sale route does not
    # take the account's internal message either.
    state = await wait_for_support(handle, lambda s: bool(s.tickets), "the ticket")
    assert [t.ticket_id for t in state.tickets] == ["T-replayed"]
    assert state.rejected_events == [] and state.sales == []
    internal = await gateway.post(
        f"/v1/sales/{lead.lead_id}/events/sale_concluded",
        {"sale_workflow_id": "x", "outcome": "WON"},
    )
    assert internal.status_code == 404 and "unknown event 'sale_concluded'" in internal.text
    await handle.signal("account_closed", {"reason": "end of test"})
