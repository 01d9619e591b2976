"""A slice on the real parts: a few random sequences against the plain dev server, the real
activities (documents rendered, emails through SMTP) and the test SMTP server.

Time runs for real here, so no cadence or expiry ends a sale: every sequence holds an opt-out
somewhere (`must_end`), and the sale ends WON before it or LOST at it. The invariants are those
of the fast tier (`tests/properties/invariants.py`), with the emails the SMTP server received as
what was sent, plus: each one received is one the sale recorded (same Message-ID), and none
arrives once the sale has ended. How hypothesis runs on the async fixtures: see test_fast.py.
"""

import asyncio
import re

import hypothesis
import pytest
from hypothesis import given
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.properties.drive import drive, examples, leave_nothing_running, state_of, within
from tests.properties.invariants import check
from tests.properties.scenarios import Scenario, scenarios
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import new_lead, playbook_named, start

ARRIVING = 1.0  # seconds for anything still on its way to reach the SMTP server
EXAMPLE_SECONDS = 60


@pytest.mark.timeout(420)  # 10 s to pass; shrinking a failure takes up to 5 minutes more
@examples(5)
@given(scenario=scenarios(max_noise=4, must_end=True))
async def test_random_sequences_on_the_real_parts_send_no_mail_after_the_end(
    scenario: Scenario,
    env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    playbook = playbook_named(scenario.playbook)
    lead = new_lead(title="Head of Operations")
    try:
        async with within(EXAMPLE_SECONDS):
            handle = await start(env.client, settings, lead, playbook)
            delivered = await drive(handle, scenario)
            outcome = await handle.result()
            state = await state_of(handle)
            received = smtp.inbox.of_sale(handle.id)
            await asyncio.sleep(ARRIVING)
            later = smtp.inbox.of_sale(handle.id)[len(received) :]
    finally:
        await leave_nothing_running(env.client, lead.lead_id)
    hypothesis.event(f"{scenario.playbook}: {outcome.stage} {outcome.lost_reason or ''}".strip())

    assert not later, f"received after the sale ended: {[m['Subject'] for m in later]}"
    recorded = sorted(email.message_id for email in state.emails)
    assert sorted(re.sub(r"\s", "", str(m["Message-ID"])) for m in received) == recorded
    sent = [str(message["X-Salesflow-Step"]) for message in received]
    check(delivered, state, outcome, playbook, sent)
