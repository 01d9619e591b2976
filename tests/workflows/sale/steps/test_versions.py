"""Playbooks that re-issue: expired quotes and contracts get new versions; old ones are refused;
no sale goes past its playbook's `max_versions`."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import OnApprovalTimeout, OnExpiry, Playbook
from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    BIG_DISCOUNT,
    NEEDS,
    default_playbook,
    drive_to_approval,
    drive_to_contract,
    drive_to_proposal,
    new_lead,
    sent,
    start_paused,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles


def reissuing(max_versions: int = 5) -> Playbook:
    playbook = default_playbook()
    proposal = playbook.proposal.model_copy(
        update={
            "on_expiry": OnExpiry.NEW_VERSION,
            "on_approval_timeout": OnApprovalTimeout.WITHOUT_DISCOUNT,
            "max_versions": max_versions,
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


# max_versions, in the fast tier.


async def in_proposal(
    env: WorkflowEnvironment, settings: Settings, playbook: Playbook
) -> WorkflowHandle[Any, Any]:
    handle = await start_paused(env, settings, new_lead(), playbook)
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    await wait_for(handle, lambda s: "proposal_v1" in sent(s), "quote v1 sent")
    return handle


async def test_a_revision_past_max_versions_is_rejected_and_the_latest_can_still_be_accepted(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    handle = await in_proposal(ts_env, fast_settings, reissuing(max_versions=2))
    twelve = {"items": [{"sku": "NW-SENSOR-100", "quantity": 12}], "event_id": "rev-1"}
    await handle.signal("revision_requested", twelve)
    await wait_for(handle, lambda s: "proposal_v2" in sent(s), "quote v2 sent")
    fifteen = {"items": [{"sku": "NW-SENSOR-100", "quantity": 15}], "event_id": "rev-2"}
    await handle.signal("revision_requested", fifteen)
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "third version refused")

    rejected = state.rejected_events[0]
    assert (rejected.signal, rejected.event_id) == ("revision_requested", "rev-2")
    assert rejected.reason == "the playbook allows 2 versions at most"
    assert [q.version for q in state.quotes] == [1, 2] and state.stage == SalesStage.PROPOSAL
    await handle.signal("proposal_accepted", {"quote_number": state.quotes[1].number})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CONTRACT, "contract")
    assert state.acceptance is not None and state.acceptance.quote_number.endswith("-v2")


async def test_a_quote_that_expires_at_max_versions_is_not_reissued_and_the_sale_is_lost(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    # Revisions and re-issues count together: v2 is a revision, so its expiry ends the sale.
    handle = await in_proposal(ts_env, fast_settings, reissuing(max_versions=2))
    await handle.signal("revision_requested", {"items": [{"sku": "NW-SENSOR-100", "quantity": 5}]})
    await wait_for(handle, lambda s: "proposal_v2" in sent(s), "quote v2 sent")
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.PROPOSAL_EXPIRED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    second = state.quotes[-1]
    assert [q.version for q in state.quotes] == [1, 2]
    assert state.expired == [second.number] and state.lost_notes == f"{second.number} expired"
    assert "proposal_v3" not in sent(state)


async def test_a_contract_that_expires_at_max_versions_is_not_reissued_and_the_sale_is_lost(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = reissuing()
    assert playbook.contract.max_versions == 2
    handle = await in_proposal(ts_env, fast_settings, playbook)
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await wait_for(handle, lambda s: "contract_v1" in sent(s), "contract v1 sent")
    await ts_env.fast_forward(handle)  # nobody signs either version
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.CONTRACT_EXPIRED
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    contracts = [d.number for d in state.documents if d.kind == "contract"]
    assert [c[-3:] for c in contracts] == ["-v1", "-v2"]
    assert state.expired == contracts and state.lost_notes == f"{contracts[-1]} not signed"
    assert [step for step in sent(state) if step.startswith("contract")] == [
        "contract_v1",
        "contract_v1_reminder",
        "contract_v2",
        "contract_v2_reminder",
    ]
