"""Cadences, expiries and reminders at their real playbook durations, with time skipping."""

from datetime import datetime, timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    BIG_DISCOUNT,
    default_playbook,
    drive_to_approval,
    drive_to_contract,
    drive_to_proposal,
    new_lead,
    start,
    start_paused,
    wait_for,
)


async def test_no_reply_after_the_last_follow_up_ends_unresponsive(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(ts_env.client, settings, lead)
    outcome = await handle.result()

    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, LostReason.UNRESPONSIVE)
    assert smtp.inbox.steps(lead.email) == ["intro", "follow_up_1", "follow_up_2"]
    state = await handle.query("state")
    sent = {e["step"]: e["sent_at"] for e in state["emails"]}
    lost_at = state["timeline"][-1]["at"]
    playbook = default_playbook()
    waits = [*playbook.contact.follow_ups, playbook.contact.give_up_after]

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    assert at(sent["follow_up_1"]) - at(sent["intro"]) >= waits[0]
    assert at(sent["follow_up_2"]) - at(sent["follow_up_1"]) >= waits[1]
    assert at(lost_at) - at(sent["follow_up_2"]) >= waits[2]
    assert at(lost_at) - at(sent["intro"]) < sum(waits, timedelta()) + timedelta(hours=1)


async def test_reply_stops_the_cadence_at_once(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await ts_env.fast_forward(handle, timedelta(days=3, hours=1))
    await wait_for(handle, lambda s: len(s.emails) == 2, "first follow-up")

    await handle.signal("contact_responded", {"channel": "email", "message": "Call me next week"})
    await wait_for(
        handle,
        lambda s: "interest" in (s.next_action.description if s.next_action else ""),
        "reply applied",
    )
    await ts_env.fast_forward(handle, timedelta(days=20))
    await handle.signal("interest_expressed", {})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")

    assert [e.step for e in state.emails] == ["intro", "follow_up_1"]
    assert smtp.inbox.steps(lead.email) == ["intro", "follow_up_1"]


async def test_unanswered_quote_gets_a_reminder_then_expires(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead)
    await drive_to_proposal(handle)
    await ts_env.fast_forward(handle)  # skip until the sale ends
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.PROPOSAL_EXPIRED
    assert smtp.inbox.steps(lead.email)[-2:] == ["proposal_v1", "proposal_v1_reminder"]


async def test_discount_never_approved_ends_the_sale(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead)
    await drive_to_approval(handle, BIG_DISCOUNT)
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.DISCOUNT_NOT_APPROVED
    assert "proposal_v1" not in smtp.inbox.steps(lead.email)


async def test_unsigned_contract_gets_a_reminder_then_expires(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead)
    await drive_to_contract(handle)
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.CONTRACT_EXPIRED
    assert smtp.inbox.steps(lead.email)[-2:] == ["contract_v1", "contract_v1_reminder"]


async def test_reply_without_recorded_interest_ends_stalled(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await handle.signal("contact_responded", {"message": "maybe next year"})
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.STALLED
    assert smtp.inbox.steps(lead.email) == ["intro"]


async def test_signed_contract_without_an_order_ends_no_order(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings
) -> None:
    handle = await start_paused(ts_env, settings, new_lead())
    await drive_to_contract(handle)
    await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.NO_ORDER
    state = await handle.query("state")
    closing, lost = state["timeline"][-2:]
    waited = datetime.fromisoformat(lost["at"]) - datetime.fromisoformat(closing["at"])
    assert waited >= default_playbook().closing.order_wait
