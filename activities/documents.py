"""Quotes, proposals and contracts: priced from the catalog, filed as HTML and PDF.

Documents are filed in the document store (activities/document_store.py) and referenced in
workflow state; their text never travels in a payload. The PDF is typeset by the email that
first sends it (activities/typesetting.py), off the path of the emails before it. One Jinja
template per document gives both files: the HTML file wraps it in a styled page, the PDF gets
the bare body (`pdf=True`), written only with the tags fpdf2's `write_html` supports.
"""

import asyncio
import json
import re
from decimal import Decimal
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.document_store import DocumentMissing, document_store
from activities.heartbeat import heartbeating
from activities.playbooks import store_for
from activities.rendering import make_environment, render
from activities.typesetting import file_for_typesetting
from sales.catalog import Catalog, CatalogError, load_catalog
from sales.events import NeedsIdentified
from sales.lead import Lead
from sales.money import minor_units
from sales.playbook import Playbook, PurchasingProcedure, RoundingPolicy
from sales.pricing import priced_quote
from sales.quote import Quote
from sales.requests import (
    BidDocument,
    BidRequest,
    ContractDocument,
    ContractDraft,
    ContractRequest,
    EmailRequest,
    LeadRef,
    QuoteRequest,
    UsesLead,
)
from settings import Settings

L = TypeVar("L", bound=UsesLead)
LEAD_FILE = "lead.json"
NEEDS_KEY = "needs"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def rounding_statement(currency: str, policy: RoundingPolicy) -> str:
    """The one rounding policy, stated on every document in the words of its currency."""
    places = minor_units(currency)
    step = f"{Decimal(1).scaleb(-places):f} {currency}"
    unit = f"the cent ({step})" if places == 2 else step
    if policy is RoundingPolicy.PER_LINE:
        lines = f"Amounts are rounded half up to {unit} per line"
    else:
        lines = f"Line amounts are exact and totals are rounded half up to {unit}"
    return (
        f"All amounts are in {currency}. {lines}; the discount, each tax base and each "
        "tax amount are rounded the same way, and the total is the net plus the taxes shown."
    )


def contract_number(lead_id: str, year: int, version: int) -> str:
    """Stable per sale and version: `C-2026-<lead>-v1`."""
    return f"C-{year}-{lead_id}-v{version}"


class Filing:
    """Renders documents from their templates and files them in the document store: shared by
    the document activities and (from process version 6) the emails that carry a contract."""

    def __init__(self, settings: Settings, *, typeset: bool = True) -> None:
        """`typeset=False` files the HTML alone, with no PDF (the playbook simulation, where
        typesetting was most of the CPU a simulated sale took); both templates still render."""
        self._typeset = typeset
        self.store = document_store(settings)
        self._env = make_environment(settings.templates_dir)

    def folder(self, workflow_id: str) -> str:
        if not _SAFE_NAME.match(workflow_id) or ".." in workflow_id:
            raise ApplicationError(
                f"workflow id {workflow_id!r} cannot name a documents folder",
                type="InvalidRequest",
                non_retryable=True,
            )
        return workflow_id

    def _file(
        self, folder: str, number: str, template: list[str], context: dict[str, Any], author: str
    ) -> tuple[str, str]:
        """The HTML filed, and where the PDF will be once an email typesets it
        (activities/typesetting.py); "" with `typeset=False`."""
        html = render(self._env, template, {**context, "pdf": False})
        body = render(self._env, template, {**context, "pdf": True})
        html_path = self.store.reference(folder, f"{number}.html")
        self.store.put(html_path, html.encode("utf-8"))
        if not self._typeset:
            return html_path, ""
        pdf_path = self.store.reference(folder, f"{number}.pdf")
        return html_path, file_for_typesetting(
            self.store, pdf_path, body, title=number, author=author
        )

    async def filed(
        self, folder: str, number: str, template: list[str], context: dict[str, Any], author: str
    ) -> tuple[str, str]:
        """`_file` off the event loop, heartbeating: a worker killed mid-render is noticed in
        seconds and another renders it, instead of after the two-minute timeout."""
        async with heartbeating():
            return await asyncio.to_thread(self._file, folder, number, template, context, author)

    def file_quote(self, folder: str, quote: Quote, needs: NeedsIdentified) -> Quote:
        """The quote itself filed as JSON beside its HTML, for emails and contracts to read by
        reference (`Quote.data_path`), with the needs it was priced for (`<data_path>#needs`:
        the orientation email's)."""
        data_path = self.store.reference(folder, f"{quote.number}.json")
        filed = quote.model_copy(update={"data_path": data_path})
        data = {**filed.model_dump(mode="json"), NEEDS_KEY: needs.model_dump(mode="json")}
        self.store.put(data_path, json.dumps(data).encode("utf-8"))
        return filed

    def file_lead(self, workflow_id: str, lead: Lead) -> str:
        """The lead filed as JSON in its sale's folder, for the sale's later activities to read
        by reference (process version 6) instead of each carrying it."""
        reference = self.store.reference(self.folder(workflow_id), LEAD_FILE)
        self.store.put(reference, lead.model_dump_json().encode("utf-8"))
        return reference

    def with_lead(self, request: L) -> L:
        """`request` with its lead read, when it came by reference (`LeadRef`)."""
        if not isinstance(request.lead, LeadRef):
            return request
        lead = Lead.model_validate(self.read_json(request.lead.file))
        return request.model_copy(update={"lead": lead})

    def read_json(self, reference: str) -> Any:
        """A JSON document filed earlier (a quote, a lead), or one key of it (`<file>#key`);
        missing, it is retried: the worker may not see the store another filed it in yet."""
        file, _, key = reference.partition("#")
        try:
            data = json.loads(self.store.get(file))
            return data[key] if key else data
        except (DocumentMissing, OSError, ValueError, KeyError, TypeError) as err:
            raise ApplicationError(
                f"document {reference} cannot be read: {err}", type="DocumentMissing"
            ) from err

    def quote_of(self, draft: ContractDraft) -> Quote:
        if draft.quote is not None:
            return draft.quote
        if draft.quote_file is None:
            raise ApplicationError(
                "a contract needs its quote, inline or by reference",
                type="InvalidRequest",
                non_retryable=True,
            )
        return Quote.model_validate(self.read_json(draft.quote_file))

    def contract_request(
        self, email: EmailRequest, draft: ContractDraft
    ) -> tuple[Quote, ContractRequest]:
        """The contract an email carries (process version 6) as the request that renders it,
        with its quote read where it came by reference; the email's lead is read already."""
        quote = self.quote_of(draft)
        request = ContractRequest(
            workflow_id=email.workflow_id,
            lead=email.person,
            playbook=email.playbook,
            **{**dict(draft), "quote": quote},
        )
        return quote, request

    async def contract(self, request: ContractRequest) -> ContractDocument:
        """Render contract `request.version` for the accepted quote with the playbook's terms,
        as HTML and what its PDF needs."""
        playbook = request.book
        folder = self.folder(request.workflow_id)
        quote = await asyncio.to_thread(self.quote_of, request)
        number = contract_number(request.lead.lead_id, request.issued_on.year, request.version)
        context = {
            "contract": {
                "number": number,
                "version": request.version,
                "issued_on": request.issued_on,
                "signature_due": request.signature_due,
                "for_review": request.for_review,
            },
            "amendments": request.amendments,
            "po_number": request.po_number,
            **_terms_context(playbook, request.lead, request.workflow_id, quote),
        }
        html_path, pdf_path = await self.filed(
            folder,
            number,
            playbook.template_candidates("documents/contract.html.j2"),
            context,
            playbook.seller.company,
        )
        activity.logger.info("filed %s at %s", number, html_path)
        return ContractDocument(
            number=number, version=request.version, html_path=html_path, pdf_path=pdf_path
        )


class DocumentActivities:
    """Prices quotes from the catalog and files quotes, proposals and contracts as HTML and PDF."""

    def __init__(self, settings: Settings, *, typeset: bool = True) -> None:
        """`typeset=False`: see `Filing`."""
        self._settings = settings
        self.filing = Filing(settings, typeset=typeset)  # shared with the bench
        self._catalog: Catalog | None = None
        self._catalog_read: float | None = None

    def _load_catalog(self) -> Catalog:
        # Read again when the file changed: a fixed catalog lets waiting sales go on.
        path = self._settings.catalog_path
        changed = path.stat().st_mtime if path.exists() else None
        if self._catalog is None or changed != self._catalog_read:
            self._catalog_read = changed
            try:
                self._catalog = load_catalog(path)
            except CatalogError as err:
                # The sale waits, needing attention, and tries again later: once the file
                # is fixed, that attempt reads it again.
                raise ApplicationError(str(err), type="CatalogError", non_retryable=True) from err
        return self._catalog

    @activity.defn
    async def prepare_quote(self, request: QuoteRequest) -> Quote:
        """Price the items, render a one-page quote or a formal proposal, file HTML and PDF."""
        request = store_for(self._settings.playbooks_dir).complete(request)
        request = await asyncio.to_thread(self.filing.with_lead, request)
        playbook = request.book
        folder = self.filing.folder(request.workflow_id)
        catalog = await asyncio.to_thread(self._load_catalog)
        try:
            quote = priced_quote(request, catalog)
        except ValueError as err:  # PricingError, or a tax category the playbook lacks
            raise ApplicationError(str(err), type="PricingError", non_retryable=True) from err
        formal = request.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        context = {
            "quote": quote,
            "formal": formal,
            "needs": request.needs,
            "notes": request.notes,
            "lead": request.person,
            "seller": playbook.seller,
            "playbook": playbook,
            "workflow_id": request.workflow_id,
            "rounding": rounding_statement(quote.currency, quote.rounding),
        }
        template = playbook.template_candidates(
            f"documents/{'proposal' if formal else 'quote'}.html.j2"
        )
        html_path, pdf_path = await self.filing.filed(
            folder, quote.number, template, context, playbook.seller.company
        )
        activity.logger.info("filed %s at %s", quote.number, html_path)
        filed = quote.model_copy(update={"html_path": html_path, "pdf_path": pdf_path})
        return await asyncio.to_thread(self.filing.file_quote, folder, filed, request.needs)

    @activity.defn
    async def prepare_contract(self, request: ContractRequest) -> ContractDocument:
        """Render the contract for an accepted quote with the playbook's terms, as HTML and PDF."""
        request = store_for(self._settings.playbooks_dir).complete(request)
        return await self.filing.contract(request)

    @activity.defn
    async def prepare_bid(self, request: BidRequest) -> BidDocument:
        """Render a tender bid from the quote, for the call and deadline named, as HTML and PDF."""
        request = store_for(self._settings.playbooks_dir).complete(request)
        playbook = request.book
        quote = request.quote
        number = bid_number(quote.number)
        context = {
            "bid": {"number": number, "issued_on": request.issued_on},
            "reference": request.tender_reference,
            "deadline": request.submission_deadline,
            **_terms_context(playbook, request.lead, request.workflow_id, quote),
        }
        html_path, pdf_path = await self.filing.filed(
            self.filing.folder(request.workflow_id),
            number,
            playbook.template_candidates("documents/tender_bid.html.j2"),
            context,
            playbook.seller.company,
        )
        activity.logger.info("filed %s at %s", number, html_path)
        return BidDocument(number=number, html_path=html_path, pdf_path=pdf_path)


def _terms_context(
    playbook: Playbook, lead: Lead, workflow_id: str, quote: Quote
) -> dict[str, Any]:
    """What a contract and a bid are both written from: the quote under the playbook's terms."""
    return {
        "quote": quote,
        "terms": playbook.contract,
        "lead": lead,
        "seller": playbook.seller,
        "playbook": playbook,
        "workflow_id": workflow_id,
        "rounding": rounding_statement(quote.currency, quote.rounding),
    }


def bid_number(quote_number: str) -> str:
    """The bid made from quote `Q-2026-<lead>-v1` is `B-2026-<lead>-v1`."""
    return "B" + quote_number[1:] if quote_number.startswith("Q") else f"B-{quote_number}"
