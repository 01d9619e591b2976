"""Items typed as SKU=QUANTITY on a command line or in a CSV cell."""

import pytest
from pydantic import ValidationError

from sales.items import ItemOfInterest, parse_item, parse_items


def test_an_item_is_a_sku_and_a_whole_quantity() -> None:
    assert parse_item("nw-sensor-100=10") == ItemOfInterest(sku="NW-SENSOR-100", quantity=10)
    assert parse_item("  NW-Platform = 1 ") == ItemOfInterest(sku="NW-PLATFORM", quantity=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nw-sensor-100", "item 'nw-sensor-100' is not SKU=QUANTITY, e.g. NW-SENSOR-100=10"),
        (" =3", "item '=3' is not SKU=QUANTITY, e.g. NW-SENSOR-100=10"),
        ("nw-sensor-100= ", "item 'nw-sensor-100=' is not SKU=QUANTITY, e.g. NW-SENSOR-100=10"),
        ("nw-sensor-100=ten", "item 'nw-sensor-100=ten': quantity 'ten' is not a whole number"),
        ("nw-sensor-100=2.5", "item 'nw-sensor-100=2.5': quantity '2.5' is not a whole number"),
        ("nw-sensor-100=0", "item 'nw-sensor-100=0': quantity must be at least 1"),
        ("nw-sensor-100=-3", "item 'nw-sensor-100=-3': quantity '-3' is not a whole number"),
    ],
)
def test_what_is_not_an_item_is_named(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_item(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "nw-sensor-100=10; nw-platform=1",
        "nw-sensor-100=10,nw-platform=1",
        "nw-sensor-100=10\nnw-platform=1\n",
        "; nw-sensor-100=10;;\n, nw-platform=1 ;",
    ],
)
def test_items_in_one_cell_are_split_on_semicolons_commas_and_lines(text: str) -> None:
    assert parse_items(text) == [
        ItemOfInterest(sku="NW-SENSOR-100", quantity=10),
        ItemOfInterest(sku="NW-PLATFORM", quantity=1),
    ]


@pytest.mark.parametrize("text", ["", "   ", ";", " ; , \n"])
def test_an_empty_cell_has_no_items(text: str) -> None:
    assert parse_items(text) == []


def test_one_bad_item_in_a_cell_is_named() -> None:
    with pytest.raises(ValueError, match=r"^item 'nw-platform=x': quantity 'x' is not a whole"):
        parse_items("nw-sensor-100=10; nw-platform=x")
    # A thousands separator splits the cell: the stray part is named rather than misread.
    with pytest.raises(ValueError, match=r"^item '000' is not SKU=QUANTITY"):
        parse_items("nw-sensor-100=1,000")


def test_a_line_has_one_kind_of_discount() -> None:
    with pytest.raises(ValidationError, match="give discount_percent or discount_amount, not both"):
        ItemOfInterest(sku="NW-PLATFORM", quantity=1, discount_percent=5, discount_amount=10)
    with pytest.raises(ValidationError, match="quantity"):
        ItemOfInterest(sku="NW-PLATFORM", quantity=0)
