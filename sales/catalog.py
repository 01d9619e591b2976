"""The product catalog: what a seller may quote, at which unit price per currency."""

import tomllib
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sales.errors import describe
from sales.money import minor_units


class Product(BaseModel):
    """One sellable item with its unit price in each currency it is sold in."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]*$")
    name: str = Field(min_length=1)
    description: str = ""
    unit: str = "unit"
    tax_category: str = "standard"
    dual_use: bool = Field(
        default=False, description="export-controlled: civil and military use (export_license gate)"
    )
    export_classification: str = Field(default="", description="e.g. an ECCN such as 5A002")
    prices: dict[str, Decimal]

    @field_validator("prices")
    @classmethod
    def _prices_are_money(cls, prices: dict[str, Decimal]) -> dict[str, Decimal]:
        for currency, price in prices.items():
            places = minor_units(currency)
            if price < 0:
                raise ValueError(f"{currency} price {price} is negative")
            if -price.as_tuple().exponent > places:  # type: ignore[operator]
                raise ValueError(f"{currency} price {price} has more than {places} decimals")
        return prices


class Catalog(BaseModel):
    """Every product by sku; skus are unique."""

    model_config = ConfigDict(extra="forbid")

    products: list[Product]

    @model_validator(mode="after")
    def _unique_skus(self) -> "Catalog":
        seen: set[str] = set()
        for product in self.products:
            if product.sku in seen:
                raise ValueError(f"sku {product.sku} appears twice")
            seen.add(product.sku)
        return self

    def get(self, sku: str) -> Product | None:
        return next((p for p in self.products if p.sku == sku), None)


class CatalogError(ValueError):
    """The catalog file cannot be read or does not validate."""


def load_catalog(path: Path) -> Catalog:
    """Read and validate a catalog TOML file, naming the file in any error."""
    try:
        return Catalog.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise CatalogError(f"{path}: {err}") from err
    except ValidationError as err:
        raise CatalogError(f"{path}: {describe(err)}") from err
