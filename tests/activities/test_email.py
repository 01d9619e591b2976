"""`send_email` against a real in-process SMTP server: headers, parts, attachments, errors."""

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.email import DELIVERED, EmailActivities
from sales.catalog import load_catalog
from sales.events import Application, ItemOfInterest, NeedsIdentified
from sales.lead import Lead
from sales.playbook import Playbook, PurchasingProcedure, RoundingPolicy, load_playbook
from sales.quote import Quote, price_lines, total_lines
from sales.requests import CarriedEmail, EmailRequest
from sales.suppression import SuppressionChange, SuppressionSource, SuppressionStatus
from sales.unsubscribe import read_unsubscribe_token, unsubscribe_token
from settings import ROOT, Settings
from tests.smtp_inbox import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def playbook() -> Playbook:
    return load_playbook(ROOT / "playbooks", "default")


@pytest.fixture
def acts(smtp: SmtpServer, tmp_path: Path) -> EmailActivities:
    return EmailActivities(Settings(smtp_port=smtp.port, documents_dir=tmp_path / "documents"))


@pytest.fixture
def lead() -> Lead:
    return Lead(
        lead_id="x",
        email="anna.mueller@acme.example",
        first_name="Anna",
        last_name="Müller",
        company="Acme Maschinenbau",
        country="DE",
        source="Hannover Messe 2026",
    )


def request(playbook: Playbook, lead: Lead, template: str = "intro", **kw: Any) -> EmailRequest:
    fields: dict[str, Any] = {
        "workflow_id": f"sale-{lead.lead_id}",
        "step": template,
        "template": template,
        "to": lead.email,
        "lead": lead,
        "playbook": playbook,
    }
    return EmailRequest.model_validate(fields | kw)


def parsed(message: Message) -> EmailMessage:
    # aiosmtpd parses with the compat32 policy; re-read with the modern one for get_body().
    result = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no text/{kind} part"
    return str(part.get_content())


def a_quote(playbook: Playbook) -> dict[str, Any]:
    items = [ItemOfInterest(sku="NW-SENSOR-100", quantity=10)]
    lines = price_lines(items, load_catalog(ROOT / "catalog" / "products.toml"), playbook, "DE")
    quote = Quote(
        number="Q-2026-x-v1",
        version=1,
        currency="EUR",
        issued_on=date(2026, 3, 14),
        valid_until=date(2026, 4, 13),
        purchasing_procedure=PurchasingProcedure.QUOTE,
        rounding=RoundingPolicy.PER_LINE,
        lines=lines,
        totals=total_lines(lines, Decimal(12), "EUR"),
    )
    return quote.model_dump(mode="json")


async def test_intro_arrives_once_with_text_html_and_a_deterministic_message_id(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook, lead: Lead
) -> None:
    receipt = await ActivityEnvironment().run(acts.send_email, request(playbook, lead))

    received = smtp.inbox.to(lead.email)
    assert len(received) == 1
    message = parsed(received[0])
    assert message["Message-ID"] == "<sale-x.intro@sales.northwind.example>"
    assert receipt.message_id == "<sale-x.intro@sales.northwind.example>"
    assert message["To"] == lead.email
    assert message["From"] == "Sam Keller <sam.keller@northwind.example>"
    assert message["Reply-To"] == "sam.keller@northwind.example"
    assert message["X-Salesflow-Step"] == "intro"
    assert message["X-Salesflow-Sale"] == "sale-x"
    assert message["Subject"] == receipt.subject
    assert receipt.subject == (
        "Acme Maschinenbau and Northwind Automation GmbH: following up from Hannover Messe 2026"
    )
    text, html = body(message, "plain"), body(message, "html")
    for part in (text, html):
        assert "Dear Anna Müller," in part
        assert "Hannover Messe 2026" in part
        assert "+49 89 1234 5600" in part
    assert "<html" in html


async def test_lead_data_cannot_inject_headers(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook
) -> None:
    # model_construct skips the Lead's own cleaning: the activity must hold on its own.
    lead = Lead.model_construct(
        lead_id="evil",
        email="buyer@acme.example",
        company="Acme\r\nBcc: evil@x",
        source="Expo\nX-Injected: yes",
    )
    receipt = await ActivityEnvironment().run(acts.send_email, request(playbook, lead))

    assert "\r" not in receipt.subject and "\n" not in receipt.subject
    (raw,) = smtp.inbox.to("buyer@acme.example")
    message = parsed(raw)
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == receipt.subject
    assert "Acme Bcc: evil@x" in receipt.subject
    assert raw["X-RcptTo"] == "buyer@acme.example"
    assert smtp.inbox.to("evil@x") == []


async def test_html_part_escapes_lead_data(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook
) -> None:
    lead = Lead(lead_id="xss", email="it@acme.example", company="<script>alert(1)</script>")
    await ActivityEnvironment().run(acts.send_email, request(playbook, lead))

    message = parsed(smtp.inbox.to("it@acme.example")[0])
    assert "<script>" not in body(message, "html")
    assert "&lt;script&gt;" in body(message, "html")
    assert "<script>alert(1)</script>" in body(message, "plain")


@pytest.mark.parametrize("to", ["anna@acme.example\r\nBcc: evil@x", "not an address", ""])
async def test_bad_recipient_is_not_retried(
    acts: EmailActivities, playbook: Playbook, lead: Lead, to: str
) -> None:
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, request(playbook, lead, to=to))
    assert caught.value.type == "InvalidAddress"
    assert caught.value.non_retryable


async def test_unknown_template_is_named_for_the_sale_to_wait_on(
    acts: EmailActivities, playbook: Playbook, lead: Lead
) -> None:
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, request(playbook, lead, "no_such_mail"))
    assert caught.value.type == "TemplateError"
    assert caught.value.non_retryable  # the sale waits, needing attention, and tries later
    assert "no_such_mail" in str(caught.value)


async def test_missing_context_value_is_named(
    acts: EmailActivities, playbook: Playbook, lead: Lead
) -> None:
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, request(playbook, lead, "follow_up"))
    assert caught.value.type == "TemplateError"
    assert caught.value.non_retryable  # the sale waits, needing attention, and tries later
    assert "follow_up" in str(caught.value) and "'number' is undefined" in str(caught.value)


async def test_attachment_is_sent_as_pdf(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook, lead: Lead, tmp_path: Path
) -> None:
    pdf = tmp_path / "Q-2026-x-v1.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% a stand-in document\n%%EOF\n")
    context = {"quote": a_quote(playbook), "formal": False}
    await ActivityEnvironment().run(
        acts.send_email,
        request(playbook, lead, "proposal", context=context, attachments=[str(pdf)]),
    )

    message = parsed(smtp.inbox.to(lead.email)[0])
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Q-2026-x-v1.pdf"
    assert attachment.get_content() == pdf.read_bytes()
    assert body(message, "plain") and body(message, "html")


async def test_missing_attachment_is_named_and_retried(
    acts: EmailActivities, playbook: Playbook, lead: Lead, tmp_path: Path
) -> None:
    missing = str(tmp_path / "gone.pdf")
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(
            acts.send_email, request(playbook, lead, attachments=[missing])
        )
    assert caught.value.type == "AttachmentMissing"
    assert not caught.value.non_retryable
    assert missing in str(caught.value)


def every_template(playbook: Playbook) -> list[tuple[str, dict[str, Any], str]]:
    """Each template with the context the workflows give it, and a phrase it must show."""
    quote = a_quote(playbook)
    needs = NeedsIdentified(
        summary="Two plants lose 30 hours a month to pump failures.",
        items=[ItemOfInterest(sku="NW-SENSOR-100", quantity=10)],
        business_model="Contract casting",
        applications=[
            Application(
                name="Pump monitoring",
                hours_saved_per_month=Decimal("20"),
                cost_saved_per_year=Decimal("45000"),
            ),
            Application(name="Planning", hours_saved_per_month=Decimal("6.5")),
        ],
    ).model_dump(mode="json")
    support = {"contact_name": "Priya Nair", "contact_email": "support@northwind.example"}
    contract = {"number": "C-2026-x-v1", "version": 1}
    return [
        ("intro", {}, "20 minutes"),
        ("follow_up", {"number": 1}, "I wrote a few days ago"),
        ("follow_up", {"number": 2}, "This is my last follow-up"),
        ("orientation", {"needs": needs, "currency": "EUR"}, "EUR 45,000.00 per year"),
        ("proposal", {"quote": quote, "formal": True}, "purchase order number"),
        ("proposal", {"quote": quote, "formal": False}, "EUR 1,560.33"),
        ("proposal_reminder", {"quote": quote}, "13 April 2026"),
        (
            "discount_approval_request",
            {"quote": quote, "discount_percent": "12", "threshold": "10"},
            "--workflow-id sale-x --name discount_approved",
        ),
        (
            "contract",
            {"contract": contract, "quote": quote, "signature_due": "2026-04-30"},
            "30 April 2026",
        ),
        ("contract_reminder", {"contract": contract, "signature_due": "2026-04-30"}, "C-2026-x"),
        ("welcome", {"support": support, "order_number": "PO-4711"}, "PO-4711"),
        ("welcome", {"support": support, "order_number": None}, "Priya Nair"),
        ("check_in", {"support": support, "number": 1}, "support@northwind.example"),
    ]


async def test_every_template_renders_with_its_context(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook, lead: Lead
) -> None:
    # 10 x 149.00 = 1490.00; 12 % off = 178.80 -> net 1311.20; 19 % tax 249.128 -> 249.13;
    # total 1560.33. The proposal shows the total, so the figure below is checked too.
    for index, (template, context, phrase) in enumerate(every_template(playbook)):
        step = f"{template}_{index}"
        receipt = await ActivityEnvironment().run(
            acts.send_email, request(playbook, lead, template, step=step, context=context)
        )
        message = parsed(smtp.inbox.to(lead.email)[-1])
        assert message["X-Salesflow-Step"] == step
        assert receipt.subject and "\n" not in receipt.subject
        text, html = body(message, "plain"), body(message, "html")
        assert phrase in text, f"{template}: {phrase!r} not in text"
        assert "Sam Keller" in text and "Sam Keller" in html
        assert "{{" not in text + html


async def test_outreach_carries_one_click_unsubscribe_and_the_sellers_postal_address(
    smtp: SmtpServer, playbook: Playbook, lead: Lead, tmp_path: Path
) -> None:
    settings = Settings(
        smtp_port=smtp.port,
        documents_dir=tmp_path,
        unsubscribe_url="https://sales.northwind.example/v1/unsubscribe",
        unsubscribe_secret=SecretStr("s3cret"),
    )
    await ActivityEnvironment().run(EmailActivities(settings).send_email, request(playbook, lead))

    message = parsed(smtp.inbox.to(lead.email)[0])
    token = unsubscribe_token("sale-x", "s3cret")
    assert message["List-Unsubscribe"] == (
        "<mailto:unsubscribe+sale-x@sales.northwind.example>, "
        f"<https://sales.northwind.example/v1/unsubscribe/{token}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert read_unsubscribe_token(token, ["old", "s3cret"]) == "sale-x"
    for kind in ("plain", "html"):
        text = body(message, kind)
        assert "Leopoldstrasse 12, 80802 Munich, Germany" in text
        assert f"https://sales.northwind.example/v1/unsubscribe/{token}" in text


async def test_mail_to_the_sellers_own_manager_is_not_outreach(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook, lead: Lead
) -> None:
    manager = playbook.seller.sales_manager_email
    context = {"quote": a_quote(playbook), "discount_percent": "25", "threshold": "10"}
    await ActivityEnvironment().run(
        acts.send_email,
        request(playbook, lead, "discount_approval_request", to=manager, context=context),
    )
    message = parsed(smtp.inbox.to(manager)[0])
    assert message["List-Unsubscribe"] is None
    assert "Unsubscribe" not in body(message, "html")


@pytest.mark.parametrize(
    ("address", "kind", "final", "answer"),
    [
        ("rejected-1@acme.example", "MessageRejected", True, "550 5.7.1 Message content rejected"),
        ("refused-1@acme.example", "RecipientRefused", True, "550 5.1.1 mailbox unknown"),
    ],
)
async def test_a_permanent_refusal_is_final_and_names_the_servers_answer(
    acts: EmailActivities, playbook: Playbook, lead: Lead, address: str, kind: str, final: bool,
    answer: str,
) -> None:  # fmt: skip
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, request(playbook, lead, to=address))
    assert (caught.value.type, caught.value.non_retryable) == (kind, final)
    assert answer in str(caught.value)


async def test_a_mail_server_that_is_down_is_retried_with_the_reason_named(
    playbook: Playbook, lead: Lead, tmp_path: Path
) -> None:
    down = SmtpServer()  # never started: nothing listens on its port
    acts = EmailActivities(Settings(smtp_port=down.port, documents_dir=tmp_path))
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, request(playbook, lead))
    assert caught.value.type == "SmtpUnavailable" and not caught.value.non_retryable
    assert f"SMTP server 127.0.0.1:{down.port} unavailable" in str(caught.value)


async def test_an_opted_out_address_is_not_sent_to(
    smtp: SmtpServer, playbook: Playbook, lead: Lead, tmp_path: Path
) -> None:
    listed = SuppressionStatus(
        address=lead.email,
        suppressed=True,
        changes=[
            SuppressionChange(
                suppressed=True, by="unsubscribe link", reason="no more mail",
                source=SuppressionSource.UNSUBSCRIBE, at=datetime(2026, 11, 2, tzinfo=UTC),
            )
        ],
    )  # fmt: skip

    async def lookup(address: str) -> SuppressionStatus | None:
        return listed if address.lower() == lead.email else None

    acts = EmailActivities(Settings(smtp_port=smtp.port, documents_dir=tmp_path), lookup)
    upper = request(playbook, lead, to=lead.email.upper())
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, upper)
    assert (caught.value.type, caught.value.non_retryable) == ("Suppressed", True)
    assert "suppressed since 2026-11-02 by unsubscribe link: no more mail" in str(caught.value)
    assert smtp.inbox.to(lead.email) == []


async def test_a_retry_after_a_crash_does_not_send_what_was_delivered(
    smtp: SmtpServer, acts: EmailActivities, playbook: Playbook, lead: Lead
) -> None:
    first = ActivityEnvironment()
    beats: list[Any] = []
    first.on_heartbeat = lambda *details: beats.append(details)
    receipt = await first.run(acts.send_email, request(playbook, lead))
    assert beats[-1] == (DELIVERED, receipt.message_id)

    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=list(beats[-1]))
    again = await retry.run(acts.send_email, request(playbook, lead))
    assert again.message_id == receipt.message_id
    assert smtp.inbox.steps(lead.email) == ["intro"]


async def test_an_earlier_email_goes_first_and_a_retry_sends_only_what_did_not_go(
    smtp: SmtpServer, playbook: Playbook, lead: Lead, tmp_path: Path
) -> None:
    # Process version 7: the orientation rides with the first offer, one activity for both.
    needs = NeedsIdentified(
        summary="Two plants lose 30 hours a month to pump failures.",
        items=[ItemOfInterest(sku="NW-SENSOR-100", quantity=10)],
    )
    orientation = CarriedEmail(
        step="orientation",
        template="orientation",
        context={"needs": needs.model_dump(mode="json"), "currency": "EUR"},
    )
    pdf = tmp_path / "Q-2026-x-v1.pdf"
    offer = request(
        playbook,
        lead,
        "proposal",
        step="proposal_v1",
        context={"quote": a_quote(playbook), "formal": False},
        attachments=[str(pdf)],
        earlier=orientation,
    )
    first = ActivityEnvironment()
    beats: list[Any] = []
    first.on_heartbeat = lambda *details: beats.append(details)
    settings = Settings(smtp_port=smtp.port, documents_dir=tmp_path / "documents")
    # The quote's PDF is not there yet: the orientation goes out, the offer waits for a retry.
    with pytest.raises(ApplicationError) as caught:
        await first.run(EmailActivities(settings).send_email, offer)
    assert (caught.value.type, caught.value.non_retryable) == ("AttachmentMissing", False)
    assert smtp.inbox.steps(lead.email) == ["orientation"]
    (sent,) = smtp.inbox.to(lead.email)
    assert beats[-1] == (DELIVERED, str(sent["Message-ID"]))

    # The retry runs on another worker, which knows only the last heartbeat.
    pdf.write_bytes(b"%PDF-1.4\n% a stand-in document\n%%EOF\n")
    retry = ActivityEnvironment()
    retry.info = dataclasses.replace(retry.info, attempt=2, heartbeat_details=list(beats[-1]))
    receipt = await retry.run(EmailActivities(settings).send_email, offer)
    assert smtp.inbox.steps(lead.email) == ["orientation", "proposal_v1"]
    assert receipt.earlier is not None
    assert receipt.earlier.message_id == str(sent["Message-ID"])
    assert receipt.earlier.subject == str(sent["Subject"])
    assert receipt.message_id == str(smtp.inbox.to(lead.email)[1]["Message-ID"])
    assert "EUR 1,560.33" in body(parsed(smtp.inbox.to(lead.email)[1]), "plain")
