"""A quote request priced from the catalog: the one way a quote version comes to be."""

from datetime import timedelta

from sales.catalog import Catalog
from sales.quote import Quote, price_lines, quote_number, total_lines
from sales.requests import QuoteRequest


def priced_quote(request: QuoteRequest, catalog: Catalog) -> Quote:
    """The version the request asks for, its lines priced and its totals added up.

    ValueError (a `PricingError`, or a tax category the playbook lacks) names what
    cannot be priced.
    """
    playbook = request.book
    lines = price_lines(request.items, catalog, playbook, request.person.country)
    totals = total_lines(
        lines, request.discount_percent, playbook.currency, request.discount_amount
    )
    return Quote(
        number=quote_number(request.person.lead_id, request.issued_on, request.version),
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
