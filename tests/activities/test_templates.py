"""The wording each playbook sends and files: every email of every process, the playbooks'
own templates, the review draft with amendments and mandatory terms, and the tender bid.

Everything is rendered for real through the activities (the same Jinja environment, the
same playbook template folders), and read back the way a customer sees it: email parts
from the SMTP server, documents from their HTML and PDF files.
"""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from activities.email import EmailActivities
from sales.catalog import load_catalog
from sales.events import Application, ItemOfInterest, NeedsIdentified, Redline
from sales.lead import Lead
from sales.playbook import Playbook, PurchasingProcedure, load_playbook
from sales.playbook import Templates as TemplateSettings
from sales.process import STEP_KINDS, SUPPORT_EMAILS
from sales.quote import Quote, price_lines, total_lines
from sales.requests import BidRequest, ContractRequest, EmailRequest, QuoteRequest
from settings import ROOT, Settings
from tests.smtp_inbox import SmtpServer

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")
# The emails each playbook words its own way (templates/playbooks/<folder>/emails/).
OVERRIDDEN = {
    "default": set(),
    "quick": {"proposal", "welcome"},
    "enterprise": {"intro", "proposal"},
    "public-sector": {"contract"},
}
ISSUED = date(2026, 3, 14)
ITEMS = [
    ItemOfInterest(sku="NW-SENSOR-100", quantity=10),
    ItemOfInterest(sku="NW-PLATFORM", quantity=1),
]
AMENDMENTS = [
    Redline(
        clause="5. Liability",
        text="Each party's liability is limited to twice the contract value, "
        "except for intent and gross negligence.",
    ),
    Redline(
        clause="3. Term",
        text="This contract runs for 24 months from the date of the last signature.",
    ),
]


def playbook_named(name: str) -> Playbook:
    return load_playbook(ROOT / "playbooks", name)


def lead_for(playbook: Playbook) -> Lead:
    """A realistic buyer for each playbook: a plant, a shop customer, a group, an authority."""
    if playbook.name == "quick":
        return Lead(
            lead_id="shop-tom",
            email="tom.berger@berger-technik.example",
            first_name="Tom",
            last_name="Berger",
            company="Berger Technik KG",
            country="DE",
        )
    if playbook.name == "public-sector":
        return Lead(
            lead_id="stadtwerke",
            email="vergabe@stadtwerke-musterstadt.example",
            first_name="Petra",
            last_name="Lang",
            company="Stadtwerke Musterstadt",
            title="Head of Procurement",
            country="DE",
        )
    return Lead(
        lead_id="acme-anna",
        email="anna.mueller@acme.example",
        first_name="Anna",
        last_name="Müller",
        company="Acme Maschinenbau GmbH",
        title="Head of Maintenance",
        country="DE",
        source="Hannover Messe 2026",
    )


def needs() -> NeedsIdentified:
    return NeedsIdentified(
        summary="Two plants lose 30 hours a month to unplanned pump failures.",
        items=ITEMS,
        business_model="Contract manufacturer of castings",
        applications=[
            Application(
                name="Pump monitoring",
                hours_saved_per_month=Decimal(20),
                cost_saved_per_year=Decimal(45000),
            )
        ],
    )


def formal(playbook: Playbook) -> bool:
    return playbook.proposal.default_purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL


def a_quote(playbook: Playbook, version: int = 1) -> Quote:
    """10 sensors at 149.00 and one platform at 4,800.00 for a German buyer, no discount:
    net 6,290.00, tax 19 % = 283.10 + 912.00, total EUR 7,485.10."""
    catalog = load_catalog(ROOT / "catalog" / "products.toml")
    lines = price_lines(ITEMS, catalog, playbook, "DE")
    return Quote(
        number=f"Q-2026-acme-anna-v{version}",
        version=version,
        currency=playbook.currency,
        issued_on=ISSUED,
        valid_until=date(2026, 4, 13),
        purchasing_procedure=playbook.proposal.default_purchasing_procedure,
        rounding=playbook.proposal.rounding,
        lines=lines,
        totals=total_lines(lines, Decimal(0), playbook.currency),
    )


def quoted(playbook: Playbook) -> dict[str, Any]:
    return a_quote(playbook).model_dump(mode="json")


def contract_document(version: int = 1) -> dict[str, Any]:
    number = f"C-2026-acme-anna-v{version}"
    return {
        "number": number,
        "version": version,
        "html_path": f"/documents/sale-acme-anna/{number}.html",
        "pdf_path": f"/documents/sale-acme-anna/{number}.pdf",
    }


def support(playbook: Playbook) -> dict[str, Any]:
    return playbook.support.model_dump(mode="json")


# One context per email, as the workflows build it (workflows/sale/steps, workflows/support).
CONTEXTS: dict[str, Callable[[Playbook], dict[str, Any]]] = {
    "intro": lambda p: {},
    "follow_up": lambda p: {"number": 1},
    "orientation": lambda p: {"needs": needs().model_dump(mode="json"), "currency": p.currency},
    "proposal": lambda p: {"quote": quoted(p), "formal": formal(p)},
    "proposal_reminder": lambda p: {"quote": quoted(p)},
    "discount_approval_request": lambda p: {
        "quote": quoted(p),
        "discount_percent": "12",
        "threshold": str(p.proposal.discount_approval_threshold),
    },
    "tender_bid": lambda p: {
        "quote": quoted(p),
        "bid": {
            "number": "B-2026-acme-anna-v1",
            "html_path": "/documents/sale-acme-anna/B-2026-acme-anna-v1.html",
            "pdf_path": "/documents/sale-acme-anna/B-2026-acme-anna-v1.pdf",
        },
        "reference": "TED 2026/S 045-123456",
        "deadline": "2026-04-14T12:00:00+00:00",
    },
    "contract_review": lambda p: {
        "contract": contract_document(2),
        "quote": quoted(p),
        "signature_due": "2026-05-15",
        "amendments": [change.model_dump(mode="json") for change in AMENDMENTS],
        "round": 1,
        "max_rounds": 3,
    },
    "contract": lambda p: {
        "contract": contract_document(),
        "quote": quoted(p),
        "signature_due": "2026-04-30",
        "amendments": [],
    },
    "contract_reminder": lambda p: {
        "contract": contract_document(),
        "quote": quoted(p),
        "signature_due": "2026-04-30",
        "amendments": [],
    },
    "welcome": lambda p: {"support": support(p), "order_number": "SO-2026-0815"},
    "check_in": lambda p: {"support": support(p), "number": 1},
}


def process_emails(playbook: Playbook) -> list[str]:
    """Every email a sale of this playbook can send, then its support emails."""
    names = [email for step in playbook.process.steps for email in STEP_KINDS[step].emails]
    return list(dict.fromkeys([*names, *SUPPORT_EMAILS]))


def email_request(
    playbook: Playbook, template: str, context: dict[str, Any] | None = None, **kw: Any
) -> EmailRequest:
    lead = lead_for(playbook)
    fields: dict[str, Any] = {
        "workflow_id": f"sale-{lead.lead_id}",
        "step": template,
        "template": playbook.email_template(template),
        "to": lead.email,
        "lead": lead,
        "playbook": playbook,
        "context": CONTEXTS[template](playbook) if context is None else context,
    }
    return EmailRequest.model_validate(fields | kw)


def shared_only(playbook: Playbook) -> Playbook:
    """The same playbook without its template folder: the shared wording."""
    return playbook.model_copy(update={"templates": TemplateSettings()})


BLOCK_TAG = re.compile(r"</?(?:br|p|li|ul|ol|td|th|tr|table|h[1-6]|div|main|body)\b[^>]*>", re.I)


def visible(html: str) -> str:
    """The text a browser shows for an HTML page: no head, no tags, entities read, single spaces."""
    html = re.sub(r"<head>.*?</head>", " ", html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", "", BLOCK_TAG.sub(" ", html))
    return re.sub(r"\s+", " ", unescape(text)).strip()


def pdf_text(path: str) -> str:
    """The PDF's text with runs of whitespace made single spaces (lines wrap anywhere)."""
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def html_text(path: str) -> str:
    return visible(Path(path).read_text(encoding="utf-8"))


def parsed(message: Message) -> EmailMessage:
    result = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


def body(message: EmailMessage, kind: str) -> str:
    part = message.get_body((kind,))
    assert part is not None, f"no text/{kind} part"
    return str(part.get_content())


@pytest.fixture
def mail(settings: Settings) -> EmailActivities:
    return EmailActivities(settings)


@pytest.fixture
def documents(settings: Settings) -> DocumentActivities:
    return DocumentActivities(settings)


# Emails: every one of every process, with the playbook's own wording where it has one.


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_every_email_of_the_process_renders_with_the_playbooks_wording(
    mail: EmailActivities, name: str
) -> None:
    playbook = playbook_named(name)
    folder = ROOT / "templates" / "playbooks" / (playbook.templates.folder or "-") / "emails"
    emails = process_emails(playbook)
    assert set(CONTEXTS) >= set(emails), "a context factory is missing"
    assert OVERRIDDEN[name] <= set(emails)
    for email in emails:
        subject, text, html = mail._render(email_request(playbook, email))
        shown = visible(html)
        assert subject.strip() and "\n" not in subject, email
        assert playbook.seller.name in text and playbook.seller.name in shown, email
        assert playbook.seller.company in shown, email
        assert "{{" not in text + html and "{%" not in text + html, email
        assert text.startswith(("Dear ", "Hello,")), email
        shared = mail._render(email_request(shared_only(playbook), email))
        if email in OVERRIDDEN[name]:
            for part in ("subject", "txt", "html"):
                assert (folder / f"{email}.{part}.j2").is_file(), f"{email}.{part}.j2"
            assert subject != shared[0], f"{name} {email}: the shared subject was sent"
            assert text != shared[1], f"{name} {email}: the shared text was sent"
            assert html != shared[2], f"{name} {email}: the shared HTML was sent"
        else:
            assert (subject, text, html) == shared, f"{name} {email} should be the shared one"


def test_quick_proposal_is_a_web_shop_quote(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    subject, text, html = mail._render(email_request(playbook, "proposal"))
    shared_subject, shared_text, _ = mail._render(email_request(shared_only(playbook), "proposal"))

    assert subject == "Your quote Q-2026-acme-anna-v1 is ready"
    assert shared_subject == "Quote Q-2026-acme-anna-v1 from Northwind Automation GmbH"
    for part in (text, visible(html)):
        assert "Dear Tom Berger," in part
        assert "Vibration sensor S100 (NW-SENSOR-100)" in part
        assert "EUR 1,490.00" in part
        assert "EUR 7,485.10" in part
        assert "13 April 2026" in part
        assert "place your order, reply to this email quoting Q-2026-acme-anna-v1" in part
        assert "order in the shop at https://shop.northwind.example" in part
        assert "call" not in part.lower()
        assert "Northwind Web Shop" in part
    assert "- 10 x Vibration sensor S100 (NW-SENSOR-100): EUR 1,490.00" in text
    assert "Thank you for walking us through your needs" in shared_text
    assert "Thank you for walking us through your needs" not in text


def test_quick_revised_quote_says_updated(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    context = {"quote": a_quote(playbook, version=2).model_dump(mode="json"), "formal": False}
    subject, text, _ = mail._render(email_request(playbook, "proposal", context))

    assert subject == "Your updated quote Q-2026-acme-anna-v2 is ready"
    assert "Your updated quote Q-2026-acme-anna-v2 is ready" in text


def test_quick_welcome_confirms_the_order(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    subject, text, html = mail._render(email_request(playbook, "welcome"))
    no_number = {"support": support(playbook), "order_number": None}
    subject_without, text_without, _ = mail._render(email_request(playbook, "welcome", no_number))

    assert subject == "Order SO-2026-0815 confirmed: welcome to Northwind Automation GmbH"
    for part in (text, visible(html)):
        assert "Thank you for your order SO-2026-0815. It is confirmed" in part
        assert "shop-support@northwind.example" in part
        assert "I remain your contact for anything commercial" not in part
    assert subject_without == "Your order is confirmed: welcome to Northwind Automation GmbH"
    assert "Thank you for your order. It is confirmed" in text_without


def test_enterprise_intro_is_formal_and_signed_by_dr_fischer(mail: EmailActivities) -> None:
    playbook = playbook_named("enterprise")
    subject, text, html = mail._render(email_request(playbook, "intro"))

    assert subject == (
        "Following our meeting at Hannover Messe 2026: "
        "Northwind Automation GmbH and Acme Maschinenbau GmbH"
    )
    for part in (text, visible(html)):
        assert "Dear Anna Müller," in part
        assert "It was a pleasure to meet you at Hannover Messe 2026." in part
        assert "with you as Head of Maintenance" in part
        assert "Yours sincerely, Dr. Lena Fischer" in re.sub(r"\s+", " ", part)
        assert "unsubscribe" in part
    assert "Would you have 20 minutes" not in text


def test_enterprise_proposal_is_formal_with_po_and_terms(mail: EmailActivities) -> None:
    playbook = playbook_named("enterprise")
    subject, text, html = mail._render(email_request(playbook, "proposal"))

    assert subject == "Proposal Q-2026-acme-anna-v1 for Acme Maschinenbau GmbH"
    for part in (text, visible(html)):
        assert "Please find attached our formal proposal Q-2026-acme-anna-v1" in part
        assert "EUR 7,485.10" in part
        assert "45 days net from invoice date" in part
        assert "36 months" in part
        assert "a field for your purchase order number" in part
        assert "quoting Q-2026-acme-anna-v1 and your purchase order number" in part
        assert "We then send the draft contract for your legal team's review." in part
        assert "Dr. Lena Fischer" in part


def test_enterprise_revised_quotation_without_formal_procedure(mail: EmailActivities) -> None:
    playbook = playbook_named("enterprise")
    context = {"quote": a_quote(playbook, version=3).model_dump(mode="json"), "formal": False}
    subject, text, _ = mail._render(email_request(playbook, "proposal", context))

    assert subject == (
        "Quotation Q-2026-acme-anna-v3 (revised, version 3) for Acme Maschinenbau GmbH"
    )
    assert "please find attached version 3 of our quotation Q-2026-acme-anna-v3" in text
    assert "It replaces all earlier versions." in text
    assert "acceptance section" not in text


def test_public_sector_contract_refers_to_the_award_po_and_mandatory_terms(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("public-sector")
    subject, text, html = mail._render(email_request(playbook, "contract"))
    default_text = mail._render(email_request(playbook_named("default"), "contract"))[1]

    assert subject == "Contract C-2026-acme-anna-v1 following your award, for signature"
    for part in (text, visible(html)):
        assert "Dear Petra Lang," in part
        assert "Thank you for awarding the contract to our bid." in part
        assert "under the purchase order you sent with the award" in part
        assert "The contract includes your mandatory terms (4 clauses" in part
        assert "30 April 2026" in part
        assert "Jonas Weber" in part
        assert "amendments" not in part
    assert "mandatory terms" not in default_text
    assert "award" not in default_text


def test_contract_email_names_the_amendments_agreed(mail: EmailActivities) -> None:
    playbook = playbook_named("enterprise")
    context = CONTEXTS["contract"](playbook) | {
        "contract": contract_document(3),
        "amendments": [change.model_dump(mode="json") for change in AMENDMENTS],
    }
    _, text, html = mail._render(email_request(playbook, "contract", context))
    _, plain_text, _ = mail._render(email_request(playbook, "contract"))
    older = {key: value for key, value in context.items() if key != "amendments"}
    _, old_caller_text, _ = mail._render(email_request(playbook, "contract", older))

    for part in (text, visible(html)):
        assert "Attached is contract C-2026-acme-anna-v3 (version 3)" in part
        assert (
            "The contract includes the amendments agreed with your legal team "
            "(5. Liability, 3. Term)." in part
        )
    assert "amendments" not in plain_text
    assert "amendments" not in old_caller_text
    assert "Please sign and return it by 30 April 2026" in old_caller_text


def test_contract_review_first_draft_asks_for_redlines_or_approval(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("enterprise")
    context = CONTEXTS["contract_review"](playbook) | {
        "contract": contract_document(1),
        "amendments": [],
        "round": 0,
    }
    subject, text, html = mail._render(email_request(playbook, "contract_review", context))

    assert subject == "Draft contract C-2026-acme-anna-v1 for your legal review"
    for part in (text, visible(html)):
        assert "attached is the draft of contract C-2026-acme-anna-v1 for your legal team" in part
        assert "EUR 7,485.10" in part
        assert "reply to this email with your redlines" in part
        assert "reply that the draft is approved" in part
        assert "sign the attached draft as it is and return it by 15 May 2026" in part
        assert "redline round" not in part


def test_contract_review_later_round_lists_the_amendments_and_the_round(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("enterprise")
    subject, text, html = mail._render(email_request(playbook, "contract_review"))

    assert subject == "Revised draft contract C-2026-acme-anna-v2 for your legal review"
    for part in (text, visible(html)):
        assert "Attached is the revised draft of contract C-2026-acme-anna-v2 (version 2)" in part
        assert "5. Liability: Each party's liability is limited to twice the contract value" in (
            part
        )
        assert "3. Term: This contract runs for 24 months" in part
        assert "This version answers redline round 1 of at most 3." in part
        assert "reply to this email with your redlines" in part


def test_contract_review_after_the_last_round_leaves_approval_or_signature(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("enterprise")
    context = CONTEXTS["contract_review"](playbook) | {"contract": contract_document(4)}
    context |= {"round": 3, "max_rounds": 3}
    _, text, html = mail._render(email_request(playbook, "contract_review", context))

    for part in (text, visible(html)):
        assert "This version answers redline round 3 of at most 3." in part
        assert "That was the last round" in part
        assert "reply to this email with your redlines" not in part
        assert "sign the attached draft as it is" in part


# Documents: the contract with its review, amendments and mandatory terms; the tender bid.


def quote_request(playbook: Playbook, lead: Lead) -> QuoteRequest:
    return QuoteRequest(
        workflow_id=f"sale-{lead.lead_id}",
        lead=lead,
        playbook=playbook,
        version=1,
        issued_on=ISSUED,
        items=ITEMS,
        discount_percent=Decimal(0),
        purchasing_procedure=playbook.proposal.default_purchasing_procedure,
        needs=needs(),
    )


def contract_request(playbook: Playbook, lead: Lead, quote: Quote, **kw: Any) -> ContractRequest:
    fields: dict[str, Any] = {
        "workflow_id": f"sale-{lead.lead_id}",
        "lead": lead,
        "playbook": playbook,
        "quote": quote,
        "version": 1,
        "issued_on": date(2026, 3, 20),
        "signature_due": date(2026, 4, 19),
    }
    return ContractRequest.model_validate(fields | kw)


async def test_review_draft_pdf_has_amendments_and_mandatory_terms(
    documents: DocumentActivities,
) -> None:
    playbook = playbook_named("public-sector")
    lead = lead_for(playbook)
    env = ActivityEnvironment()
    quote: Quote = await env.run(documents.prepare_quote, quote_request(playbook, lead))
    request = contract_request(
        playbook, lead, quote, version=3, amendments=AMENDMENTS, for_review=True
    )
    contract = await env.run(documents.prepare_contract, request)

    assert playbook.contract.mandatory_terms, "the public-sector playbook lists mandatory terms"
    for document in (pdf_text(contract.pdf_path), html_text(contract.html_path)):
        assert "Contract C-2026-stadtwerke-v3" in document
        assert "Draft for legal review" in document
        assert "send any changes you need (redlines) to Jonas Weber" in document
        assert "6. Governing law" in document
        assert "7. Mandatory terms" in document
        for term in playbook.contract.mandatory_terms:
            assert term in document
        assert "8. Amendments agreed in legal review" in document
        for change in AMENDMENTS:
            assert change.clause in document
            assert change.text in document
        assert "9. Signature" in document
        assert "You may also sign this draft as it is" in document
        assert "19 April 2026" in document
        # The sections come in this order.
        law, terms = document.index("6. Governing law"), document.index("7. Mandatory terms")
        amended, signed = document.index("8. Amendments"), document.index("9. Signature")
        assert law < terms < amended < signed


async def test_contract_without_amendments_has_no_amendments_section(
    documents: DocumentActivities,
) -> None:
    playbook = playbook_named("default")
    lead = lead_for(playbook)
    env = ActivityEnvironment()
    quote: Quote = await env.run(documents.prepare_quote, quote_request(playbook, lead))
    contract = await env.run(
        documents.prepare_contract, contract_request(playbook, lead, quote, po_number="PO-4711")
    )

    for document in (pdf_text(contract.pdf_path), html_text(contract.html_path)):
        assert "Contract C-2026-acme-anna-v1" in document
        assert "governed by the laws of the Federal Republic of Germany" in document
        assert "7. Signature" in document
        assert "Please sign by 19 April 2026" in document
        assert "PO-4711" in document
        assert "Amendments agreed in legal review" not in document
        assert "Mandatory terms" not in document
        assert "Draft for legal review" not in document
        assert not re.search(r"\b8\. [A-Z]", document)


async def test_signature_version_lists_amendments_but_is_no_draft(
    documents: DocumentActivities,
) -> None:
    playbook = playbook_named("enterprise")
    lead = lead_for(playbook)
    env = ActivityEnvironment()
    quote: Quote = await env.run(documents.prepare_quote, quote_request(playbook, lead))
    contract = await env.run(
        documents.prepare_contract,
        contract_request(playbook, lead, quote, version=2, amendments=AMENDMENTS[:1]),
    )

    for document in (pdf_text(contract.pdf_path), html_text(contract.html_path)):
        assert "Version 2, replaces earlier versions" in document
        assert "7. Amendments agreed in legal review" in document
        assert AMENDMENTS[0].text in document
        assert AMENDMENTS[1].text not in document
        assert "8. Signature" in document
        assert "Draft for legal review" not in document
        assert "Mandatory terms" not in document


async def test_tender_bid_pdf_has_number_reference_deadline_total_and_terms(
    documents: DocumentActivities,
) -> None:
    playbook = playbook_named("public-sector")
    lead = lead_for(playbook)
    env = ActivityEnvironment()
    quote: Quote = await env.run(documents.prepare_quote, quote_request(playbook, lead))
    bid = await env.run(
        documents.prepare_bid,
        BidRequest(
            workflow_id=f"sale-{lead.lead_id}",
            lead=lead,
            playbook=playbook,
            quote=quote,
            tender_reference="TED 2026/S 045-123456",
            submission_deadline=datetime(2026, 4, 14, 12, 0, tzinfo=UTC),
            issued_on=date(2026, 3, 16),
        ),
    )

    assert bid.number == "B-2026-stadtwerke-v1"
    assert quote.valid_until == date(2026, 7, 12)  # P120D after 14 March
    for document in (pdf_text(bid.pdf_path), html_text(bid.html_path)):
        assert "Bid B-2026-stadtwerke-v1" in document
        assert "In response to TED 2026/S 045-123456" in document
        assert "Submission deadline: 14 April 2026, 12:00 UTC" in document
        assert "Bidder" in document and "Contracting authority" in document
        assert "Stadtwerke Musterstadt" in document
        assert "EUR 7,485.10" in document
        assert "The Bidder is bound by this bid until 12 July 2026" in document
        assert "with the contracting authority's purchase order number" in document
        assert "The Bidder accepts the following mandatory terms" in document
        for term in playbook.contract.mandatory_terms:
            assert term in document
        assert "30 days net after acceptance of delivery" in document
        assert "tenders@northwind.example" in document


async def test_tender_bid_without_reference_answers_the_call(
    documents: DocumentActivities,
) -> None:
    playbook = playbook_named("public-sector")
    lead = lead_for(playbook)
    env = ActivityEnvironment()
    quote: Quote = await env.run(documents.prepare_quote, quote_request(playbook, lead))
    bid = await env.run(
        documents.prepare_bid,
        BidRequest(
            workflow_id=f"sale-{lead.lead_id}",
            lead=lead,
            playbook=playbook,
            quote=quote,
            submission_deadline=datetime(2026, 4, 14, 12, 0, tzinfo=UTC),
            issued_on=date(2026, 3, 16),
        ),
    )

    text = pdf_text(bid.pdf_path)
    assert "In response to your call for tenders" in text
    assert "None" not in text


async def test_tender_bid_email_arrives_with_the_bid_attached(
    smtp: SmtpServer, mail: EmailActivities, documents: DocumentActivities
) -> None:
    playbook = playbook_named("public-sector")
    lead = lead_for(playbook)
    env = ActivityEnvironment()
    quote: Quote = await env.run(documents.prepare_quote, quote_request(playbook, lead))
    deadline = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)
    bid = await env.run(
        documents.prepare_bid,
        BidRequest(
            workflow_id=f"sale-{lead.lead_id}",
            lead=lead,
            playbook=playbook,
            quote=quote,
            tender_reference="TED 2026/S 045-123456",
            submission_deadline=deadline,
            issued_on=date(2026, 3, 16),
        ),
    )
    context = {
        "quote": quote.model_dump(mode="json"),
        "bid": bid.model_dump(mode="json"),
        "reference": "TED 2026/S 045-123456",
        "deadline": deadline.isoformat(),
    }
    receipt = await env.run(
        mail.send_email,
        email_request(
            playbook, "tender_bid", context, step="tender_bid", attachments=[bid.pdf_path]
        ),
    )

    message = parsed(smtp.inbox.to(lead.email)[-1])
    assert message["Subject"] == receipt.subject
    assert receipt.subject == (
        "Bid B-2026-stadtwerke-v1 for TED 2026/S 045-123456 from Northwind Automation GmbH"
    )
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "B-2026-stadtwerke-v1.pdf"
    for part in (body(message, "plain"), visible(body(message, "html"))):
        assert "Dear Petra Lang," in part
        assert (
            "our bid B-2026-stadtwerke-v1 in response to TED 2026/S 045-123456, "
            "submitted before the deadline of 14 April 2026, 12:00 UTC" in part
        )
        assert "EUR 7,485.10" in part
        assert "Our bid is binding until 12 July 2026." in part
        assert "including our acceptance of your mandatory terms" in part
        assert "please send your purchase order number with the award" in part
        assert "Jonas Weber" in part


def test_tender_bid_email_without_reference_or_utc_deadline(mail: EmailActivities) -> None:
    playbook = playbook_named("public-sector")
    context = CONTEXTS["tender_bid"](playbook) | {
        "reference": None,
        "deadline": "2026-04-14T14:00:00+02:00",
    }
    subject, text, _ = mail._render(email_request(playbook, "tender_bid", context))

    assert subject == (
        "Bid B-2026-acme-anna-v1 for your call for tenders from Northwind Automation GmbH"
    )
    assert "in response to your call for tenders" in text
    assert "deadline of 14 April 2026, 14:00 (UTC+02:00)" in text
