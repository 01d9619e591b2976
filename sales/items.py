"""Items a prospect wants: a catalog sku, a quantity and an optional discount."""

import re
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sales.limits import NonEmpty

Percent = Annotated[Decimal, Field(ge=0, le=100)]
Money = Annotated[Decimal, Field(ge=0)]
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: no 1_000, +3 or other scripts' digits


def one_discount(percent: Decimal | None, amount: Decimal | None) -> None:
    """A line or a quote has a percent or an amount off, never both."""
    if percent is not None and amount is not None:
        raise ValueError("give discount_percent or discount_amount, not both")


class ItemOfInterest(BaseModel):
    """A catalog sku and how many of it the prospect wants."""

    model_config = ConfigDict(extra="forbid")

    sku: NonEmpty
    quantity: int = Field(gt=0, le=1_000_000)
    discount_percent: Percent | None = None
    discount_amount: Money | None = None

    @model_validator(mode="after")
    def _one_kind_of_discount(self) -> "ItemOfInterest":
        one_discount(self.discount_percent, self.discount_amount)
        return self


def parse_item(text: str) -> ItemOfInterest:
    """`SKU=QTY` as typed on a command line or in a CSV cell; ValueError names what is wrong."""
    sku, sep, quantity = text.strip().partition("=")
    if not sep or not sku.strip() or not quantity.strip():
        raise ValueError(f"item {text.strip()!r} is not SKU=QUANTITY, e.g. NW-SENSOR-100=10")
    if not _DIGITS.fullmatch(quantity.strip()):
        raise ValueError(
            f"item {text.strip()!r}: quantity {quantity.strip()!r} is not a whole number"
        )
    count = int(quantity)
    if count <= 0:
        raise ValueError(f"item {text.strip()!r}: quantity must be at least 1")
    return ItemOfInterest(sku=sku.strip().upper(), quantity=count)


def parse_items(text: str) -> list[ItemOfInterest]:
    """Items in one cell, separated by `;`, `,` or new lines: `NW-SENSOR-100=10; NW-PLATFORM=1`."""
    parts = [p for p in text.replace("\n", ";").replace(",", ";").split(";") if p.strip()]
    return [parse_item(part) for part in parts]
