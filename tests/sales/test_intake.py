"""Leads at the door: an address no email can reach is refused, a field on two lines flattened."""

import pytest

from sales.intake import LeadRefused, address_problem, admit_lead


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("juan@", "There must be something after the @-sign."),
        ("lucia at empresa.es", "An email address must have an @-sign."),
        ("ana@empresa", "The part after the @-sign is not valid. It should have a period."),
    ],
)
def test_an_address_no_email_can_reach_is_refused_naming_field_value_and_why(
    address: str, why: str
) -> None:
    assert address_problem(address) == why
    with pytest.raises(LeadRefused) as refused:
        admit_lead({"email": address, "company": "Talleres"}, lead_id_key=None)
    assert str(refused.value) == f"email: {address!r} cannot be mailed: {why}"


def test_a_mailable_address_passes_without_a_dns_lookup() -> None:
    assert address_problem("buyer@polderpack.example") is None  # no such domain on the internet
    admitted = admit_lead({"email": "buyer@polderpack.example"}, lead_id_key=None)
    assert admitted.flattened == () and admitted.notice() is None


def test_fields_on_several_lines_are_flattened_and_named() -> None:
    admitted = admit_lead(
        {
            "email": "marta@ruiz.example",
            "first_name": "Marta\u2028Luisa",
            "company": "Ruiz Ingeniería\r\nS.L.",
            "notes": "met\tat the booth",  # a tab is no line break: tidied, not reported
        },
        lead_id_key=None,
    )
    lead = admitted.lead
    assert (lead.first_name, lead.company, lead.notes) == (
        "Marta Luisa",
        "Ruiz Ingeniería S.L.",
        "met at the booth",
    )
    assert admitted.flattened == ("first_name", "company")
    assert admitted.notice() == "first_name, company: line breaks flattened to one line"


def test_a_field_that_does_not_validate_is_named_as_before() -> None:
    with pytest.raises(LeadRefused) as refused:
        admit_lead({"email": "a@b.example", "country": "Atlantis"}, lead_id_key=None)
    assert str(refused.value).startswith("country: unknown country 'Atlantis'")
