"""Gates' rules: which goods need an export licence, and what the credit rules decide."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from sales.gates import CreditCheckGate, CreditDecision, ExportLicenseGate


def test_export_destinations_given_by_name_are_iso_codes() -> None:
    gate = ExportLicenseGate(destinations=["China", "in", "TUR", "Vereinigte Arabische Emirate"])
    assert gate.destinations == ["CN", "IN", "TR", "AE"]


def test_an_export_gate_needs_a_destination_it_knows() -> None:
    with pytest.raises(ValidationError, match="destinations"):
        ExportLicenseGate(destinations=[])
    with pytest.raises(ValidationError, match="unknown country 'Atlantis'"):
        ExportLicenseGate(destinations=["Atlantis"])


@pytest.mark.parametrize(
    ("country", "dual_use", "needed"),
    [
        ("CN", [False, True], True),  # one dual-use item to a listed destination
        ("CN", [False, False], False),  # nothing dual-use
        ("CN", [], False),
        ("DE", [True], False),  # not a listed destination
        (None, [True], False),  # no country on the lead
    ],
)
def test_dual_use_goods_to_a_listed_destination_need_a_licence(
    country: str | None, dual_use: list[bool], needed: bool
) -> None:
    gate = ExportLicenseGate(destinations=["CN", "IN"])
    assert gate.needs_license(country, dual_use) is needed


@pytest.mark.parametrize(
    ("country", "dual_use", "needed"),
    [("CN", [False], True), ("CN", [False, True], True), ("DE", [True], False)],
)
def test_with_all_goods_every_item_to_a_listed_destination_needs_one(
    country: str, dual_use: list[bool], needed: bool
) -> None:
    gate = ExportLicenseGate(destinations=["CN"], all_goods=True)
    assert gate.needs_license(country, dual_use) is needed


def test_the_credit_check_applies_from_its_amount() -> None:
    gate = CreditCheckGate(above=Decimal(20000))
    assert gate.applies(Decimal("19999.99")) is False
    assert gate.applies(Decimal("20000.00")) is True
    assert gate.applies(Decimal("20000.01")) is True
    # Without an amount every first order is checked.
    assert CreditCheckGate().applies(Decimal(0)) is True


ENTERPRISE = CreditCheckGate(
    above=Decimal(20000),
    auto_approve_up_to=Decimal(60000),
    refer_countries=["Turkey", "EG"],
)


def test_refer_countries_given_by_name_are_iso_codes() -> None:
    assert ENTERPRISE.refer_countries == ["TR", "EG"]


@pytest.mark.parametrize(
    ("net", "country", "decision"),
    [
        (
            "48000.00",
            "DE",
            CreditDecision(
                approved=True, reason="EUR 48000.00 is within the automatic limit of 60000"
            ),
        ),
        (
            "60000.00",
            None,
            CreditDecision(
                approved=True, reason="EUR 60000.00 is within the automatic limit of 60000"
            ),
        ),
        (
            "60000.01",
            "DE",
            CreditDecision(
                approved=False, reason="EUR 60000.01 is above the automatic limit of 60000"
            ),
        ),
        (
            "25000.00",
            "TR",
            CreditDecision(approved=False, reason="buyers in TR need a person's review"),
        ),
    ],
)
def test_the_credit_rules_approve_or_refer_with_the_reason(
    net: str, country: str | None, decision: CreditDecision
) -> None:
    assert ENTERPRISE.decide(Decimal(net), "EUR", country) == decision


def test_a_refer_country_goes_to_a_person_however_small_the_deal() -> None:
    decision = ENTERPRISE.decide(Decimal("1.00"), "EUR", "EG")
    assert decision == CreditDecision(approved=False, reason="buyers in EG need a person's review")


def test_without_an_automatic_limit_a_person_decides() -> None:
    gate = CreditCheckGate(above=Decimal(1000))
    assert gate.decide(Decimal("1500.00"), "USD", "US") == CreditDecision(
        approved=False, reason="this playbook has a person decide on credit"
    )


def test_amounts_are_never_negative() -> None:
    with pytest.raises(ValidationError, match="above"):
        CreditCheckGate(above=Decimal(-1))
    with pytest.raises(ValidationError, match="auto_approve_up_to"):
        CreditCheckGate(auto_approve_up_to=Decimal("-0.01"))
