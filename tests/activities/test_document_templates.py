"""The documents each playbook files: the contract with its draft for legal review, the
amendments agreed and the mandatory terms; the tender bid and the email that submits it.

Prepared for real through `DocumentActivities` from a real quote, and read back the way a
customer sees them: the text of the PDF file and of the HTML page in a browser.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from activities.email import EmailActivities
from sales.lead import Lead
from sales.playbook import Playbook
from sales.quote import Quote
from sales.requests import BidDocument, BidRequest, ContractDocument, ContractRequest, QuoteRequest
from tests.activities.pdf_reading import pdf_text
from tests.activities.template_contexts import (
    AMENDMENTS,
    CONTEXTS,
    ISSUED,
    ITEMS,
    SUBMISSION_DEADLINE,
    TENDER_REFERENCE,
    assert_says,
    email_request,
    lead_for,
    needs,
    playbook_named,
    render,
)
from tests.smtp_inbox import SmtpServer, visible


@dataclass(frozen=True)
class Sale:
    """A sale up to its quote: the playbook, its buyer and the quote prepared for real."""

    playbook: Playbook
    lead: Lead
    quote: Quote


async def quoted_sale(documents: DocumentActivities, name: str) -> Sale:
    playbook = playbook_named(name)
    lead = lead_for(playbook)
    request = QuoteRequest(
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
    return Sale(playbook, lead, await ActivityEnvironment().run(documents.prepare_quote, request))


async def contract_for(
    documents: DocumentActivities, name: str, **kw: Any
) -> tuple[Playbook, ContractDocument]:
    """The contract for a quoted sale of the playbook named: version 1 unless `kw` says."""
    sale = await quoted_sale(documents, name)
    fields: dict[str, Any] = {
        "workflow_id": f"sale-{sale.lead.lead_id}",
        "lead": sale.lead,
        "playbook": sale.playbook,
        "quote": sale.quote,
        "version": 1,
        "issued_on": date(2026, 3, 20),
        "signature_due": date(2026, 4, 19),
    }
    request = ContractRequest.model_validate(fields | kw)
    return sale.playbook, await ActivityEnvironment().run(documents.prepare_contract, request)


def bid_for(sale: Sale, reference: str | None = TENDER_REFERENCE) -> BidRequest:
    return BidRequest(
        workflow_id=f"sale-{sale.lead.lead_id}",
        lead=sale.lead,
        playbook=sale.playbook,
        quote=sale.quote,
        tender_reference=reference,
        submission_deadline=SUBMISSION_DEADLINE,
        issued_on=date(2026, 3, 16),
    )


async def tender_bid(
    documents: DocumentActivities, reference: str | None = TENDER_REFERENCE
) -> tuple[Sale, BidDocument]:
    """A public-sector sale quoted, and the bid for its call for tenders."""
    sale = await quoted_sale(documents, "public-sector")
    return sale, await ActivityEnvironment().run(documents.prepare_bid, bid_for(sale, reference))


def read_back(document: ContractDocument | BidDocument) -> tuple[str, str]:
    """The document's PDF text, and its HTML page as a browser shows it."""
    return pdf_text(document.pdf_path), visible(Path(document.html_path).read_text("utf-8"))


def received(message: Message) -> tuple[EmailMessage, tuple[str, str]]:
    """The message as the modern email policy reads it, with its text part and its HTML part
    as a reader sees it."""
    result = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(result, EmailMessage)
    text, html = (result.get_body((kind,)) for kind in ("plain", "html"))
    assert text is not None, "no text/plain part"
    assert html is not None, "no text/html part"
    return result, (str(text.get_content()), visible(str(html.get_content())))


# The contract: the draft for legal review, the amendments, the mandatory terms.


async def test_review_draft_pdf_has_amendments_and_mandatory_terms(
    documents: DocumentActivities,
) -> None:
    playbook, contract = await contract_for(
        documents, "public-sector", version=3, amendments=AMENDMENTS, for_review=True
    )

    assert playbook.contract.mandatory_terms, "the public-sector playbook lists mandatory terms"
    texts = read_back(contract)
    assert_says(
        texts,
        "Contract C-2026-stadtwerke-v3",
        "Draft for legal review",
        "send any changes you need (redlines) to Jonas Weber",
        "6. Governing law",
        "7. Mandatory terms",
        *playbook.contract.mandatory_terms,
        "8. Amendments agreed in legal review",
        *[said for change in AMENDMENTS for said in (change.clause, change.text)],
        "9. Signature",
        "You may also sign this draft as it is",
        "19 April 2026",
    )
    for document in texts:
        # The sections come in this order.
        law, terms = document.index("6. Governing law"), document.index("7. Mandatory terms")
        amended, signed = document.index("8. Amendments"), document.index("9. Signature")
        assert law < terms < amended < signed


async def test_contract_without_amendments_has_no_amendments_section(
    documents: DocumentActivities,
) -> None:
    _, contract = await contract_for(documents, "default", po_number="PO-4711")

    texts = read_back(contract)
    assert_says(
        texts,
        "Contract C-2026-acme-anna-v1",
        "governed by the laws of the Federal Republic of Germany",
        "7. Signature",
        "Please sign by 19 April 2026",
        "PO-4711",
        never=["Amendments agreed in legal review", "Mandatory terms", "Draft for legal review"],
    )
    for document in texts:
        assert not re.search(r"\b8\. [A-Z]", document)


async def test_signature_version_lists_amendments_but_is_no_draft(
    documents: DocumentActivities,
) -> None:
    _, contract = await contract_for(documents, "enterprise", version=2, amendments=AMENDMENTS[:1])

    assert_says(
        read_back(contract),
        "Version 2, replaces earlier versions",
        "7. Amendments agreed in legal review",
        AMENDMENTS[0].text,
        "8. Signature",
        never=[AMENDMENTS[1].text, "Draft for legal review", "Mandatory terms"],
    )


# The tender bid and the email that submits it.


async def test_tender_bid_pdf_has_number_reference_deadline_total_and_terms(
    documents: DocumentActivities,
) -> None:
    sale, bid = await tender_bid(documents)

    assert bid.number == "B-2026-stadtwerke-v1"
    assert sale.quote.valid_until == date(2026, 7, 12)  # P120D after 14 March
    assert_says(
        read_back(bid),
        "Bid B-2026-stadtwerke-v1",
        "In response to TED 2026/S 045-123456",
        "Submission deadline: 14 April 2026, 12:00 UTC",
        "Bidder",
        "Contracting authority",
        "Stadtwerke Musterstadt",
        "EUR 7,485.10",
        "The Bidder is bound by this bid until 12 July 2026",
        "with the contracting authority's purchase order number",
        "The Bidder accepts the following mandatory terms",
        *sale.playbook.contract.mandatory_terms,
        "30 days net after acceptance of delivery",
        "tenders@northwind.example",
    )


async def test_tender_bid_without_reference_answers_the_call(
    documents: DocumentActivities,
) -> None:
    _, bid = await tender_bid(documents, reference=None)

    text = pdf_text(bid.pdf_path)
    assert "In response to your call for tenders" in text
    assert "None" not in text


def test_tender_bid_email_without_reference_or_utc_deadline(mail: EmailActivities) -> None:
    playbook = playbook_named("public-sector")
    context = CONTEXTS["tender_bid"](playbook) | {
        "reference": None,
        "deadline": "2026-04-14T14:00:00+02:00",
    }
    email = render(mail, playbook, "tender_bid", context)

    assert email.subject == (
        "Bid B-2026-acme-anna-v1 for your call for tenders from Northwind Automation GmbH"
    )
    assert "in response to your call for tenders" in email.text
    assert "deadline of 14 April 2026, 14:00 (UTC+02:00)" in email.text


async def test_tender_bid_email_arrives_with_the_bid_attached(
    smtp: SmtpServer, mail: EmailActivities, documents: DocumentActivities
) -> None:
    sale, bid = await tender_bid(documents)
    context = {
        "quote": sale.quote.model_dump(mode="json"),
        "bid": bid.model_dump(mode="json"),
        "reference": TENDER_REFERENCE,
        "deadline": SUBMISSION_DEADLINE.isoformat(),
    }
    request = email_request(
        sale.playbook, "tender_bid", context, step="tender_bid", attachments=[bid.pdf_path]
    )
    receipt = await ActivityEnvironment().run(mail.send_email, request)

    message, parts = received(smtp.inbox.to(sale.lead.email)[-1])
    assert message["Subject"] == receipt.subject
    assert receipt.subject == (
        "Bid B-2026-stadtwerke-v1 for TED 2026/S 045-123456 from Northwind Automation GmbH"
    )
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "B-2026-stadtwerke-v1.pdf"
    assert_says(
        parts,
        "Dear Petra Lang,",
        "our bid B-2026-stadtwerke-v1 in response to TED 2026/S 045-123456, "
        "submitted before the deadline of 14 April 2026, 12:00 UTC",
        "EUR 7,485.10",
        "Our bid is binding until 12 July 2026.",
        "including our acceptance of your mandatory terms",
        "please send your purchase order number with the award",
        "Jonas Weber",
    )
