"""Sending windows at real durations, with time skipping over weekends: no email to a lead
leaves outside business hours in the lead's own time zone, nor on its public holidays."""

from datetime import UTC, datetime, timedelta

import holidays
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import load_playbook
from sales.sending import ZONES, next_send_time, parse_window
from sales.stages import LostReason
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import PLAYBOOKS, new_lead, start_paused, wait_for, wait_for_action


@pytest.mark.parametrize(
    ("fields", "zone"),
    [
        ({"country": "JP"}, "Asia/Tokyo"),
        ({"country": "DE", "timezone": "America/Los_Angeles"}, "America/Los_Angeles"),
    ],
)
async def test_no_email_leaves_outside_the_leads_business_hours(
    ts_env: WorkflowEnvironment,
    ts_worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    fields: dict[str, str],
    zone: str,
) -> None:
    playbook = load_playbook(PLAYBOOKS, "default")  # with its window: 09:00-17:30, Mon-Fri
    assert playbook.outreach.window == "09:00-17:30"
    lead = new_lead(**fields)
    handle = await start_paused(ts_env, settings, lead, playbook)
    started = await ts_env.get_current_time(handle)
    country = lead.country or ""
    days_off = frozenset(holidays.country_holidays(country, years=[started.year, started.year + 1]))
    expected = next_send_time(
        started,
        window=parse_window("09:00-17:30"),
        zone=ZONES[zone],
        business_days_only=True,
        holidays=days_off,
    )
    if expected > started + timedelta(seconds=5):
        state = await wait_for_action(handle, "intro scheduled", "the intro waits for the window")
        assert state.next_action is not None and state.next_action.due_at == expected
        assert state.next_action.description.endswith(zone)

    await ts_env.fast_forward(handle)  # the whole cadence: intro, two follow-ups, give up
    outcome = await handle.result()
    assert outcome.lost_reason == LostReason.UNRESPONSIVE

    state = await wait_for(handle, lambda s: s.stage == "LOST", "lost")
    assert [e.step for e in state.emails] == ["intro", "follow_up_1", "follow_up_2"]
    assert abs(state.emails[0].sent_at - expected) < timedelta(minutes=1)
    for email in state.emails:
        local = email.sent_at.astimezone(ZONES[zone])
        assert local.weekday() < 5, f"{email.step} left on a {local:%A}"
        assert local.date() not in days_off, f"{email.step} left on a public holiday"
        assert "09:00" <= f"{local:%H:%M}" < "17:30", f"{email.step} left at {local:%H:%M}"
    # Each follow-up still waits its whole interval after the previous email.
    gaps = [b.sent_at - a.sent_at for a, b in zip(state.emails, state.emails[1:], strict=False)]
    assert gaps[0] >= playbook.contact.follow_ups[0] and gaps[1] >= playbook.contact.follow_ups[1]
    assert smtp.inbox.steps(lead.email) == ["intro", "follow_up_1", "follow_up_2"]


async def test_an_opt_out_while_an_email_waits_for_the_window_sends_nothing(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    playbook = load_playbook(PLAYBOOKS, "default")
    lead = new_lead(country="DE", timezone="Pacific/Kiritimati")
    # A window that opens a few hours from now there, so that the intro has to wait.
    hour = (datetime.now(UTC).astimezone(ZONES["Pacific/Kiritimati"]).hour + 3) % 24
    hour = 1 if hour >= 22 else hour
    window = f"{hour:02d}:00-{hour:02d}:30"
    outreach = playbook.outreach.model_copy(
        update={"window": window, "business_days_only": False, "public_holidays": False}
    )
    handle = await start_paused(
        ts_env, settings, lead, playbook.model_copy(update={"outreach": outreach})
    )
    await wait_for_action(handle, "intro scheduled", "the intro waits")
    await handle.signal("unsubscribed", {"reason": "no"})
    assert (await handle.result()).lost_reason == LostReason.OPTED_OUT
    assert smtp.inbox.to(lead.email) == []
