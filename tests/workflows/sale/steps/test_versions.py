"""Playbooks that re-issue: expired quotes and contracts get new versions; old ones are refused."""

from datetime import timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import OnApprovalTimeout, OnExpiry, Playbook
from sales.stages import SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    BIG_DISCOUNT,
    default_playbook,
    drive_to_approval,
    drive_to_contract,
    drive_to_proposal,
    new_lead,
    start_paused,
    wait_for,
)


def reissuing() -> Playbook:
    playbook = default_playbook()
    proposal = playbook.proposal.model_copy(
        update={
            "on_expiry": OnExpiry.NEW_VERSION,
            "on_approval_timeout": OnApprovalTimeout.WITHOUT_DISCOUNT,
        }
    )
    contract = playbook.contract.model_copy(update={"on_expiry": OnExpiry.NEW_VERSION})
    return playbook.model_copy(update={"proposal": proposal, "contract": contract})


async def test_expired_quote_is_reissued_and_cannot_be_accepted(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    playbook = reissuing()
    handle = await start_paused(ts_env, settings, lead, playbook)
    first = (await drive_to_proposal(handle)).quotes[0]
    await ts_env.fast_forward(handle, playbook.proposal.validity + timedelta(days=1))
    state = await wait_for(
        handle, lambda s: any(e.step == "proposal_v2" for e in s.emails), "re-issued quote"
    )
    second = state.quotes[1]
    assert state.expired == [first.number]
    assert second.totals.total == first.totals.total
    assert second.valid_until - first.valid_until >= timedelta(days=30)

    await handle.signal("proposal_accepted", {"quote_number": first.number})
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "expired quote refused")
    assert f"quote {first.number} has expired" in state.rejected_events[0].reason
    await handle.signal("proposal_accepted", {"quote_number": second.number})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CONTRACT, "contract")
    assert smtp.inbox.steps(lead.email)[2:5] == [
        "proposal_v1",
        "proposal_v1_reminder",
        "proposal_v2",
    ]


async def test_unapproved_discount_goes_out_at_the_allowed_rate(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    playbook = reissuing()
    handle = await start_paused(ts_env, settings, lead, playbook)
    await drive_to_approval(handle, BIG_DISCOUNT)
    await ts_env.fast_forward(handle, playbook.proposal.approval_timeout + timedelta(hours=1))
    state = await wait_for(handle, lambda s: bool(s.quotes), "quote sent")

    # 3 x 890.00 = 2670.00; the allowed 10 % = 267.00; net 2403.00
    quote = state.quotes[0]
    assert (quote.totals.discount_percent, quote.totals.net) == (Decimal(10), Decimal("2403.00"))
    assert quote.notes == "25.00% was not approved; the allowed 10% applies"
    assert "proposal_v1" in smtp.inbox.steps(lead.email)


async def test_expired_contract_is_reissued_and_the_old_signature_refused(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    playbook = reissuing()
    handle = await start_paused(ts_env, settings, lead, playbook)
    state = await drive_to_contract(handle)
    first = state.documents[-1].number
    await ts_env.fast_forward(handle, playbook.contract.expires_after + timedelta(hours=1))
    state = await wait_for(
        handle, lambda s: any(e.step == "contract_v2" for e in s.emails), "contract v2"
    )
    second = state.documents[-1].number
    assert second.endswith("-v2") and state.expired == [first]

    await handle.signal("contract_signed", {"signed_by": "J. de Vries", "contract_number": first})
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "old signature refused")
    assert f"signature for {first}, which has expired" in state.rejected_events[0].reason
    await handle.signal("contract_signed", {"signed_by": "J. de Vries", "contract_number": second})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    assert state.signature is not None and state.signature.contract_number == second
