"""The enterprise playbook end to end over months: seller qualification, a discount approved,
a formal proposal, a referred credit check, three redline rounds, signature and the order."""

from datetime import timedelta

import pytest
from pypdf import PdfReader
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.qualification import QualificationDecision
from sales.stages import LostReason, SalesStage
from sales.state import GateStatus
from settings import Settings
from tests.smtp_inbox import SmtpServer, readable
from tests.workflows.helpers import (
    command,
    new_lead,
    playbook_named,
    sent,
    stages,
    start_paused,
    wait_for,
)

# 300 x 149.00 + 5 x 4,800.00 + 10 x 1,150.00 = 80,200.00; 8 % off: 73,784.00 net.
NEEDS = {
    "summary": "Twelve plants, one maintenance platform",
    "purchasing_procedure": "formal_proposal",
    "discount_percent": 8,
    "items": [
        {"sku": "NW-SENSOR-100", "quantity": 300},
        {"sku": "NW-PLATFORM", "quantity": 5},
        {"sku": "NW-INSTALL", "quantity": 10},
    ],
}


async def test_an_enterprise_sale_runs_every_stage_and_gate_over_months(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    playbook = playbook_named("enterprise")
    lead = new_lead(title="Plant Manager")
    handle = await start_paused(ts_env, settings, lead, playbook)
    state = await wait_for(
        handle,
        lambda s: s.next_action is not None and "lead_qualified" in s.next_action.description,
        "a seller is asked",
    )
    assert state.qualification is not None and state.qualification.score == 80
    assert state.qualification.decision == QualificationDecision.ASK_SELLER

    await ts_env.fast_forward(handle, timedelta(days=3))
    qualified = {"qualified": True, "by": "lena.fischer", "reason": "strategic account"}
    assert (await command(handle, "lead_qualified", qualified)).status == "applied"
    await wait_for(handle, lambda s: sent(s) == ["intro"], "intro")
    await ts_env.fast_forward(handle, timedelta(days=8))
    await wait_for(handle, lambda s: "follow_up_1" in sent(s), "first follow-up after 7 days")
    await handle.signal("contact_responded", {"message": "Let us talk in January"})
    await handle.signal("interest_expressed", {"notes": "workshop booked"})
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")

    await ts_env.fast_forward(handle, timedelta(days=14))
    assert (await command(handle, "needs_identified", NEEDS)).status == "applied"
    await wait_for(handle, lambda s: s.awaiting_discount_approval, "discount held")
    await ts_env.fast_forward(handle, timedelta(days=3))
    await command(handle, "discount_approved", {"approver": "sales.director"})
    state = await wait_for(handle, lambda s: "proposal_v1" in sent(s), "formal proposal")
    assert str(state.quotes[0].totals.net) == "73784.00"
    approval = smtp.inbox.of_sale(handle.id, to=playbook.seller.sales_manager_email)
    assert [str(m["X-Salesflow-Step"]) for m in approval] == ["discount_approval_v1"]
    for part in readable(approval[0]):
        assert "carries a discount of 8%, above the 5% a seller may grant" in part

    await ts_env.fast_forward(handle, timedelta(days=30))
    await handle.signal("proposal_accepted", {"accepted_by": "J. de Vries"})
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "acceptance without PO")
    assert "accepted with a po_number" in state.rejected_events[0].reason
    await handle.signal("proposal_accepted", {"accepted_by": "J. de Vries", "po_number": "4500123"})
    state = await wait_for(
        handle, lambda s: bool(s.gates) and "referred" in s.gates[0].notes, "credit referred"
    )
    credit = state.gates[0]
    assert (credit.gate, credit.status) == ("credit_check", GateStatus.WAITING)
    assert credit.notes.endswith("EUR 73784.00 is above the automatic limit of 60000")

    await ts_env.fast_forward(handle, timedelta(days=10))
    await command(
        handle, "credit_approved", {"approved_by": "credit.officer", "credit_limit": 100000}
    )
    await wait_for(handle, lambda s: "contract_review_v1" in sent(s), "draft to the lawyers")
    for round_number in (1, 2, 3):
        await ts_env.fast_forward(handle, timedelta(days=12))
        change = {"clause": f"Clause {round_number}", "text": f"Redline number {round_number}"}
        await command(handle, "contract_redlined", {"changes": [change], "by": "Counsel"})
        draft = f"contract_review_v{round_number + 1}"
        await wait_for(handle, lambda s, d=draft: d in sent(s), draft)  # type: ignore[misc]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await command(handle, "contract_redlined", {"changes": [{"clause": "X", "text": "Y"}]})
    assert "allows 3 redline rounds" in str(refused.value.cause)

    await command(handle, "legal_approved", {"approved_by": "Counsel"})
    state = await wait_for(handle, lambda s: "contract_v5" in sent(s), "contract for signature")
    contract = state.documents[-1]
    text = "".join(page.extract_text() for page in PdfReader(contract.pdf_path).pages)
    assert "Redline number 3" in text and "Draft for legal review" not in text
    await ts_env.fast_forward(handle, timedelta(days=20))
    await wait_for(handle, lambda s: "contract_v5_reminder" in sent(s), "reminder after 14 days")
    await handle.signal(
        "contract_signed", {"signed_by": "J. de Vries", "contract_number": contract.number}
    )
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    await ts_env.fast_forward(handle, timedelta(days=45))
    await handle.signal("order_placed", {"order_number": "4500123"})
    assert (await handle.result()).stage == SalesStage.WON

    final = await wait_for(handle, lambda s: s.stage == SalesStage.WON, "won")
    assert stages(final) == [
        "QUALIFICATION", "CONTACT", "NEEDS_ANALYSIS", "PROPOSAL", "CONTRACT", "CLOSING", "WON",
    ]  # fmt: skip
    assert final.qualified_by == "lena.fischer"
    assert [(g.gate, g.status, g.decided_by) for g in final.gates] == [
        ("credit_check", GateStatus.PASSED, "credit.officer"),
        ("legal_review", GateStatus.PASSED, "Counsel"),
    ]
    assert final.gates[1].details["rounds"] == 3
    assert [a.clause for a in final.amendments] == ["Clause 1", "Clause 2", "Clause 3"]
    assert final.timeline[-1].at - final.timeline[0].at > timedelta(days=150)
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    assert smtp.inbox.steps(lead.email) == [
        "intro", "follow_up_1", "orientation", "proposal_v1",
        "contract_review_v1", "contract_review_v2", "contract_review_v3", "contract_review_v4",
        "contract_v5", "contract_v5_reminder", "welcome",
    ]  # fmt: skip


async def test_a_free_mail_address_is_refused_and_no_seller_is_asked(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead(email="jeroen.devries@gmail.com", title="Plant Manager")
    handle = await start_paused(ts_env, settings, lead, playbook_named("enterprise"))
    outcome = await handle.result()
    assert outcome.lost_reason == LostReason.DISQUALIFIED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert "gmail.com is a free mail service" in (state.lost_notes or "")


async def test_buyers_lawyers_who_never_answer_lose_the_sale_after_the_round_wait(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    playbook = playbook_named("enterprise")
    lead = new_lead(title="Plant Manager")
    handle = await start_paused(ts_env, settings, lead, playbook)
    await command(handle, "lead_qualified", {"qualified": True, "by": "lena.fischer"})
    await wait_for(handle, lambda s: sent(s) == ["intro"], "intro")
    await handle.signal("interest_expressed", {})
    small = {"summary": "pilot", "items": [{"sku": "NW-SENSOR-100", "quantity": 10}]}
    await command(handle, "needs_identified", small)
    await wait_for(handle, lambda s: "proposal_v1" in sent(s), "proposal")
    await handle.signal("proposal_accepted", {"po_number": "PO-1"})
    state = await wait_for(handle, lambda s: "contract_review_v1" in sent(s), "draft")
    assert state.gates[0].status == GateStatus.SKIPPED  # 1,490.00 is below the credit check
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.LEGAL_REVIEW_FAILED
    final = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    legal = final.gates[1]
    assert legal.status == GateStatus.FAILED and legal.decided_at is not None
    assert legal.decided_at - legal.opened_at >= playbook.gates.legal_review.round_timeout  # type: ignore[union-attr]
