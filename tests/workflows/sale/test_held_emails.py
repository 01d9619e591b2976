"""Emails held for the lead's sending window, at real playbook durations with the default
playbook's window: a reminder due at night waits for the morning and the answer it would have
chased makes it moot, and a quote that the playbook holds for business hours says when it leaves.

Start instants are set (a skipped start delay), so each test meets the hours it describes
whatever day CI runs on.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any

import holidays
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import load_playbook
from sales.sending import ZONES
from sales.stages import SalesStage
from sales.state import NextAction
from settings import Settings
from tests.workflows.helpers import (
    NEEDS,
    PLAYBOOKS,
    command,
    new_lead,
    next_local,
    sent,
    start_at,
    wait_for,
    wait_for_action,
)
from tests.workflows.sale.doubles import Doubles
from workflows import search_attributes as sa

MONDAY, WEDNESDAY, SATURDAY = 0, 2, 5
ZONE = "Europe/Paris"


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONES[ZONE])


async def test_a_reminder_due_at_night_waits_for_the_morning_and_an_answer_makes_it_moot(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = load_playbook(PLAYBOOKS, "default")
    lead = new_lead(country="FR", timezone=ZONE)
    handle = await start_at(ts_env, fast_settings, lead, playbook, next_local(MONDAY, 10, ZONE))
    await wait_for(handle, lambda s: sent(s) == ["intro"], "the intro, in business hours")
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    state = await wait_for(handle, lambda s: "proposal_v1" in sent(s), "the quote")

    # The reminder is due 7 days before the quote's end (midnight UTC): at night in Paris. From
    # process version 9 the sale's wait ends when it can go, the next morning's window.
    expires = datetime.combine(state.quotes[0].valid_until + timedelta(days=1), time(0), UTC)
    remind_at = expires - playbook.proposal.reminder_before_expiry  # type: ignore[operator]
    assert not "09:00" <= f"{local(remind_at):%H:%M}" < "17:30"
    assert_a_morning_after(state.next_action, remind_at)
    now = await ts_env.get_current_time(handle)
    await ts_env.fast_forward(handle, remind_at - now + timedelta(minutes=2))
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    state = await wait_for(handle, lambda s: "contract_v1" in sent(s), "the contract")
    contract = state.emails[-1]
    assert not "09:00" <= f"{local(contract.sent_at):%H:%M}" < "17:30"  # an answer: at once

    # The contract's reminder, 7 days on, is due at night too; the signature comes first.
    remind_at = contract.sent_at + playbook.contract.reminder_after
    assert_a_morning_after(state.next_action, remind_at)
    await ts_env.fast_forward(handle, playbook.contract.reminder_after + timedelta(minutes=2))
    await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    assert state.cancelled_emails == []  # neither reminder was ever due: nothing to cancel
    await handle.signal("order_placed", {"order_number": "PO-1"})
    assert (await handle.result()).stage == SalesStage.WON
    assert doubles.steps_to(lead.email)[:4] == [
        "intro",
        "orientation",
        "proposal_v1",
        "contract_v1",
    ]
    assert not [s for s in doubles.steps_to(lead.email) if "reminder" in s]
    await ts_env.client.get_workflow_handle(f"support-{lead.lead_id}").terminate("test over")


def assert_a_morning_after(action: NextAction | None, due: datetime) -> None:
    """The wait ends at 09:00 in Paris on the first working day at or after `due`."""
    assert action is not None and action.due_at is not None
    morning = local(action.due_at)
    assert f"{morning:%H:%M}" == "09:00" and morning.weekday() < SATURDAY
    assert due <= action.due_at < due + timedelta(days=5)


async def test_a_quote_the_playbook_holds_for_business_hours_says_when_it_leaves(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = load_playbook(PLAYBOOKS, "default")
    outreach = playbook.outreach.model_copy(
        update={"wait_for_window": [*playbook.outreach.wait_for_window, "proposal"]}
    )
    playbook = playbook.model_copy(update={"outreach": outreach})
    lead = new_lead(country="FR", timezone=ZONE)
    handle = await start_at(ts_env, fast_settings, lead, playbook, next_local(SATURDAY, 23, ZONE))
    await wait_for(handle, lambda s: s.next_action is not None, "the intro waits")
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    state = await wait_for_action(handle, "proposal v1 scheduled", "the quote waits for Monday")
    assert sent(state) == ["orientation"]  # the orientation answers the needs at once
    action = state.next_action
    assert action is not None and action.due_at is not None
    opens = local(action.due_at)
    assert opens.weekday() < 5 and f"{opens:%H:%M}" == "09:00"
    assert action.description == (
        f"proposal v1 scheduled {opens:%a} {opens.day} {opens:%b} 09:00 {ZONE}"
    )
    described = await handle.describe()
    assert described.typed_search_attributes.get(sa.NEXT_ACTION_AT) == action.due_at

    now = await ts_env.get_current_time(handle)
    await ts_env.fast_forward(handle, action.due_at - now + timedelta(minutes=1))
    state = await wait_for(handle, lambda s: "proposal_v1" in sent(s), "the quote, on Monday")
    assert local(state.emails[-1].sent_at).date() == opens.date()
    assert f"{local(state.emails[-1].sent_at):%H}" == "09"
    await handle.terminate("the test is over")


async def test_a_follow_up_due_on_a_saturday_is_one_wait_until_the_next_working_morning(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    # Process version 9: the wait ends when the follow-up can go, not at its due time and then
    # again at the window: the same Monday 09:00, one timer for it, and NextActionAt says so.
    playbook = load_playbook(PLAYBOOKS, "default")
    lead = new_lead(country="FR", timezone=ZONE)
    begins = next_local(WEDNESDAY, 11, ZONE)
    handle = await start_at(ts_env, fast_settings, lead, playbook, begins)
    state = await wait_for(handle, lambda s: sent(s) == ["intro"], "the intro, in business hours")
    due = state.emails[0].sent_at + playbook.contact.follow_ups[0]
    assert local(due).weekday() == SATURDAY
    assert_a_morning_after(state.next_action, due)
    follow_up_at = state.next_action.due_at if state.next_action else None

    await ts_env.fast_forward(handle, playbook.contact.follow_ups[0] + timedelta(days=3))
    state = await wait_for(handle, lambda s: "follow_up_1" in sent(s), "the first follow-up")
    sent_at = local(state.emails[1].sent_at)
    # Monday, or the next working day where that Monday is a public holiday in France.
    assert f"{sent_at:%H}" == "09" and sent_at.weekday() < SATURDAY and follow_up_at is not None
    assert abs(state.emails[1].sent_at - follow_up_at) < timedelta(minutes=1)
    timers = [
        event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        async for event in handle.fetch_history_events()
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    # The one timer: set for Monday's follow-up, then for the second follow-up's wait.
    assert len(timers) == 2
    await handle.terminate("the test is over")


def a_wednesday_whose_fifth_monday_works() -> datetime:
    """10:00 in Paris on a Wednesday (the first at least an hour ahead that is a working day,
    and whose Monday 33 days on is one too): the Monday where the buyer below has both its
    quote's reminder (from 09:00) and its needs' deadline (30 days after its interest, day 3)."""
    public = holidays.country_holidays("FR")
    begins = next_local(WEDNESDAY, 10, ZONE)
    while begins.date() in public or (begins + timedelta(days=33)).date() in public:
        begins += timedelta(days=7)
    return begins


async def timers_started(handle: WorkflowHandle[Any, Any]) -> int:
    started = EventType.EVENT_TYPE_TIMER_STARTED
    return len([e async for e in handle.fetch_history_events() if e.event_type == started])


async def test_a_reminder_goes_later_that_morning_when_the_sales_timer_already_rings_then(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    # Process version 12: the quote's reminder is due at 09:00 on a Monday, and the sale's one
    # timer is already set for 10:00 that Monday (the needs' deadline, 30 days after interest):
    # the reminder goes at 10:00, inside the same window, and no timer is set earlier for it.
    playbook = load_playbook(PLAYBOOKS, "default")
    lead = new_lead(country="FR", timezone=ZONE)
    begins = a_wednesday_whose_fifth_monday_works()
    handle = await start_at(ts_env, fast_settings, lead, playbook, begins)
    await wait_for(handle, lambda s: sent(s) == ["intro"], "the intro, in business hours")

    async def on_day(day: int) -> None:
        now = await ts_env.get_current_time(handle)
        await ts_env.fast_forward(handle, begins + timedelta(days=day) - now)

    await on_day(2)
    await handle.signal("contact_responded", {"message": "Tell me more"})
    await on_day(3)  # a Saturday
    await handle.signal("interest_expressed", {})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "a prospect")
    needs_due = state.timeline[-1].at + playbook.needs_analysis.timeout
    await on_day(8)  # past Monday's follow-up time, when the timer rang and was set again
    await command(handle, "needs_identified", NEEDS)
    state = await wait_for_action(handle, "prospect answers quote", "the wait for an answer")

    action = state.next_action
    assert action is not None and action.due_at == needs_due
    reminder_day = (begins + timedelta(days=33)).date()
    assert local(needs_due).date() == reminder_day and local(needs_due).weekday() == MONDAY
    assert time(9) < local(needs_due).time() < time(17, 30)
    assert await timers_started(handle) == 2  # the follow-up's; set again at its ring

    now = await ts_env.get_current_time(handle)
    await ts_env.fast_forward(handle, needs_due - now + timedelta(minutes=1))
    state = await wait_for(handle, lambda s: "proposal_v1_reminder" in sent(s), "the reminder")
    [reminder] = [e for e in state.emails if e.step == "proposal_v1_reminder"]
    assert needs_due <= reminder.sent_at < needs_due + timedelta(minutes=1)
    assert await timers_started(handle) == 3  # and then for the quote's expiry
    await handle.terminate("the test is over")
