"""A sale driven by signals to WON on a real dev server; every email checked at the SMTP server."""

import asyncio
from decimal import Decimal

from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from settings import Settings
from tests.conftest import TEMPORAL_BIN
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    drive_to_contract,
    drive_to_proposal,
    new_lead,
    start,
    wait_for,
    wait_stage,
)
from workflows.sale import api as sale_api


async def test_happy_path_to_won_sends_each_email_once_and_starts_support(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    assert handle.id == f"sale-{lead.lead_id}"

    state = await drive_to_contract(handle)
    assert state.stage == SalesStage.CONTRACT
    quote = state.quotes[0]
    assert quote.number.endswith(f"{lead.lead_id}-v1")
    # 10 x 149.00 + 4800.00 = 6290.00 net; NL: 21 % on both categories.
    assert quote.totals.net == Decimal("6290.00")
    assert quote.totals.total == Decimal("7610.90")

    await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries", "envelope_id": "env-1"})
    await wait_stage(handle, SalesStage.CLOSING)
    await handle.signal("order_placed", {"order_number": "PO-4711", "amount": "7610.90"})
    outcome = await handle.result()

    assert outcome.stage == SalesStage.WON
    assert outcome.deal_value == Decimal("6290.00")
    support = env.client.get_workflow_handle(f"support-{lead.lead_id}")
    assert (await support.describe()).status == WorkflowExecutionStatus.RUNNING

    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    assert smtp.inbox.steps(lead.email) == [
        "intro",
        "orientation",
        "proposal_v1",
        "contract_v1",
        "welcome",
    ]
    proposal = smtp.inbox.to(lead.email)[2]
    attachments = [part.get_filename() for part in proposal.walk() if part.get_filename()]
    assert attachments == [f"{quote.number}.pdf"]
    final = await handle.query("state")
    assert [change["stage"] for change in final["timeline"]] == [
        "QUALIFICATION",
        "CONTACT",
        "NEEDS_ANALYSIS",
        "PROPOSAL",
        "CONTRACT",
        "CLOSING",
        "WON",
    ]
    assert final["signature"]["envelope_id"] == "env-1"
    assert final["rejected_events"] == []


async def test_order_placed_before_contract_signed_is_kept_and_the_sale_closes(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await drive_to_proposal(handle)
    await handle.signal("order_placed", {"order_number": "PO-1", "event_id": "order-1"})
    state = await wait_for(handle, lambda s: "order_placed" in s.pending_events, "order kept")
    assert state.stage == SalesStage.PROPOSAL

    await handle.signal("proposal_accepted", {})
    await wait_for(
        handle, lambda s: s.stage == SalesStage.CONTRACT and len(s.documents) == 2, "contract"
    )
    await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
    outcome = await handle.result()

    assert outcome.stage == SalesStage.WON
    final = await handle.query("state")
    assert final["order"]["order_number"] == "PO-1"


async def test_malformed_signal_from_the_cli_is_recorded_and_the_sale_goes_on(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await handle.signal("interest_expressed", {})
    await wait_stage(handle, SalesStage.NEEDS_ANALYSIS)

    target = env.client.service_client.config.target_host
    bad = '{"summary": "wants sensors", "items": [{"sku": "NW-SENSOR-100", "quantity": "many"}]}'
    cli = await asyncio.create_subprocess_exec(
        TEMPORAL_BIN, "workflow", "signal", "--address", target, "--workflow-id", handle.id,
        "--name", "needs_identified", "--input", bad,
    )  # fmt: skip
    assert await cli.wait() == 0
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "rejection recorded")
    rejected = state.rejected_events[0]
    assert rejected.signal == "needs_identified"
    assert "items.0.quantity" in rejected.reason
    assert '"quantity": "many"' in rejected.excerpt and rejected.size == len(bad.encode())
    assert state.stage == SalesStage.NEEDS_ANALYSIS

    unknown_sku = {"summary": "wants sensors", "items": [{"sku": "NO-SUCH", "quantity": 1}]}
    await handle.signal("needs_identified", unknown_sku)
    state = await wait_for(handle, lambda s: len(s.rejected_events) == 2, "unknown sku rejected")
    assert "unknown sku 'NO-SUCH'" in state.rejected_events[1].reason

    await handle.signal(
        "needs_identified",
        {"summary": "wants sensors", "items": [{"sku": "NW-SENSOR-100", "quantity": 4}]},
    )
    state = await wait_stage(handle, SalesStage.PROPOSAL)
    assert state.quotes[0].totals.net == Decimal("596.00")


async def test_repeated_event_id_is_applied_once(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await drive_to_proposal(handle)
    revision = {"event_id": "rev-7", "items": [{"sku": "NW-SENSOR-100", "quantity": 20}]}
    await handle.signal("revision_requested", revision)
    await handle.signal("revision_requested", revision)
    state = await wait_for(handle, lambda s: len(s.rejected_events) == 1, "duplicate rejected")
    assert "duplicate event_id" in state.rejected_events[0].reason
    state = await wait_for(
        handle, lambda s: any(e.step == "proposal_v2" for e in s.emails), "v2 sent"
    )
    assert [q.version for q in state.quotes] == [1, 2]
    assert smtp.inbox.steps(lead.email).count("proposal_v2") == 1


async def test_the_ui_lists_every_signal_and_command_and_odd_arguments_wedge_nothing(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    signals = {d.name: d.description for d in metadata.definition.signal_definitions}
    updates = {d.name for d in metadata.definition.update_definitions}
    assert set(sale_api.MESSAGES.names()) <= set(signals)
    assert signals["contract_signed"] == "The e-signature system reports the contract signed."
    assert updates >= set(sale_api.MESSAGES.commands())
    assert "contract_signed" not in updates  # an event, not a seller command
    assert "state" in {d.name for d in metadata.definition.query_definitions}

    target = env.client.service_client.config.target_host
    cli = await asyncio.create_subprocess_exec(
        TEMPORAL_BIN, "workflow", "signal", "--address", target, "--workflow-id", handle.id,
        "--name", "interest_expressed", "--input", "{}", "--input", '{"notes": "x"}',
    )  # fmt: skip
    assert await cli.wait() == 0
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "two arguments recorded")
    assert "expected one JSON object, got 2 arguments" in state.rejected_events[0].reason
    await handle.signal("interest_expressed", {})
    await wait_stage(handle, SalesStage.NEEDS_ANALYSIS)
