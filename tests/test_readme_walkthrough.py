"""The README's "Driving a sale", on the real clock: its `temporal workflow signal` commands, run
with the CLI against the dev server on a sale begun as `make run` begins the example sales
(`--intro-now`), produce the five emails it lists, once each and in its order, whatever the hour
CI runs at; and on a sale begun without it, where it is night, the intro waits for the window
and the reply cancels it: no intro ever follows the reply.

The lead's time zone is drawn from the moment the test runs: one where it is night now, one
where it is business hours now. None of the cases passes by luck of the clock.
"""

import asyncio
import re
import shlex
import subprocess
from datetime import UTC, datetime

import holidays
import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.services import temporal_binary
from sales.playbook import Playbook, load_playbook
from sales.stages import SalesStage
from settings import ROOT, Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import PLAYBOOKS, is_night, new_lead, start, wait_for, zone_where
from workflows.support import api as support_api

SIGNAL = re.compile(r"^\$T (?P<args>--name .+)$", re.MULTILINE)
# What the README says the walk-through sends, in its words and order.
LISTED = (
    "the intro, orientation, proposal (PDF attached), contract (PDF\n"
    "attached) and welcome emails, each once and in that order, at any hour"
)
ANSWERS = ["orientation", "proposal_v1", "contract_v1", "welcome"]


def walkthrough() -> tuple[str, list[list[str]]]:
    """The README's signal command prefix and each signal's arguments, as a shell splits them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Driving a sale") :]
    section = section[: section.index("\n## ")]
    assert LISTED in section, "the README no longer lists the emails this test checks"
    prefix = re.search(r'^T="(?P<command>[^"]+)"$', section, re.MULTILINE)
    assert prefix is not None
    return prefix["command"], [shlex.split(m["args"]) for m in SIGNAL.finditer(section)]


def in_business_hours(local: datetime) -> bool:
    days_off = holidays.country_holidays("FR", years=local.year)
    return local.weekday() < 5 and local.date() not in days_off and 10 <= local.hour <= 15


def case(hours: str, playbook: Playbook) -> tuple[str, Playbook]:
    """The lead's zone for `hours`, and the playbook; at a weekend moment when no zone is in
    business hours on a weekday, a copy of `default` that sends on every day."""
    now = datetime.now(UTC)
    if hours == "night":
        zone = zone_where(is_night, now)
        assert zone is not None  # 27 zones an hour apart: one is between 01:00 and 05:59
        return zone, playbook
    zone = zone_where(in_business_hours, now)
    if zone is not None:
        return zone, playbook
    every_day = playbook.outreach.model_copy(update={"business_days_only": False})
    found = zone_where(lambda local: 10 <= local.hour <= 15, now)
    assert found is not None
    return found, playbook.model_copy(update={"outreach": every_day})


@pytest.mark.timeout(90)
@pytest.mark.parametrize(
    ("hours", "intro_now"),
    [("night", True), ("business-hours", True), ("night", False)],
    ids=["night", "business-hours", "night-intro-held"],
)
async def test_the_readme_walkthrough_sends_its_emails_at_any_hour(
    env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    hours: str,
    intro_now: bool,
) -> None:
    prefix, signals = walkthrough()
    assert [args[1] for args in signals] == [
        "interest_expressed",
        "needs_identified",
        "proposal_accepted",
        "contract_signed",
        "order_placed",
    ]
    zone, playbook = case(hours, load_playbook(PLAYBOOKS, "default"))
    assert playbook.outreach.window == "09:00-17:30"
    lead = new_lead(country="FR", timezone=zone)
    held = not intro_now and hours == "night"
    started = playbook.with_intro_at_once() if intro_now else playbook
    handle = await start(env.client, settings, lead, started)
    state = await wait_for(handle, lambda s: s.next_action is not None, "the sale waits")
    if held:
        assert state.next_action is not None
        assert state.next_action.description.startswith("intro scheduled ")
        assert state.emails == []
    else:
        assert [e.step for e in state.emails] == ["intro"]

    address = env.client.service_client.config.target_host
    command = shlex.split(prefix)
    command[0] = str(temporal_binary())
    command[command.index("--address") + 1] = address
    command[command.index("--workflow-id") + 1] = handle.id
    for args in signals:
        done = await asyncio.to_thread(
            subprocess.run, [*command, *args], capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr

    assert (await handle.result()).stage == SalesStage.WON
    support = env.client.get_workflow_handle(support_api.workflow_id(lead.lead_id))
    assert (await support.describe()).status == WorkflowExecutionStatus.RUNNING
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    expected = ANSWERS if held else ["intro", *ANSWERS]
    assert smtp.inbox.steps(lead.email) == expected
    state = await wait_for(handle, lambda s: s.stage == SalesStage.WON, "won")
    if held:
        [intro] = state.cancelled_emails
        assert intro.step == "intro" and intro.why.startswith("interest_expressed came")
    else:
        assert state.cancelled_emails == []
    await support.terminate("the test is over")
