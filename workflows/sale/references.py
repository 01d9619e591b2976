"""What a sale's activities read from the document store instead of carrying it (process
version 6): the lead its qualification filed, the quote as filed and the needs priced with it.
Each falls back to the whole value where nothing was filed (sales of older versions, and the
fast tests' doubles, which file nothing)."""

from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import NeedsIdentified
    from sales.lead import Lead
    from sales.quote import Quote
    from sales.requests import LeadRef, needs_file

if TYPE_CHECKING:
    from workflows.sale.sale import Sale

# An email's context: what it carries, and what it reads from the store (`context_files`).
Context = tuple[dict[str, Any], dict[str, str]]


def lead_of(sale: "Sale") -> Lead | LeadRef:
    """The lead as an activity gets it: by reference to the lead its qualification filed (the
    activity reads it), whole where none was filed."""
    if sale.filed_by_email and sale.state.lead_file:
        return LeadRef(file=sale.state.lead_file)
    return sale.lead


def quote_context(sale: "Sale", quote: Quote) -> Context:
    """How an email gets the quote: by reference to the quote as filed, or inline."""
    if sale.filed_by_email and quote.data_path:
        return {}, {"quote": quote.data_path}
    return {"quote": quote.model_dump(mode="json")}, {}


def needs_context(sale: "Sale", needs: NeedsIdentified) -> Context:
    """How an email gets the needs: from the file of the quote priced for them
    (`activities.documents.Filing.file_quote`), or inline."""
    quote = sale.draft or (sale.state.quotes[-1] if sale.state.quotes else None)
    if sale.filed_by_email and quote is not None and quote.data_path:
        return {}, {"needs": needs_file(quote.data_path)}
    return {"needs": needs.model_dump(mode="json")}, {}
