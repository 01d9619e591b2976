"""`offer_quote` (process version 11) on the real SMTP server: the first offer priced, filed and
sent by one activity, the orientation first; nothing sent for a discount that waits for a
manager; with the mail server down the quote comes back without its offer, for the sale to send;
a retry sends nothing twice."""

import dataclasses
import uuid
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from activities.email import DELIVERED, EmailActivities
from activities.offers import OfferActivities
from devstack.ports import free_port
from sales.lead import Lead
from sales.playbook import Playbook, load_playbook
from sales.requests import CarriedEmail, EmailRequest, QuoteRequest
from settings import ROOT, Settings
from tests.activities.test_documents import quote_request
from tests.smtp_inbox import SmtpServer, readable, subject_of


@pytest.fixture
def playbook() -> Playbook:
    # As shipped: discounts above 10 % wait for the sales manager.
    return load_playbook(ROOT / "playbooks", "default")


def offers(settings: Settings) -> OfferActivities:
    return OfferActivities(settings, DocumentActivities(settings), EmailActivities(settings))


def asked(playbook: Playbook, *, discount: int = 5, template: str = "proposal") -> QuoteRequest:
    """The first quote of a sale, with its offer's email and the orientation before it, as
    the sale asks for them (`workflows.sale.steps.quoting.offer_email`)."""
    lead = Lead(
        lead_id=uuid.uuid4().hex[:8],
        email="anna.mueller@acme-maschinenbau.example",
        first_name="Anna",
        company="Acme Maschinenbau",
        country="DE",
    )
    workflow_id = f"sale-{lead.lead_id}"
    orientation = CarriedEmail(
        step="orientation", template="orientation", context={"currency": "EUR"}
    )
    offer = EmailRequest(
        workflow_id=workflow_id,
        step="proposal_v1",
        template=template,
        to=lead.email,
        lead=lead,
        playbook=playbook,
        context={"formal": False},
        earlier=orientation,
    )
    return quote_request(
        playbook, lead, workflow_id=workflow_id, discount_percent=Decimal(discount), offer=offer
    )


def step(message: Message) -> str:
    return str(message["X-Salesflow-Step"])


def parsed(message: Message) -> EmailMessage:
    mail = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(mail, EmailMessage)
    return mail


def unfolded(header: object) -> str:
    return " ".join(str(header).split())


async def test_the_first_offer_goes_with_its_quote_the_orientation_first(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    request = asked(playbook)
    offered = await ActivityEnvironment().run(offers(settings).offer_quote, request)

    quote = offered.quote
    assert quote.data_path and Path(quote.data_path).exists() and Path(quote.html_path).exists()
    orientation, proposal = smtp.inbox.of_sale(request.workflow_id)
    assert [step(orientation), step(proposal)] == ["orientation", "proposal_v1"]
    # The orientation reads the needs the quote was priced for, from the quote's own file.
    text, _ = readable(orientation)
    assert "30 hours a month" in text
    (attachment,) = list(parsed(proposal).iter_attachments())
    assert attachment.get_filename() == f"{quote.number}.pdf"
    assert quote.number in subject_of(proposal)
    assert offered.offer is not None and offered.offer.earlier is not None
    assert offered.offer.message_id == unfolded(proposal["Message-ID"])
    assert offered.offer.earlier.message_id == unfolded(orientation["Message-ID"])


async def test_a_discount_that_waits_for_the_manager_sends_nothing(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    request = asked(playbook, discount=15)  # above the playbook's 10 %
    offered = await ActivityEnvironment().run(offers(settings).offer_quote, request)

    assert offered.quote.totals.effective_discount_percent == Decimal("15.00")
    assert offered.offer is None
    assert smtp.inbox.of_sale(request.workflow_id) == []


async def test_with_the_mail_server_down_the_quote_comes_back_without_its_offer(
    settings: Settings, playbook: Playbook
) -> None:
    down = settings.model_copy(update={"smtp_port": free_port()})  # nothing listens there
    request = asked(playbook)
    offered = await ActivityEnvironment().run(offers(down).offer_quote, request)

    # The quote is not held by its email: the sale sends the offer itself, retried.
    assert offered.quote.data_path and Path(offered.quote.data_path).exists()
    assert offered.offer is None


async def test_a_retry_after_the_offer_went_out_does_not_send_it_again(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    request = asked(playbook)
    first = ActivityEnvironment()
    beats: list[Any] = []
    first.on_heartbeat = lambda *details: beats.append(details)
    sent = await first.run(offers(settings).offer_quote, request)
    assert sent.offer is not None and sent.offer.earlier is not None
    assert beats[-1] == (DELIVERED, sent.offer.earlier.message_id, sent.offer.message_id)

    # The worker died before its result reached the server: another one runs the retry.
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=list(beats[-1]))
    again = await retry.run(offers(settings).offer_quote, request)
    assert again.offer is not None and again.offer.message_id == sent.offer.message_id
    assert again.quote.number == sent.quote.number
    assert len(smtp.inbox.of_sale(request.workflow_id)) == 2


async def test_an_offer_that_fails_after_its_orientation_went_is_retried_not_left(
    smtp: SmtpServer, settings: Settings, playbook: Playbook
) -> None:
    # Left to the sale, the offer's email would carry the orientation again: the activity
    # fails instead, to be retried, and its heartbeat keeps the orientation from going twice.
    broken = asked(playbook, template="no_such_template")
    first = ActivityEnvironment()
    beats: list[Any] = []
    first.on_heartbeat = lambda *details: beats.append(details)
    with pytest.raises(ApplicationError) as caught:
        await first.run(offers(settings).offer_quote, broken)
    assert (caught.value.type, caught.value.non_retryable) == ("OfferIncomplete", False)
    assert [step(m) for m in smtp.inbox.of_sale(broken.workflow_id)] == ["orientation"]

    # The template mended, the retry sends the offer alone.
    assert broken.offer is not None
    mended = broken.model_copy(
        update={"offer": broken.offer.model_copy(update={"template": "proposal"})}
    )
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=list(beats[-1]))
    again = await retry.run(offers(settings).offer_quote, mended)
    assert again.offer is not None
    sent = [step(m) for m in smtp.inbox.of_sale(broken.workflow_id)]
    assert sent == ["orientation", "proposal_v1"]
