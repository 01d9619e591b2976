"""Money rules: Decimal amounts rounded to the currency's ISO 4217 minor units, half up.

One policy for the whole product: amounts are never floats, every rounding is
ROUND_HALF_UP to the currency's minor unit, and no function adds two currencies.
"""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units of the currencies a playbook may quote in.
MINOR_UNITS: dict[str, int] = {
    "AUD": 2,
    "BHD": 3,
    "CAD": 2,
    "CHF": 2,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HUF": 2,
    "INR": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "NOK": 2,
    "OMR": 3,
    "PLN": 2,
    "SEK": 2,
    "TND": 3,
    "USD": 2,
}

HUNDRED = Decimal(100)


class CurrencyError(ValueError):
    """A currency the product does not know, or a sum across two currencies."""


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        known = ", ".join(sorted(MINOR_UNITS))
        raise CurrencyError(f"unknown currency {currency!r}; known: {known}") from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up (2.345 EUR -> 2.35)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """The unrounded share `percent` % of `amount`."""
    return amount * percent / HUNDRED


def format_money(amount: Decimal, currency: str) -> str:
    """`1234.5, EUR` -> `EUR 1,234.50`, at the currency's minor units."""
    rounded = round_money(amount, currency)
    return f"{currency} {rounded:,.{minor_units(currency)}f}"
