"""Quotes, proposals and contracts: priced from the catalog, filed as HTML and PDF.

Documents are files referenced by path in workflow state; their text never
travels in a payload. One Jinja template per document gives both files: the
HTML file wraps it in a styled page, the PDF gets the bare body (`pdf=True`),
written only with the tags fpdf2's `write_html` supports.
"""

import asyncio
import os
import re
import tempfile
import unicodedata
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fpdf import FPDF, TextStyle
from fpdf.html import HTML2FPDF
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.rendering import make_environment, render
from sales.catalog import Catalog, CatalogError, load_catalog
from sales.money import minor_units
from sales.playbook import PurchasingProcedure, RoundingPolicy
from sales.quote import Quote, price_lines, quote_number, total_lines
from sales.requests import ContractDocument, ContractRequest, QuoteRequest
from settings import Settings

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

# Core PDF fonts are latin-1 only; these have no NFKD decomposition to fall back on.
_LATIN1_FALLBACKS = {
    "\N{EURO SIGN}": "EUR",
    "\N{LEFT SINGLE QUOTATION MARK}": "'",
    "\N{RIGHT SINGLE QUOTATION MARK}": "'",
    "\N{SINGLE LOW-9 QUOTATION MARK}": "'",
    "\N{LEFT DOUBLE QUOTATION MARK}": '"',
    "\N{RIGHT DOUBLE QUOTATION MARK}": '"',
    "\N{DOUBLE LOW-9 QUOTATION MARK}": '"',
    "\N{EN DASH}": "-",
    "\N{EM DASH}": "-",
    "\N{MINUS SIGN}": "-",
    "\N{HORIZONTAL ELLIPSIS}": "...",
    "\N{BULLET}": "-",
    "\N{LATIN CAPITAL LETTER L WITH STROKE}": "L",
    "\N{LATIN SMALL LETTER L WITH STROKE}": "l",
    "\N{LATIN CAPITAL LETTER D WITH STROKE}": "D",
    "\N{LATIN SMALL LETTER D WITH STROKE}": "d",
    "\N{LATIN SMALL LETTER DOTLESS I}": "i",
    "\N{LATIN CAPITAL LIGATURE OE}": "OE",
    "\N{LATIN SMALL LIGATURE OE}": "oe",
}

_PDF_TAG_STYLES = {
    "h1": TextStyle(font_size_pt=17, color="#1f4e79", t_margin=0, b_margin=0.3),
    "h2": TextStyle(font_size_pt=12.5, color="#1f4e79", t_margin=4, b_margin=0.4),
    "h3": TextStyle(font_size_pt=10.5, color="#1f2933", t_margin=3, b_margin=0.2),
}


def to_latin1(text: str) -> str:
    """Text the core PDF fonts can draw: `Strojírny Novák` stays, `ř` becomes `r`."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    chars: list[str] = []
    for char in text:
        if ord(char) < 256:
            chars.append(char)
        elif char in _LATIN1_FALLBACKS:
            chars.append(_LATIN1_FALLBACKS[char])
        else:
            base = unicodedata.normalize("NFKD", char)
            kept = "".join(c for c in base if ord(c) < 256 and not unicodedata.combining(c))
            chars.append(kept or "?")
    return "".join(chars)


class _Html(HTML2FPDF):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag == "table":
            # fpdf2 2.8 queues the blank line it puts before a table and draws it after
            # the table; drawing it now keeps the space where it belongs.
            self._column.render()


class _Pdf(FPDF):
    HTML2FPDF_CLASS = _Html

    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self._footer = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"{self._footer}  |  page {self.page_no()} of {{nb}}", align="C")


def html_to_pdf(body: str, title: str, author: str) -> bytes:
    """A4 PDF of fpdf2-compatible HTML in Helvetica, every character made latin-1 first."""
    pdf = _Pdf(to_latin1(f"{author}  |  {title}"))
    pdf.set_title(to_latin1(title))
    pdf.set_author(to_latin1(author))
    pdf.set_creator("salesflow")
    pdf.set_margins(left=18, top=16, right=18)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("helvetica", size=9.5)
    pdf.write_html(
        to_latin1(body),
        font_family="helvetica",
        tag_styles=_PDF_TAG_STYLES,
        table_line_separators=True,
    )
    return bytes(pdf.output())


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


def _write_atomically(path: Path, data: bytes) -> None:
    # A retried activity may overwrite the file; readers never see half of one.
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as f:
        f.write(data)
    os.chmod(f.name, 0o644)
    os.replace(f.name, path)


class DocumentActivities:
    """Prices quotes from the catalog and files quotes, proposals and contracts as HTML and PDF."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._env = make_environment(settings.templates_dir)
        self._catalog: Catalog | None = None

    def _load_catalog(self) -> Catalog:
        if self._catalog is None:
            try:
                self._catalog = load_catalog(self._settings.catalog_path)
            except CatalogError as err:
                # Retryable: once the file is fixed, the next attempt reads it again.
                raise ApplicationError(str(err), type="CatalogError") from err
        return self._catalog

    def _folder(self, workflow_id: str) -> Path:
        if not _SAFE_NAME.match(workflow_id) or ".." in workflow_id:
            raise ApplicationError(
                f"workflow id {workflow_id!r} cannot name a documents folder",
                type="InvalidRequest",
                non_retryable=True,
            )
        return (self._settings.documents_dir / workflow_id).resolve()

    def _file(
        self, folder: Path, number: str, template: str, context: dict[str, Any], author: str
    ) -> tuple[Path, Path]:
        html = render(self._env, template, {**context, "pdf": False})
        body = render(self._env, template, {**context, "pdf": True})
        pdf = html_to_pdf(body, title=number, author=author)
        folder.mkdir(parents=True, exist_ok=True)
        html_path, pdf_path = folder / f"{number}.html", folder / f"{number}.pdf"
        _write_atomically(html_path, html.encode("utf-8"))
        _write_atomically(pdf_path, pdf)
        return html_path, pdf_path

    @activity.defn
    async def prepare_quote(self, request: QuoteRequest) -> Quote:
        """Price the items, render a one-page quote or a formal proposal, file HTML and PDF."""
        playbook = request.playbook
        folder = self._folder(request.workflow_id)
        catalog = await asyncio.to_thread(self._load_catalog)
        try:
            lines = price_lines(request.items, catalog, playbook, request.lead.country)
            totals = total_lines(
                lines, request.discount_percent, playbook.currency, request.discount_amount
            )
        except ValueError as err:  # PricingError, or a tax category the playbook lacks
            raise ApplicationError(str(err), type="PricingError", non_retryable=True) from err
        quote = Quote(
            number=quote_number(request.lead.lead_id, request.issued_on, request.version),
            version=request.version,
            currency=playbook.currency,
            issued_on=request.issued_on,
            valid_until=request.issued_on + timedelta(days=playbook.proposal.validity.days),
            purchasing_procedure=request.purchasing_procedure,
            rounding=playbook.proposal.rounding,
            lines=lines,
            totals=totals,
            notes=request.notes,
        )
        formal = request.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        context = {
            "quote": quote,
            "formal": formal,
            "needs": request.needs,
            "notes": request.notes,
            "lead": request.lead,
            "seller": playbook.seller,
            "playbook": playbook,
            "workflow_id": request.workflow_id,
            "rounding": rounding_statement(quote.currency, quote.rounding),
        }
        template = f"documents/{'proposal' if formal else 'quote'}.html.j2"
        html_path, pdf_path = await asyncio.to_thread(
            self._file, folder, quote.number, template, context, playbook.seller.company
        )
        activity.logger.info("filed %s at %s", quote.number, html_path)
        return quote.model_copy(update={"html_path": str(html_path), "pdf_path": str(pdf_path)})

    @activity.defn
    async def prepare_contract(self, request: ContractRequest) -> ContractDocument:
        """Render the contract for an accepted quote with the playbook's terms, as HTML and PDF."""
        playbook = request.playbook
        folder = self._folder(request.workflow_id)
        number = contract_number(request.lead.lead_id, request.issued_on.year, request.version)
        context = {
            "contract": {
                "number": number,
                "version": request.version,
                "issued_on": request.issued_on,
                "signature_due": request.signature_due,
            },
            "quote": request.quote,
            "po_number": request.po_number,
            "terms": playbook.contract,
            "lead": request.lead,
            "seller": playbook.seller,
            "playbook": playbook,
            "workflow_id": request.workflow_id,
            "rounding": rounding_statement(request.quote.currency, request.quote.rounding),
        }
        html_path, pdf_path = await asyncio.to_thread(
            self._file,
            folder,
            number,
            "documents/contract.html.j2",
            context,
            playbook.seller.company,
        )
        activity.logger.info("filed %s at %s", number, html_path)
        return ContractDocument(
            number=number, version=request.version, html_path=str(html_path), pdf_path=str(pdf_path)
        )
