"""CONTRACT: the accepted quote as a contract with the playbook's terms, sent, reminded, signed."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from sales.events import ContractSigned
    from sales.playbook import OnExpiry
    from sales.requests import ContractDocument, ContractRequest
    from sales.stages import LostReason, SalesStage
    from sales.state import Signature

from workflows.sale_book import SaleBook, SaleEnded

ACTIVITY_TIMEOUT = timedelta(minutes=2)


@dataclass
class Issued:
    """A contract version out for signature, with its deadlines."""

    document: ContractDocument
    remind_at: datetime
    expires_at: datetime
    context: dict[str, Any]


async def sign_contract(book: SaleBook) -> None:
    """Wait for the current version's signature; reminders, expiry, new versions per playbook."""
    book.enter(SalesStage.CONTRACT)
    terms = book.playbook.contract
    issued = await _issue(book, version=1)
    while True:
        contract = issued.document
        reminder = f"contract_v{contract.version}_reminder"
        late = book.sent(reminder) or issued.remind_at >= issued.expires_at
        due = issued.expires_at if late else issued.remind_at
        book.expect_at(f"customer signs {contract.number} (contract_signed)", due)
        received = await book.next({"contract_signed"}, due)
        if received is None:
            if due != issued.expires_at:
                await book.email(reminder, "contract_reminder", issued.context)
                continue
            book.state.expired.append(contract.number)
            if terms.on_expiry is OnExpiry.NEW_VERSION and contract.version < terms.max_versions:
                issued = await _issue(book, version=contract.version + 1)
                continue
            raise SaleEnded(LostReason.CONTRACT_EXPIRED, f"{contract.number} not signed")
        signed = received.event
        assert isinstance(signed, ContractSigned)
        named = signed.contract_number
        if named is not None and named != contract.number:
            what = "has expired" if named in book.state.expired else "is not the current version"
            book.reject(received, f"signature for {named}, which {what}; sign {contract.number}")
            continue
        book.applied(received)
        book.state.signature = Signature(
            contract_number=contract.number,
            signed_by=signed.signed_by,
            signed_at=signed.signed_at or received.at,
            envelope_id=signed.envelope_id,
        )
        return


async def _issue(book: SaleBook, version: int) -> Issued:
    """Render contract `version` from the accepted quote and email it for signature."""
    terms = book.playbook.contract
    quote = book.state.quotes[-1]
    acceptance = book.state.acceptance
    now = workflow.now()
    expires_at = now + terms.expires_after
    document: ContractDocument = await workflow.execute_activity_method(
        DocumentActivities.prepare_contract,
        ContractRequest(
            workflow_id=book.state.workflow_id,
            lead=book.lead,
            playbook=book.playbook,
            quote=quote,
            version=version,
            issued_on=now.date(),
            signature_due=expires_at.date(),
            po_number=acceptance.po_number if acceptance else None,
        ),
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        summary=f"render contract v{version}",
    )
    book.record_document(
        "contract", document.number, document.version, document.html_path, document.pdf_path
    )
    context = {
        "contract": document.model_dump(mode="json"),
        "quote": quote.model_dump(mode="json"),
        "signature_due": expires_at.date().isoformat(),
    }
    await book.email(
        f"contract_v{version}",
        "contract",
        context,
        attachments=[document.pdf_path] if document.pdf_path else [],
    )
    return Issued(document, now + terms.reminder_after, expires_at, context)
