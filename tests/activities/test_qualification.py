"""`qualify_lead` with the intro (process version 8) on the real SMTP server: sent once when the
lead qualifies inside its window; never for a lead it disqualifies, outside the window, or when
the mail cannot go now, and the qualification is then returned whole all the same."""

import dataclasses
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.email import DELIVERED, EmailActivities
from activities.qualification import QualificationActivities
from devstack.ports import free_port
from sales.lead import Lead
from sales.playbook import Playbook, load_playbook
from sales.qualification import QualificationDecision
from sales.requests import CarriedEmail, HolidaysRequest, IntroAtOnce, QualificationRequest
from settings import ROOT, Settings
from tests.smtp_inbox import SmtpServer

# Berlin, the lead's zone: Tuesday 8 December 2026 at 10:00, and Saturday 12 December at 22:00.
TUESDAY_MORNING = datetime(2026, 12, 8, 9, tzinfo=UTC)
SATURDAY_NIGHT = datetime(2026, 12, 12, 21, tzinfo=UTC)
# A German public holiday, a Friday, at 11:00 in Berlin: inside the hours, not a working day.
CHRISTMAS_DAY = datetime(2026, 12, 25, 10, tzinfo=UTC)


@pytest.fixture
def playbook() -> Playbook:
    # As shipped: a 09:00-17:30 window on working days, not on the lead country's holidays.
    return load_playbook(ROOT / "playbooks", "default")


def unfolded(header: object) -> str:
    return " ".join(str(header).split())


def qualification(settings: Settings) -> QualificationActivities:
    return QualificationActivities(settings, emails=EmailActivities(settings))


def asked(playbook: Playbook, at: datetime, country: str = "DE") -> QualificationRequest:
    lead = Lead(
        lead_id=uuid.uuid4().hex[:8],
        email="anna.mueller@acme-maschinenbau.example",
        first_name="Anna",
        company="Acme Maschinenbau",
        country=country,
    )
    return QualificationRequest(
        lead=lead,
        playbook=playbook,
        holidays=HolidaysRequest(country=country, years=[2026, 2027]),
        workflow_id=f"sale-{lead.lead_id}",
        intro=IntroAtOnce(email=CarriedEmail(step="intro", template="intro"), at=at),
    )


async def test_a_qualified_lead_inside_its_window_gets_the_intro_once(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    request = asked(playbook, TUESDAY_MORNING)
    result = await ActivityEnvironment().run(qualification(settings).qualify_lead, request)

    assert result.assessment is not None
    assert result.assessment.decision is QualificationDecision.QUALIFIED
    assert result.lead_file is not None and Path(result.lead_file).exists()
    [sent] = smtp.inbox.of_sale(str(request.workflow_id))
    assert sent["X-Salesflow-Step"] == "intro"
    assert result.intro is not None
    assert result.intro.message_id == unfolded(sent["Message-ID"])
    assert result.intro.subject == unfolded(sent["Subject"])
    assert result.intro.to == request.lead.email


@pytest.mark.parametrize("at", [SATURDAY_NIGHT, CHRISTMAS_DAY], ids=["saturday-night", "holiday"])
async def test_outside_the_window_the_intro_is_left_to_the_sale(
    smtp: SmtpServer, settings: Settings, playbook: Playbook, at: datetime
) -> None:
    request = asked(playbook, at)
    result = await ActivityEnvironment().run(qualification(settings).qualify_lead, request)

    assert result.assessment is not None
    assert result.assessment.decision is QualificationDecision.QUALIFIED
    assert result.intro is None
    assert smtp.inbox.of_sale(str(request.workflow_id)) == []


async def test_a_disqualified_lead_gets_no_intro(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    request = asked(playbook, TUESDAY_MORNING, country="KP")  # a blocked country
    result = await ActivityEnvironment().run(qualification(settings).qualify_lead, request)

    assert result.assessment is not None
    assert result.assessment.decision is QualificationDecision.DISQUALIFIED
    assert result.intro is None
    assert smtp.inbox.of_sale(str(request.workflow_id)) == []


async def test_with_the_mail_server_down_the_qualification_comes_back_without_the_intro(
    settings: Settings, playbook: Playbook
) -> None:
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there
    request = asked(playbook, TUESDAY_MORNING)
    result = await ActivityEnvironment().run(qualification(down).qualify_lead, request)

    # The qualification is not held by its email: the sale sends the intro itself, retried.
    assert result.assessment is not None
    assert result.assessment.decision is QualificationDecision.QUALIFIED
    assert result.lead_file is not None
    assert result.intro is None


async def test_a_retry_after_the_intro_went_out_does_not_send_it_again(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    request = asked(playbook, TUESDAY_MORNING)
    first = ActivityEnvironment()
    beats: list[Any] = []
    first.on_heartbeat = lambda *details: beats.append(details)
    sent = await first.run(qualification(settings).qualify_lead, request)
    assert sent.intro is not None
    assert beats[-1] == (DELIVERED, sent.intro.message_id)

    # The worker died before its result reached the server: another one runs the retry.
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=list(beats[-1]))
    again = await retry.run(qualification(settings).qualify_lead, request)
    assert again.intro is not None and again.intro.message_id == sent.intro.message_id
    assert len(smtp.inbox.of_sale(str(request.workflow_id))) == 1
