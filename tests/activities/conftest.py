"""The activities as the worker builds them, on the test SMTP server and a fresh folder."""

import pytest

from activities.documents import DocumentActivities
from activities.email import EmailActivities
from sales.lead import Lead
from sales.playbook import load_playbook
from sales.requests import EmailRequest
from settings import ROOT, Settings


@pytest.fixture
def mail(settings: Settings) -> EmailActivities:
    return EmailActivities(settings)


@pytest.fixture
def documents(settings: Settings) -> DocumentActivities:
    return DocumentActivities(settings)


@pytest.fixture
def intro() -> EmailRequest:
    """The first email of a default-playbook sale."""
    lead = Lead(lead_id="x", email="anna@acme.example", first_name="Anna", company="Acme")
    return EmailRequest(
        workflow_id="sale-x",
        step="intro",
        template="intro",
        to=lead.email,
        lead=lead,
        playbook=load_playbook(ROOT / "playbooks", "default"),
    )
