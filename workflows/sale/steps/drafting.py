"""Rendering contract versions from the accepted offer and sending them, for review or signature."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from sales.requests import ContractDocument, ContractRequest

from workflows.sale.book import SaleBook
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, DOCUMENT_HEARTBEAT


@dataclass
class Issued:
    """A contract version out with the buyer, with its deadlines and its email's context."""

    document: ContractDocument
    remind_at: datetime
    expires_at: datetime
    context: dict[str, Any]


@dataclass
class Rendered:
    """A contract version on file, with when it was issued and when it lapses unsigned."""

    document: ContractDocument
    issued_at: datetime
    expires_at: datetime


async def render_contract(book: SaleBook, version: int, *, for_review: bool = False) -> Rendered:
    """Render contract `version` with the playbook's terms and the amendments agreed so far."""
    terms = book.playbook.contract
    quote = book.state.quotes[-1]
    acceptance = book.state.acceptance
    now = book.now()
    expires_at = now + terms.expires_after
    request = ContractRequest(
        workflow_id=book.state.workflow_id,
        lead=book.lead,
        playbook=book.playbook,
        quote=quote,
        version=version,
        issued_on=now.date(),
        signature_due=expires_at.date(),
        po_number=acceptance.po_number if acceptance else None,
        amendments=book.state.amendments,
        for_review=for_review,
    )
    summary = f"render contract v{version}" + (" for review" if for_review else "")
    document = await book.journaled(
        summary,
        lambda: workflow.execute_activity_method(
            DocumentActivities.prepare_contract,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=DOCUMENT_HEARTBEAT,
            summary=summary,
        ),
        ContractDocument,
    )
    book.record_document(
        "contract", document.number, document.version, document.html_path, document.pdf_path
    )
    return Rendered(document, now, expires_at)


def context_of(book: SaleBook, rendered: Rendered) -> dict[str, Any]:
    """What the contract emails are written from."""
    return {
        "contract": rendered.document.model_dump(mode="json"),
        "quote": book.state.quotes[-1].model_dump(mode="json"),
        "signature_due": rendered.expires_at.date().isoformat(),
        "amendments": [change.model_dump(mode="json") for change in book.state.amendments],
    }


async def send_contract(book: SaleBook, version: int) -> Issued:
    """Render contract `version` and email it for signature."""
    rendered = await render_contract(book, version)
    context = context_of(book, rendered)
    pdf = rendered.document.pdf_path
    await book.email(f"contract_v{version}", "contract", context, attachments=[pdf] if pdf else [])
    remind_at = rendered.issued_at + book.playbook.contract.reminder_after
    return Issued(rendered.document, remind_at, rendered.expires_at, context)
