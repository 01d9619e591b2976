"""A sale begun at 23:00 on a Saturday in the lead's own zone, on each shipped playbook at its real
durations and with its real sending window: the customer's answer moves it at that very minute,
the emails that answer the customer go at once, and no outreach ever follows the reply.

The start instant is set, not inherited from the moment CI runs: the sale starts with a delay
that time skipping jumps over, so its clock begins on the next Saturday 23:00 in the lead's zone.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import holidays
import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import Playbook, load_playbook
from sales.sending import ZONES, scheduled
from sales.stages import SalesStage
from sales.state import SaleOutcome, SaleState
from settings import Settings
from tests.workflows.helpers import (
    NEEDS,
    PLAYBOOKS,
    new_lead,
    next_local,
    sent,
    start_at,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles
from workflows import search_attributes as sa

SATURDAY = 5
OUTREACH = ("intro", "follow_up")


@dataclass(frozen=True)
class Night:
    """How a playbook's sale meets its customer's first answer on a Saturday night."""

    zone: str
    lead: dict[str, Any]
    reply: tuple[str, dict[str, Any]]
    stage: SalesStage  # where the reply takes the sale, at its minute
    held: str | None = None  # the outreach email waiting for Monday when the reply comes
    first: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # before the wait
    then: tuple[str, dict[str, Any]] | None = None  # the customer's next action
    answers: tuple[str, ...] = ()  # the emails that answer it, sent at once


def tender(now: datetime) -> dict[str, Any]:
    return {
        "summary": "Condition monitoring for the container cranes",
        "tender_reference": "TED 2026/S 123-456789",
        "submission_deadline": (now + timedelta(days=10)).isoformat(),
        "items": [{"sku": "NW-GATEWAY-20", "quantity": 6}],
    }


NIGHTS = {
    "default": Night(
        zone="Europe/Paris",
        lead={"country": "FR", "timezone": "Europe/Paris"},
        held="intro",
        reply=("interest_expressed", {"notes": "called back from the booth"}),
        stage=SalesStage.NEEDS_ANALYSIS,
        then=("needs_identified", NEEDS),
        answers=("orientation", "proposal_v1"),
    ),
    "enterprise": Night(
        zone="Asia/Tokyo",
        lead={"country": "JP", "title": "Head of Operations"},
        first=[("lead_qualified", {"qualified": True, "by": "lena.fischer"})],
        held="intro",
        reply=("contact_responded", {"message": "Tell me more"}),
        stage=SalesStage.CONTACT,  # a reply waits for the seller to record interest
        then=("interest_expressed", {}),
    ),
    "public-sector": Night(
        zone="America/New_York",
        lead={"country": "US", "industry": "public"},
        reply=("needs_identified", {}),  # the call for tenders, with its deadline (below)
        stage=SalesStage.PROPOSAL,
        answers=("tender_bid",),
    ),
    "quick": Night(
        zone="Europe/Berlin",
        lead={"country": "DE", "items": [{"sku": "NW-SENSOR-100", "quantity": 4}]},
        reply=("proposal_accepted", {"accepted_by": "Web shop customer"}),
        stage=SalesStage.CLOSING,
    ),
}


def window_opens(playbook: Playbook, at: datetime, zone: str, country: str) -> datetime:
    """When the playbook's window next opens after `at` for a lead there, from the holidays
    package directly (the workflow gets its holidays through an activity)."""
    days: frozenset[date] = frozenset(
        holidays.country_holidays(country, years=[at.year, at.year + 1])
    )
    return playbook.outreach.opens(at, ZONES[zone], days)


async def details(handle: WorkflowHandle[Any, Any]) -> str:
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(metadata.current_details)


async def send(handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]) -> None:
    await handle.signal(name, payload)


def entered(state: SaleState, stage: SalesStage) -> datetime:
    return next(change.at for change in reversed(state.timeline) if change.stage == stage)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", sorted(NIGHTS))
async def test_on_a_saturday_night_the_reply_moves_the_sale_at_once_and_stops_outreach(
    ts_env: WorkflowEnvironment,
    fast_worker: Worker,
    fast_settings: Settings,
    doubles: Doubles,
    name: str,
) -> None:
    night = NIGHTS[name]
    playbook = load_playbook(PLAYBOOKS, name)  # with its own sending window, if it has one
    lead = new_lead(**night.lead)
    zone = ZONES[night.zone]
    assert playbook.outreach.zone_for(lead) == zone
    begins = next_local(SATURDAY, 23, night.zone)
    handle = await start_at(ts_env, fast_settings, lead, playbook, begins)
    for signal, payload in night.first:
        await wait_for(handle, lambda s: s.next_action is not None, "the sale waits")
        await send(handle, signal, payload)

    if night.held is not None:
        opens = window_opens(playbook, begins, night.zone, lead.country or "")
        assert opens.astimezone(zone).weekday() < 5 and opens - begins > timedelta(days=1)
        expected = f"{night.held} scheduled {scheduled(opens, zone)}"
        state = await wait_for(
            handle,
            lambda s: s.next_action is not None and s.next_action.description == expected,
            f"the {night.held} waits for the window",
        )
        assert state.next_action is not None and state.next_action.due_at == opens
        assert f"**Next:** {expected}" in await details(handle)
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.NEXT_ACTION_AT) == opens
        assert sent(state) == []
    else:
        await wait_for(handle, lambda s: s.next_action is not None, "the sale waits")

    await ts_env.fast_forward(handle, timedelta(minutes=20))  # Saturday, 23:20 there
    replied = await ts_env.get_current_time(handle)
    assert replied.astimezone(zone).weekday() == SATURDAY
    signal, payload = night.reply
    await send(handle, signal, tender(replied) if name == "public-sector" else payload)
    state = await wait_for(
        handle,
        lambda s: signal in applied(s) and s.stage == night.stage,
        f"{signal} takes the sale to {night.stage}",
    )
    assert entered(state, night.stage) - replied < timedelta(minutes=1) or (
        night.stage == SalesStage.CONTACT  # a reply waits for the seller to record interest
        and state.next_action is not None
        and "interest_expressed" in state.next_action.description
    )
    if night.held is not None:
        [cancelled] = state.cancelled_emails
        assert cancelled.step == night.held and cancelled.why.startswith(f"{signal} came")
        assert cancelled.at - replied < timedelta(minutes=1)

    if night.then is not None:
        signal, payload = night.then
        before = await ts_env.get_current_time(handle)
        await send(handle, signal, payload)
        state = await wait_for(handle, lambda s: signal in applied(s), f"{signal} is applied")
        assert before.astimezone(zone).weekday() == SATURDAY
    state = await wait_for(
        handle, lambda s: set(night.answers) <= set(sent(s)), f"{night.answers} sent"
    )
    for email in state.emails:  # the answers went at once: still Saturday night there
        assert email.sent_at.astimezone(zone).weekday() == SATURDAY, email.step

    await ts_env.fast_forward(handle)  # to the end: every wait of the playbook runs out
    outcome: SaleOutcome = await handle.result()
    assert outcome.stage == SalesStage.LOST
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    to_lead = doubles.steps_to(lead.email)
    assert [step for step in to_lead if step.startswith(OUTREACH)] == []
    for email in state.emails:  # outreach that did go (reminders) went in business hours
        if playbook.outreach.waits(email.template) and email.to == lead.email:
            local = email.sent_at.astimezone(zone)
            assert local.weekday() < 5 and "09:00" <= f"{local:%H:%M}" < "17:30", email.step


def applied(state: SaleState) -> list[str]:
    return [event.signal for event in state.applied_events]
