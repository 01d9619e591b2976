"""Quotes: line items priced from the catalog, discounts before taxes, totals that add up.

Rounding (see `sales.money`): with the `per_line` policy each line's net is
rounded; with `total` lines stay exact. Either way the quote discount, the
taxable base of each tax category and each tax amount are rounded, and the
printed figures always add up: total = net + sum(taxes).
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

from sales.catalog import Catalog
from sales.items import ItemOfInterest
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
    discount_amount: Decimal = Decimal(0)
    net: Decimal
    tax_category: str
    tax_rate: Decimal
    dual_use: bool = False


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

    # Defaults keep quotes of sales started before these fields decodable.
    list_total: Decimal = Field(
        default=Decimal(0), description="quantities at unit prices, before any discount"
    )
    subtotal: Decimal
    discount_percent: Decimal = Field(description="the quote discount asked, 0 for an amount")
    discount: Decimal
    net: Decimal
    taxes: list[TaxLine]
    total: Decimal

    @property
    def effective_discount_percent(self) -> Decimal:
        """Every discount (lines and quote) as a share of the list total: what approval looks at."""
        if not self.list_total:
            return Decimal(0)
        given = (self.list_total - self.net) / self.list_total * 100
        return given.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def need_approval(self, threshold: Decimal) -> bool:
        """Whether discounts this large wait for a manager, under the playbook's `threshold`."""
        return self.effective_discount_percent > threshold


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
        gross = item.quantity * unit_price
        discount = item.discount_percent or Decimal(0)
        amount_off = item.discount_amount or Decimal(0)
        if amount_off > gross:
            problems.append(f"sku {item.sku}: discount {amount_off} exceeds the line's {gross}")
            continue
        net = gross - percent_of(gross, discount) - amount_off
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
                discount_amount=amount_off,
                net=net,
                tax_category=product.tax_category,
                tax_rate=playbook.tax_rate(country, product.tax_category),
                dual_use=product.dual_use,
            )
        )
    if problems:
        raise PricingError("; ".join(problems))
    return lines


def total_lines(
    lines: list[QuoteLine],
    discount_percent: Decimal,
    currency: str,
    discount_amount: Decimal | None = None,
) -> QuoteTotals:
    """Subtotal, quote discount (a percent or an amount), tax per category and total.

    The rounding rules are those of the module docstring.
    """
    subtotal = sum((line.net for line in lines), Decimal(0))
    if discount_amount is not None:
        discount = round_money(discount_amount, currency)
        if discount > round_money(subtotal, currency):
            raise PricingError(f"discount {discount} exceeds the subtotal {subtotal}")
        keep = (subtotal - discount) / subtotal if subtotal else Decimal(1)
        discount_percent = Decimal(0)
    else:
        discount = round_money(percent_of(subtotal, discount_percent), currency)
        keep = (Decimal(100) - discount_percent) / Decimal(100)
    net = round_money(subtotal, currency) - discount

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
    list_total = sum((line.quantity * line.unit_price for line in lines), Decimal(0))
    return QuoteTotals(
        list_total=round_money(list_total, currency),
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
    # The quote itself as filed beside its HTML (JSON), which emails and the contract read by
    # reference from process version 6 instead of carrying it in their inputs.
    data_path: str = ""


def quote_number(lead_id: str, issued_on: date, version: int) -> str:
    """Stable and unique per sale and version: `Q-2026-<lead>-v2`."""
    return f"Q-{issued_on.year}-{lead_id}-v{version}"
