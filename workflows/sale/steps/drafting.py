"""Rendering contract versions from the accepted offer and sending them, for review or signature."""

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from sales.requests import ContractDocument, ContractDraft, ContractRequest
    from sales.state import DocumentRecord

from workflows.sale import references
from workflows.sale.contract_versions import Issued, Rendered
from workflows.sale.sale import Sale
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, DOCUMENT_HEARTBEAT


def _draft(
    sale: Sale,
    version: int,
    issued_at: datetime,
    *,
    for_review: bool = False,
    quote_file: str | None = None,
) -> ContractDraft:
    """Contract `version` of the accepted (latest) quote, issued at `issued_at`, due to be signed
    when the playbook's terms say, with the PO number and the amendments agreed so far; the
    quote inline, or by reference to its file."""
    quote = sale.state.quotes[-1]
    acceptance = sale.state.acceptance
    expires_at = issued_at + sale.playbook.contract.expires_after
    return ContractDraft(
        quote=None if quote_file else quote,
        quote_file=quote_file,
        version=version,
        issued_on=issued_at.date(),
        signature_due=expires_at.date(),
        po_number=acceptance.po_number if acceptance else None,
        amendments=sale.state.amendments,
        for_review=for_review,
    )


def contract_document(record: DocumentRecord) -> ContractDocument:
    """A contract version on file, as the sale's documents list it."""
    return ContractDocument(
        number=record.number,
        version=record.version,
        html_path=record.html_path,
        pdf_path=record.pdf_path,
    )


async def render_contract(sale: Sale, version: int, *, for_review: bool = False) -> Rendered:
    """Render contract `version` with the playbook's terms and the amendments agreed so far."""
    now = sale.now()
    expires_at = now + sale.playbook.contract.expires_after
    request = ContractRequest(
        workflow_id=sale.state.workflow_id,
        lead=sale.lead,
        playbook=sale.playbook,
        **dict(_draft(sale, version, now, for_review=for_review)),
    )
    summary = f"render contract v{version}" + (" for review" if for_review else "")
    document = await sale.operations.run(
        summary,
        lambda: workflow.execute_activity_method(
            DocumentActivities.prepare_contract,
            sale.with_playbook(request),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=DOCUMENT_HEARTBEAT,
            summary=summary,
        ),
    )
    sale.record_document(
        "contract",
        document.number,
        document.version,
        document.html_path,
        document.pdf_path,
        at=now,  # when it was issued: what its deadlines count from
    )
    return Rendered(document, now, expires_at)


def context_of(sale: Sale, rendered: Rendered) -> dict[str, Any]:
    """What the contract emails are written from."""
    return {
        "contract": rendered.document.model_dump(mode="json"),
        "quote": sale.state.quotes[-1].model_dump(mode="json"),
        "signature_due": rendered.expires_at.date().isoformat(),
        "amendments": [change.model_dump(mode="json") for change in sale.state.amendments],
    }


async def send_contract(sale: Sale, version: int) -> Issued:
    """Render contract `version` and email it for signature: from process version 6 in one
    activity, the email that carries the contract rendering and filing it first."""
    if sale.filed_by_email:
        return await _send_filing(sale, version)
    return await email_contract(sale, await render_contract(sale, version))


async def _send_filing(sale: Sale, version: int) -> Issued:
    terms = sale.playbook.contract
    now = sale.now()
    expires_at = now + terms.expires_after
    inline, files = references.quote_context(sale, sale.state.quotes[-1])
    draft = _draft(sale, version, now, quote_file=files.get("quote"))
    context = {
        "signature_due": expires_at.date().isoformat(),
        "amendments": [change.model_dump(mode="json") for change in sale.state.amendments],
    }
    await sale.mail.send(f"contract_v{version}", "contract", context, contract=draft)
    filed = sale.latest_document("contract")
    if filed is None or filed.version != version:  # not sent (it never is cancelled): apart
        return await email_contract(sale, await render_contract(sale, version))
    document = contract_document(filed)
    # The reminder is written from the same, the contract by its number and paths.
    reminder = {**context, **inline, "contract": document.model_dump(mode="json")}
    return Issued(document, now + terms.reminder_after, expires_at, reminder, files)


async def email_contract(sale: Sale, rendered: Rendered) -> Issued:
    """Email a rendered contract version for signature."""
    context = context_of(sale, rendered)
    pdf = rendered.document.pdf_path
    version = rendered.document.version
    await sale.mail.send(
        f"contract_v{version}", "contract", context, attachments=[pdf] if pdf else []
    )
    remind_at = rendered.issued_at + sale.playbook.contract.reminder_after
    return Issued(rendered.document, remind_at, rendered.expires_at, context)


def rendered_of(sale: Sale, record: DocumentRecord) -> Rendered:
    """A contract version on file, as a resumed run finds it (issued when it was filed)."""
    document = contract_document(record)
    issued_at = record.created_at
    return Rendered(document, issued_at, issued_at + sale.playbook.contract.expires_after)
