"""Negotiation: a revision, a discount held for the manager's approval, and acceptance rules."""

from datetime import timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer, readable, subject_of
from tests.workflows.helpers import (
    default_playbook,
    drive_to_proposal,
    new_lead,
    start,
    start_paused,
    wait_for,
)


async def test_revision_with_large_discount_waits_for_approval_and_only_latest_is_accepted(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    playbook = default_playbook()
    manager = playbook.seller.sales_manager_email
    handle = await start_paused(ts_env, settings, lead, playbook)
    first = (await drive_to_proposal(handle)).quotes[0]
    await ts_env.fast_forward(handle, timedelta(days=10))  # the prospect takes its time

    await handle.signal("revision_requested", {"discount_percent": 15, "notes": "budget cap"})
    state = await wait_for(handle, lambda s: s.awaiting_discount_approval, "approval requested")
    assert len(state.quotes) == 1  # v2 is held, not sent
    await smtp.inbox.wait_for(lambda _: bool(smtp.inbox.of_sale(handle.id, to=manager)))
    (request,) = smtp.inbox.of_sale(handle.id, to=manager)
    # What the manager reads: the discount asked for (15 % = EUR 943.50 of EUR 6,290.00) and
    # the threshold it passes, in the text and in the HTML as shown, not in a style rule.
    for part in readable(request):
        assert "carries a discount of 15%, above the 10% a seller may grant" in part
        assert "EUR 943.50" in part and "EUR 5,346.50" in part

    await ts_env.fast_forward(handle, timedelta(days=3))  # the manager too
    await handle.signal("discount_approved", {"approver": "Hanna Vogel"})
    state = await wait_for(
        handle, lambda s: any(e.step == "proposal_v2" for e in s.emails), "v2 sent"
    )
    second = state.quotes[1]
    assert (
        subject_of(request)
        == f"Approval needed: 15% discount on {second.number} for {lead.company}"
    )
    assert state.discount_approved_by == "Hanna Vogel"
    assert second.totals.discount == Decimal("943.50")  # 15 % of 6290.00
    assert second.totals.net == Decimal("5346.50")
    assert second.valid_until - first.valid_until == timedelta(days=10)  # priced on day 10

    await handle.signal("proposal_accepted", {"quote_number": first.number})
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "old version rejected")
    assert f"{first.number} is superseded by {second.number}" in state.rejected_events[0].reason
    assert state.stage == SalesStage.PROPOSAL

    await handle.signal("proposal_accepted", {"quote_number": second.number, "accepted_by": "CFO"})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CONTRACT, "contract stage")
    assert state.acceptance is not None and state.acceptance.quote_number == second.number
    assert smtp.inbox.steps(lead.email) == ["intro", "orientation", "proposal_v1", "proposal_v2"]


async def test_formal_procedure_gets_a_proposal_and_needs_a_po_number(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    needs = {
        "summary": "Procurement buys through formal proposals",
        "purchasing_procedure": "formal_proposal",
        "items": [{"sku": "NW-GATEWAY-20", "quantity": 2}],
    }
    state = await drive_to_proposal(handle, needs)
    assert state.documents[0].kind == "proposal"
    await handle.signal("proposal_accepted", {"accepted_by": "Procurement"})
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "acceptance without PO")
    assert "po_number" in state.rejected_events[0].reason
    await handle.signal("proposal_accepted", {"po_number": "PO-2026-118"})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CONTRACT, "contract stage")
    assert state.acceptance is not None and state.acceptance.po_number == "PO-2026-118"
