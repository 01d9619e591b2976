"""Check-ins are outreach: one due on a Friday evening waits for Monday morning in the customer's
own time, and an account closed meanwhile cancels it. The start instant is set (a skipped start
delay), so the test meets a Friday evening whatever day CI runs on."""

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import load_playbook
from sales.sending import ZONES
from sales.state import SupportState
from settings import Settings
from simulation.command import UNSKIPPED
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    PLAYBOOKS,
    new_lead,
    next_local,
    start_support,
    wait_for_support,
)

FRIDAY = 4
ZONE = "Europe/Paris"


@pytest.mark.parametrize("closed", [False, True], ids=["sent-monday", "account-closed"])
async def test_a_check_in_due_on_a_friday_evening_waits_for_monday_morning(
    ts_env: WorkflowEnvironment,
    ts_worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    closed: bool,
) -> None:
    playbook = load_playbook(PLAYBOOKS, "default")  # its window: 09:00-17:30, Mon-Fri
    lead = new_lead(country="FR", timezone=ZONE)
    begins = next_local(FRIDAY, 20, ZONE)
    delay = begins - datetime.now(UTC)
    handle = await start_support(
        ts_env, settings, lead, playbook, order_number="PO-7", start_delay=delay
    )
    await ts_env.fast_forward(handle, delay - UNSKIPPED)  # as start_at does
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    await handle.signal("order_fulfilled", {"order_number": "PO-7"})
    await wait_for_support(handle, lambda s: s.next_check_in_at is not None, "check-in planned")

    # Two weeks on it is Friday evening again: the check-in waits for the window.
    await ts_env.fast_forward(handle, playbook.support.check_in_after + timedelta(minutes=5))
    state = await wait_for_support(
        handle, lambda s: s.check_in_scheduled is not None, "check-in held for the window"
    )
    held, due, action = state.check_in_scheduled, state.next_check_in_at, state.next_action
    assert held is not None and due is not None and action is not None
    opens = due.astimezone(ZONES[ZONE])
    assert opens.weekday() < 5 and f"{opens:%H:%M}" == "09:00"
    assert action.description == f"check-in 1 scheduled {held}"
    assert held == f"{opens:%a} {opens.day} {opens:%b} 09:00 {ZONE}"
    assert smtp.inbox.steps(lead.email) == ["welcome"]

    if closed:
        await handle.signal("account_closed", {"reason": "moved to a group contract"})
        final: SupportState = await handle.result()
        assert final.closed_reason == "moved to a group contract" and final.check_ins_sent == 0
        assert smtp.inbox.steps(lead.email) == ["welcome"]
        return
    await ts_env.fast_forward(handle, timedelta(days=4))
    await smtp.inbox.wait_for(lambda _: "check_in_1" in smtp.inbox.steps(lead.email))
    state = await wait_for_support(handle, lambda s: s.check_ins_sent == 1, "check-in sent")
    sent_at = state.emails[-1].sent_at.astimezone(ZONES[ZONE])
    assert (sent_at.date(), f"{sent_at:%H}") == (opens.date(), "09")
    await handle.terminate("the test is over")  # it would check in every 90 days for ever
