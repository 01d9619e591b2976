"""NEEDS_ANALYSIS in the fast tier: a prospect whose needs nobody records in time is stalled;
the orientation email goes out with the first offer, or alone when the offer is held; the
seller's needs are answered once the offer is out, which the quote's activity sent, or the sale
itself where that one could not."""

from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.queries import sale_state
from sales.requests import EmailRequest, OfferedQuote, QuoteRequest
from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.workflows.helpers import (
    NEEDS,
    command,
    new_lead,
    playbook_named,
    sent,
    start_paused,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles


async def test_needs_not_recorded_in_time_end_the_sale_stalled(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    playbook = playbook_named("default")
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")  # a reply before it cancels it
    await handle.signal("interest_expressed", {"notes": "met at the booth"})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")
    assert state.next_action is not None
    assert state.next_action.description == "seller records needs and items (needs_identified)"
    await ts_env.fast_forward(handle)  # the seller never records them
    outcome = await handle.result()

    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, LostReason.STALLED)
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes == "needs were not identified in time"
    prospect, lost = state.timeline[-2], state.timeline[-1]
    assert prospect.stage == SalesStage.NEEDS_ANALYSIS
    assert lost.at - prospect.at >= playbook.needs_analysis.timeout
    assert state.quotes == [] and doubles.steps_to(lead.email) == ["intro"]


async def email_activities(
    env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]
) -> list[list[str]]:
    """The steps each email activity sent, in the order they were scheduled: `send_email`'s,
    and from process version 11 those the activity pricing the first quote sent with it."""
    decode = env.client.data_converter.decode
    sends: dict[int, list[str]] = {}
    offers: dict[int, list[str]] = {}  # offer_quote's asked for, until its result says sent
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            name = scheduled.activity_type.name
            if name == "send_email":
                [email] = await decode(scheduled.input.payloads, [EmailRequest])
                sends[event.event_id] = steps_of(email)
            elif name == "offer_quote":
                [quote] = await decode(scheduled.input.payloads, [QuoteRequest])
                if quote.offer is not None:
                    offers[event.event_id] = steps_of(quote.offer)
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            completed = event.activity_task_completed_event_attributes
            if completed.scheduled_event_id in offers:
                [offered] = await decode(completed.result.payloads, [OfferedQuote])
                if offered.offer is not None:
                    sends[completed.scheduled_event_id] = offers[completed.scheduled_event_id]
    return [sends[key] for key in sorted(sends)]


def steps_of(email: EmailRequest) -> list[str]:
    return [*([email.earlier.step] if email.earlier else []), email.step]


async def test_the_orientation_goes_out_with_the_first_offer_by_one_activity(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("default"))
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    state = await wait_for(handle, lambda s: "proposal_v1" in sent(s), "the offer sent")

    # Process version 7: one activity, the orientation first; the sale records both. From
    # version 11 it is the activity that priced the quote. (The intro went with the
    # qualification, process version 8.)
    assert await email_activities(ts_env, handle) == [["orientation", "proposal_v1"]]
    assert doubles.steps_to(lead.email) == ["intro", "orientation", "proposal_v1"]
    assert sent(state) == ["intro", "orientation", "proposal_v1"]
    orientation, offer = state.emails[1], state.emails[2]
    assert orientation.subject == "orientation orientation"  # the double's subject
    assert orientation.message_id != offer.message_id
    assert state.stage == SalesStage.PROPOSAL and len(state.quotes) == 1


async def test_a_discount_held_for_approval_does_not_hold_the_orientation(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    playbook = playbook_named("default")
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")
    await handle.signal("interest_expressed", {})
    over = playbook.proposal.discount_approval_threshold + 5
    await handle.signal("needs_identified", {**NEEDS, "discount_percent": str(over)})
    state = await wait_for(handle, lambda s: "discount_approval_v1" in sent(s), "the manager asked")

    # The offer waits for the manager; the orientation answers the needs at once, alone.
    assert await email_activities(ts_env, handle) == [["orientation"], ["discount_approval_v1"]]
    assert doubles.steps_to(lead.email) == ["intro", "orientation"]
    assert state.awaiting_discount_approval and state.quotes == []


async def test_the_sellers_needs_are_answered_once_the_offer_is_out(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("default"))
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")
    await handle.signal("interest_expressed", {})
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "a prospect")

    answer = await command(handle, "needs_identified", NEEDS)

    # Process version 11: the quote's own activity sent the offer before the answer came.
    assert (answer.status, answer.detail) == ("applied", "applied in NEEDS_ANALYSIS")
    state = await sale_state(handle)
    assert sent(state) == ["intro", "orientation", "proposal_v1"]
    assert state.stage == SalesStage.PROPOSAL and len(state.quotes) == 1
    assert await email_activities(ts_env, handle) == [["orientation", "proposal_v1"]]


async def test_an_offer_its_quotes_activity_could_not_send_goes_by_the_sale(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    doubles.offer_mail_down = True
    lead = new_lead()
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("default"))
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    state = await wait_for(handle, lambda s: "proposal_v1" in sent(s), "the offer sent")

    # The quote came back without its offer: the sale sent both emails, once, as before.
    assert await email_activities(ts_env, handle) == [["orientation", "proposal_v1"]]
    assert doubles.steps_to(lead.email) == ["intro", "orientation", "proposal_v1"]
    assert sent(state) == ["intro", "orientation", "proposal_v1"]
    assert state.stage == SalesStage.PROPOSAL and len(state.quotes) == 1
