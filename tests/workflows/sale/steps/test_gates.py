"""Gates in the fast tier: tender deadlines and approvals, credit referrals, legal review edges."""

from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.gates import CreditDecision
from sales.stages import LostReason, SalesStage
from sales.state import GateStatus
from settings import Settings
from tests.workflows.helpers import (
    command,
    new_lead,
    playbook_named,
    sent,
    start_paused,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles

BIG = {
    "summary": "Fleet-wide roll-out",
    "items": [{"sku": "NW-GATEWAY-20", "quantity": 100}, {"sku": "NW-PLATFORM", "quantity": 2}],
}


async def test_a_bid_whose_discount_is_not_approved_before_its_deadline_is_not_sent(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead(country="DE")
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("public-sector"))
    now = await ts_env.get_current_time(handle)
    needs = {
        "summary": "Sensors for the water works",
        "discount_percent": 15,
        "submission_deadline": (now + timedelta(days=3)).isoformat(),
        "items": [{"sku": "NW-SENSOR-100", "quantity": 50}],
    }
    await command(handle, "needs_identified", needs)
    await wait_for(handle, lambda s: s.awaiting_discount_approval, "approval asked")
    with pytest.raises(WorkflowUpdateFailedError) as early:
        await command(handle, "tender_awarded", {"po_number": "PO-1"})
    assert "no bid has been submitted yet" in str(early.value.cause)
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.TENDER_DEADLINE_MISSED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert "was not approved in time; the bid was not sent" in (state.lost_notes or "")
    lost_at = state.timeline[-1].at
    assert lost_at - state.timeline[0].at < timedelta(days=3)  # before the deadline itself
    assert doubles.steps_to(lead.email) == []
    assert doubles.steps_to("sales.manager@northwind.example") == ["discount_approval_v1"]


async def test_a_call_that_names_no_deadline_gets_the_playbooks_window(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("public-sector")
    handle = await start_paused(ts_env, fast_settings, new_lead(), playbook)
    await command(handle, "needs_identified", {"summary": "s", **BIG})
    state = await wait_for(
        handle, lambda s: bool(s.gates) and "bid_number" in s.gates[0].details, "bid sent"
    )
    tender = state.gates[0]
    deadline = tender.details["deadline"]
    window = playbook.gates.tender.default_window  # type: ignore[union-attr]
    assert deadline == (tender.opened_at + window).isoformat()


async def test_credit_referred_to_a_person_and_refused_loses_the_sale(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    doubles.credit = CreditDecision(approved=False, reason="bureau score 412: high risk")
    handle = await start_paused(
        ts_env, fast_settings, new_lead(title="CEO"), playbook_named("enterprise")
    )
    await command(handle, "lead_qualified", {"qualified": True, "by": "lena.fischer"})
    await handle.signal("interest_expressed", {})
    await command(handle, "needs_identified", BIG)
    await wait_for(handle, lambda s: bool(s.quotes), "proposal")
    await handle.signal("proposal_accepted", {"po_number": "PO-1"})
    state = await wait_for(
        handle, lambda s: bool(s.gates) and "referred" in s.gates[0].notes, "referred"
    )
    assert state.gates[0].notes == "referred to a person: bureau score 412: high risk"
    await command(
        handle,
        "credit_approved",
        {"approved_by": "credit.officer", "approved": False, "reason": "no"},
    )
    outcome = await handle.result()
    assert outcome.lost_reason == LostReason.CREDIT_DENIED


async def test_no_credit_decision_in_time_loses_the_sale_as_the_playbook_says(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    doubles.credit = CreditDecision(approved=False, reason="needs a person")
    playbook = playbook_named("enterprise")
    handle = await start_paused(ts_env, fast_settings, new_lead(title="CEO"), playbook)
    await command(handle, "lead_qualified", {"qualified": True, "by": "lena.fischer"})
    await handle.signal("interest_expressed", {})
    await command(handle, "needs_identified", BIG)
    await wait_for(handle, lambda s: bool(s.quotes), "proposal")
    await handle.signal("proposal_accepted", {"po_number": "PO-1"})
    await wait_for(handle, lambda s: bool(s.gates), "credit gate")
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.STALLED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    credit = state.gates[0]
    assert credit.status == GateStatus.FAILED and credit.decided_at is not None
    assert credit.decided_at - credit.opened_at >= playbook.gates.credit_check.timeout  # type: ignore[union-attr]


async def test_a_signature_during_legal_review_ends_it_and_is_not_asked_for_again(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead(title="CEO")
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("enterprise"))
    await command(handle, "lead_qualified", {"qualified": True, "by": "lena.fischer"})
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")  # a reply before it cancels it
    await handle.signal("interest_expressed", {})
    small = {"summary": "pilot", "items": [{"sku": "NW-SENSOR-100", "quantity": 10}]}
    await command(handle, "needs_identified", small)
    await wait_for(handle, lambda s: bool(s.quotes), "proposal")
    await handle.signal("proposal_accepted", {"po_number": "PO-1"})
    state = await wait_for(handle, lambda s: len(s.documents) == 2, "draft contract")
    draft = state.documents[-1].number
    old = {"changes": [{"clause": "a", "text": "b"}], "contract_number": "C-1999-x-v1"}
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await command(handle, "contract_redlined", old)
    assert f"is not the draft under review; the current one is {draft}" in str(refused.value.cause)

    await handle.signal("contract_signed", {"signed_by": "CEO", "contract_number": draft})
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    state = await wait_for(handle, lambda s: s.signature is not None, "signed")
    assert state.signature is not None and state.signature.contract_number == draft
    legal = state.gates[-1]
    assert (legal.status, legal.notes) == (GateStatus.PASSED, f"{draft} signed during the review")
    assert doubles.steps_to(lead.email) == [
        "intro",
        "orientation",
        "proposal_v1",
        "contract_review_v1",
    ]
    assert state.quotes[0].totals.net == Decimal("1490.00")


async def test_no_export_licence_decision_in_time_loses_the_sale_as_the_playbook_says(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("public-sector")
    lead = new_lead(country="TR")  # a listed destination for the dual-use gateways
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    now = await ts_env.get_current_time(handle)
    needs = {
        "summary": "Gateways for the port cranes",
        "submission_deadline": (now + timedelta(days=10)).isoformat(),
        **BIG,
    }
    await command(handle, "needs_identified", needs)
    await wait_for(handle, lambda s: "tender_bid" in [e.step for e in s.emails], "bid sent")
    await command(handle, "tender_awarded", {"po_number": "PO-1"})
    await wait_for(
        handle, lambda s: any(g.gate == "export_license" for g in s.gates), "licence awaited"
    )
    await ts_env.fast_forward(handle)  # the authority never answers
    outcome = await handle.result()

    gate = playbook.gates.export_license
    assert gate is not None and gate.lost_reason == LostReason.STALLED
    assert outcome.lost_reason == LostReason.STALLED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    licence = state.gates[-1]
    assert (licence.gate, licence.status) == ("export_license", GateStatus.FAILED)
    assert licence.notes == state.lost_notes == "no export licence decision for TR in time"
    assert licence.decided_at is not None
    assert licence.decided_at - licence.opened_at >= gate.timeout
    assert "contract_v1" not in doubles.steps_to(lead.email)
