"""Quote totals, hand-checked, including the awkward cases finance teams complain about."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from sales.catalog import load_catalog
from sales.events import ItemOfInterest, NeedsIdentified
from sales.lead import Lead
from sales.money import format_money, round_money
from sales.playbook import Playbook, PurchasingProcedure, RoundingPolicy, load_playbook
from sales.pricing import priced_quote
from sales.quote import PricingError, price_lines, total_lines
from sales.requests import QuoteRequest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog(ROOT / "catalog" / "products.toml")
DEFAULT = load_playbook(ROOT / "playbooks", "default")


def playbook(
    currency: str = "EUR", rounding: RoundingPolicy = RoundingPolicy.PER_LINE, **rates: int
) -> Playbook:
    tax_rates = {
        "default": {
            k: Decimal(v)
            for k, v in (rates or {"standard": 19, "reduced": 7, "services": 19}).items()
        }
    }
    proposal = DEFAULT.proposal.model_copy(update={"rounding": rounding})
    return DEFAULT.model_copy(
        update={"currency": currency, "tax_rates": tax_rates, "proposal": proposal}
    )


def quote(
    pb: Playbook, items: list[tuple[str, int, str | None]], discount: str = "0"
) -> tuple[Decimal, ...]:
    lines = price_lines(
        [
            ItemOfInterest(sku=s, quantity=q, discount_percent=Decimal(d) if d else None)
            for s, q, d in items
        ],
        CATALOG,
        pb,
        "DE",
    )
    totals = total_lines(lines, Decimal(discount), pb.currency)
    taxes = sum((t.amount for t in totals.taxes), Decimal(0))
    return totals.subtotal, totals.discount, totals.net, taxes, totals.total


@pytest.mark.parametrize("rounding", list(RoundingPolicy))
def test_three_times_19_99_with_7_5_percent_off_and_21_percent_vat(
    rounding: RoundingPolicy,
) -> None:
    # 3 x 19.99 = 59.97; 7.5 % off = 55.47225 -> 55.47; VAT 21 % = 11.6487 -> 11.65; 67.12
    pb = playbook(rounding=rounding, reduced=21)
    assert quote(pb, [("NW-MANUAL", 3, "7.5")]) == (
        Decimal("55.47"),
        Decimal("0.00"),
        Decimal("55.47"),
        Decimal("11.65"),
        Decimal("67.12"),
    )


def test_jpy_has_no_minor_unit_and_rounds_half_up() -> None:
    # 24000 x 1, 3.3 % off = 23208; tax 19 % = 4409.52 -> 4410; total 27618
    assert quote(playbook("JPY"), [("NW-SENSOR-100", 1, "3.3")]) == (
        Decimal("23208"),
        Decimal("0"),
        Decimal("23208"),
        Decimal("4410"),
        Decimal("27618"),
    )


def test_kwd_keeps_three_decimals() -> None:
    # 6.750 x 3 = 20.250; 7.5 % off = 18.73125 -> 18.731; tax 7 % = 1.31117 -> 1.311; 20.042
    assert quote(playbook("KWD"), [("NW-MANUAL", 3, "7.5")]) == (
        Decimal("18.731"),
        Decimal("0.000"),
        Decimal("18.731"),
        Decimal("1.311"),
        Decimal("20.042"),
    )


def test_a_100_percent_discount_line_is_free_and_the_rest_is_taxed() -> None:
    # sensors free; platform 4800.00; quote discount 5 % = 240.00; net 4560.00; tax 19 % = 866.40
    assert quote(playbook(), [("NW-SENSOR-100", 2, "100"), ("NW-PLATFORM", 1, None)], "5") == (
        Decimal("4800.00"),
        Decimal("240.00"),
        Decimal("4560.00"),
        Decimal("866.40"),
        Decimal("5426.40"),
    )


def test_tax_bases_add_up_to_the_net_across_categories() -> None:
    pb = playbook(standard=19, reduced=7, services=19)
    lines = price_lines(
        [
            ItemOfInterest(sku="NW-MANUAL", quantity=7),
            ItemOfInterest(sku="NW-SENSOR-100", quantity=3),
        ],
        CATALOG,
        pb,
        "DE",
    )
    totals = total_lines(lines, Decimal("3.3"), "EUR")
    assert sum(t.base for t in totals.taxes) == totals.net
    assert totals.total == totals.net + sum(t.amount for t in totals.taxes)


def test_unknown_sku_and_missing_currency_are_named() -> None:
    with pytest.raises(PricingError, match="unknown sku 'NOPE'"):
        price_lines([ItemOfInterest(sku="NOPE", quantity=1)], CATALOG, playbook(), "DE")
    with pytest.raises(PricingError, match="NW-SENSOR-100 has no GBP price"):
        price_lines(
            [ItemOfInterest(sku="NW-SENSOR-100", quantity=1)], CATALOG, playbook("GBP"), "DE"
        )


def test_money_rounds_half_up_per_currency_and_formats_the_code() -> None:
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("0.5"), "JPY") == Decimal("1")
    assert round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert format_money(Decimal("1234.5"), "EUR") == "EUR 1,234.50"


def test_amount_discounts_per_line_and_on_the_quote_come_before_tax() -> None:
    # sensors 2 x 149.00 = 298.00 less 50.00 = 248.00; platform 4800.00; subtotal 5048.00
    # quote discount 48.00 -> net 5000.00; standard base 248 x 5000/5048 = 245.64 -> tax 46.67;
    # services base 5000.00 - 245.64 = 4754.36 -> tax 903.33; total 5950.00
    lines = price_lines(
        [
            ItemOfInterest(sku="NW-SENSOR-100", quantity=2, discount_amount=Decimal(50)),
            ItemOfInterest(sku="NW-PLATFORM", quantity=1),
        ],
        CATALOG,
        playbook(),
        "DE",
    )
    totals = total_lines(lines, Decimal(0), "EUR", discount_amount=Decimal(48))
    assert (totals.subtotal, totals.discount, totals.net) == (
        Decimal("5048.00"),
        Decimal("48.00"),
        Decimal("5000.00"),
    )
    assert [(t.base, t.amount) for t in totals.taxes] == [
        (Decimal("4754.36"), Decimal("903.33")),
        (Decimal("245.64"), Decimal("46.67")),
    ]
    assert totals.total == Decimal("5950.00")
    # list 5098.00, net 5000.00: 98.00 given away = 1.92 %
    assert totals.effective_discount_percent == Decimal("1.92")


def test_a_discount_larger_than_what_it_applies_to_is_refused() -> None:
    with pytest.raises(PricingError, match=r"discount 200 exceeds the line's 149\.00"):
        price_lines(
            [ItemOfInterest(sku="NW-SENSOR-100", quantity=1, discount_amount=Decimal(200))],
            CATALOG,
            playbook(),
            "DE",
        )
    lines = price_lines([ItemOfInterest(sku="NW-MANUAL", quantity=1)], CATALOG, playbook(), "DE")
    with pytest.raises(PricingError, match="exceeds the subtotal"):
        total_lines(lines, Decimal(0), "EUR", discount_amount=Decimal(20))


@pytest.mark.parametrize(
    ("rounding", "nets", "subtotal", "standard_tax", "total"),
    [
        # Each line rounded: 55.47225 -> 55.47, 144.083 -> 144.08; the subtotal adds those.
        (RoundingPolicy.PER_LINE, ("55.47", "144.08"), "199.55", "27.38", "230.81"),
        # Lines exact: 55.47225 + 144.083 = 199.55525 -> 199.56; the last tax base takes
        # the cent (199.56 - 55.47 = 144.09), so the printed figures still add up.
        (RoundingPolicy.TOTAL, ("55.47225", "144.083"), "199.56", "27.38", "230.82"),
    ],
)
def test_the_rounding_policy_rounds_each_line_or_only_the_totals(
    rounding: RoundingPolicy, nets: tuple[str, str], subtotal: str, standard_tax: str, total: str
) -> None:
    # 3 x 19.99 = 59.97 less 7.5 % = 55.47225 (reduced, 7 %); 149.00 less 3.3 % = 144.083 (19 %)
    pb = playbook(rounding=rounding)
    lines = price_lines(
        [
            ItemOfInterest(sku="NW-MANUAL", quantity=3, discount_percent=Decimal("7.5")),
            ItemOfInterest(sku="NW-SENSOR-100", quantity=1, discount_percent=Decimal("3.3")),
        ],
        CATALOG,
        pb,
        "DE",
    )
    totals = total_lines(lines, Decimal(0), "EUR")
    assert tuple(line.net for line in lines) == tuple(Decimal(n) for n in nets)
    assert (totals.subtotal, totals.net) == (Decimal(subtotal), Decimal(subtotal))
    assert [(t.category, t.amount) for t in totals.taxes] == [
        ("reduced", Decimal("3.88")),
        ("standard", Decimal(standard_tax)),
    ]
    assert totals.total == Decimal(total)
    assert totals.total == totals.net + sum(t.amount for t in totals.taxes)


def test_a_quote_priced_for_a_sale_follows_its_playbooks_rounding_policy() -> None:
    items = [
        ItemOfInterest(sku="NW-MANUAL", quantity=3, discount_percent=Decimal("7.5")),
        ItemOfInterest(sku="NW-SENSOR-100", quantity=1, discount_percent=Decimal("3.3")),
    ]
    totals: dict[RoundingPolicy, Decimal] = {}
    for rounding in RoundingPolicy:
        request = QuoteRequest(
            workflow_id="sale-x",
            lead=Lead(lead_id="x", email="anna@acme.example", country="DE"),
            playbook=playbook(rounding=rounding),
            version=1,
            issued_on=date(2026, 3, 14),
            items=items,
            discount_percent=Decimal(0),
            purchasing_procedure=PurchasingProcedure.QUOTE,
            needs=NeedsIdentified(summary="manuals and a sensor", items=items),
        )
        quote = priced_quote(request, CATALOG)
        assert quote.rounding is rounding
        totals[rounding] = quote.totals.total
    assert totals == {
        RoundingPolicy.PER_LINE: Decimal("230.81"),
        RoundingPolicy.TOTAL: Decimal("230.82"),
    }


def test_a_quote_of_free_items_with_a_zero_discount_amount_costs_nothing() -> None:
    # Found by `make mutants` (sales.quote.x_total_lines__mutmut_22/25/26): the zero-subtotal
    # branch of an amount discount was never run.
    lines = price_lines(
        [ItemOfInterest(sku="NW-SENSOR-100", quantity=3, discount_percent=Decimal(100))],
        CATALOG,
        playbook(),
        "DE",
    )
    totals = total_lines(lines, Decimal(0), "EUR", discount_amount=Decimal(0))
    assert (totals.subtotal, totals.discount, totals.net, totals.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert all(tax.base == 0 and tax.amount == 0 for tax in totals.taxes)
