"""Quotes: line items priced from the catalog, discounts before taxes, totals that add up.

Rounding (see `sales.money`): with the `per_line` policy each line's net is
rounded; with `total` lines stay exact. Either way the quote discount, the
taxable base of each tax category and each tax amount are rounded, and the
printed figures always add up: total = net + sum(taxes).
"""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from sales.catalog import Catalog
from sales.events import ItemOfInterest
from sales.money import percent_of, round_money
from sales.playbook import Playbook, PurchasingProcedure, RoundingPolicy


class QuoteLine(BaseModel):
    """One priced line of a quote."""

    model_config = ConfigDict(frozen=True)

    sku: str
    name: str
    description: str
    unit: str
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal
    net: Decimal
    tax_category: str
    tax_rate: Decimal


class TaxLine(BaseModel):
    """The tax of one category on its share of the discounted net."""

    model_config = ConfigDict(frozen=True)

    category: str
    rate: Decimal
    base: Decimal
    amount: Decimal


class QuoteTotals(BaseModel):
    """Every figure printed below the lines."""

    model_config = ConfigDict(frozen=True)

    subtotal: Decimal
    discount_percent: Decimal
    discount: Decimal
    net: Decimal
    taxes: list[TaxLine]
    total: Decimal


class PricingError(ValueError):
    """Items that cannot be priced: an unknown sku, or no price in the quote's currency."""


def price_lines(
    items: list[ItemOfInterest], catalog: Catalog, playbook: Playbook, country: str | None
) -> list[QuoteLine]:
    """Price each item from the catalog in the playbook's currency."""
    currency = playbook.currency
    lines: list[QuoteLine] = []
    problems: list[str] = []
    for item in items:
        product = catalog.get(item.sku)
        if product is None:
            problems.append(f"unknown sku {item.sku!r}")
            continue
        if currency not in product.prices:
            problems.append(f"sku {item.sku} has no {currency} price")
            continue
        unit_price = product.prices[currency]
        discount = item.discount_percent or Decimal(0)
        net = item.quantity * unit_price - percent_of(item.quantity * unit_price, discount)
        if playbook.proposal.rounding is RoundingPolicy.PER_LINE:
            net = round_money(net, currency)
        lines.append(
            QuoteLine(
                sku=product.sku,
                name=product.name,
                description=product.description,
                unit=product.unit,
                quantity=item.quantity,
                unit_price=unit_price,
                discount_percent=discount,
                net=net,
                tax_category=product.tax_category,
                tax_rate=playbook.tax_rate(country, product.tax_category),
            )
        )
    if problems:
        raise PricingError("; ".join(problems))
    return lines


def total_lines(lines: list[QuoteLine], discount_percent: Decimal, currency: str) -> QuoteTotals:
    """Subtotal, quote discount, tax per category and total, per the rounding rules above."""
    subtotal = sum((line.net for line in lines), Decimal(0))
    discount = round_money(percent_of(subtotal, discount_percent), currency)
    net = round_money(subtotal, currency) - discount
    keep = (Decimal(100) - discount_percent) / Decimal(100)

    by_category: dict[tuple[str, Decimal], Decimal] = {}
    for line in lines:
        key = (line.tax_category, line.tax_rate)
        by_category[key] = by_category.get(key, Decimal(0)) + line.net

    taxes: list[TaxLine] = []
    allotted = Decimal(0)
    keys = sorted(by_category)
    for index, (category, rate) in enumerate(keys):
        # The last category takes the rounding remainder so the bases add up to the net.
        if index == len(keys) - 1:
            base = net - allotted
        else:
            base = round_money(by_category[(category, rate)] * keep, currency)
        allotted += base
        amount = round_money(percent_of(base, rate), currency)
        taxes.append(TaxLine(category=category, rate=rate, base=base, amount=amount))

    total = net + sum((tax.amount for tax in taxes), Decimal(0))
    return QuoteTotals(
        subtotal=round_money(subtotal, currency),
        discount_percent=discount_percent,
        discount=discount,
        net=net,
        taxes=taxes,
        total=total,
    )


class Quote(BaseModel):
    """One version of the quote sent to a prospect, with where its documents are kept."""

    number: str
    version: int
    currency: str
    issued_on: date
    valid_until: date
    purchasing_procedure: PurchasingProcedure
    rounding: RoundingPolicy
    lines: list[QuoteLine]
    totals: QuoteTotals
    notes: str | None = None
    html_path: str = ""
    pdf_path: str = ""


def quote_number(lead_id: str, issued_on: date, version: int) -> str:
    """Stable and unique per sale and version: `Q-2026-<lead>-v2`."""
    return f"Q-{issued_on.year}-{lead_id}-v{version}"
