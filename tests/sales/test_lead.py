"""Leads: deterministic ids, header-safe text, CSV rows with named errors."""

import pytest

from sales.items import ItemOfInterest
from sales.lead import Lead, lead_id_for_email
from sales.leads_csv import LeadFileError, parse_leads
from sales.playbook import QualificationRules
from sales.qualification import QualificationDecision, assess


def test_lead_id_is_derived_from_the_normalised_email() -> None:
    assert lead_id_for_email(" Anna.Becker@Rheinstahl.example ") == lead_id_for_email(
        "anna.becker@rheinstahl.example"
    )
    assert lead_id_for_email("a.b@x.example") != lead_id_for_email("a-b@x.example")
    assert Lead(email="anna.becker@rheinstahl.example").lead_id.startswith(
        "anna-becker-rheinstahl-example-"
    )


def test_line_breaks_in_lead_data_are_flattened() -> None:
    lead = Lead(email="x@y.example", company="Acme\r\nBcc: evil@z.example")
    assert lead.company == "Acme Bcc: evil@z.example"


def test_csv_rows_with_problems_are_named_by_line_and_the_rest_are_kept() -> None:
    parsed = parse_leads(
        "email,company,lead_id\na@x.example,X,\n,Nobody,\nb@y.example,Y,Bad Id!\n",
        default_source="convention:test",
    )
    assert [lead.email for lead in parsed.leads] == ["a@x.example"]
    assert parsed.leads[0].source == "convention:test"
    assert next(str(e) for e in parsed.errors).startswith("line 3: email:")
    assert str(parsed.errors[1]).startswith("line 4: lead_id:")


def test_a_trade_restriction_decides_before_any_other_rule() -> None:
    rules = QualificationRules(required_fields=["email", "company"], blocked_countries=["KP"])
    assessment = assess(Lead(email="kim@pyongyang.example", country="kp"), rules)
    assert assessment.decision is QualificationDecision.DISQUALIFIED
    assert assessment.restriction == "country KP (North Korea) is under a trade restriction"


def test_rule_findings_list_every_reason() -> None:
    rules = QualificationRules(required_fields=["email", "company", "title"])
    assessment = assess(Lead(email="kim@pyongyang.example"), rules)
    assert assessment.reasons == ["missing company", "missing title"]
    assert assessment.restriction is None


def test_csv_rows_carry_their_items_and_playbook() -> None:
    parsed = parse_leads(
        "email,company,items,playbook\n"
        'a@x.example,X,"nw-sensor-100=10; nw-platform=1",quick\n'
        "b@y.example,Y,,\n"
    )
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.line, first.playbook) == (2, "quick")
    assert first.lead.items == [
        ItemOfInterest(sku="NW-SENSOR-100", quantity=10),
        ItemOfInterest(sku="NW-PLATFORM", quantity=1),
    ]
    # An empty cell: no items, and the command's default playbook.
    assert (second.line, second.playbook, second.lead.items) == (3, None, [])


def test_a_bad_items_cell_is_a_row_error_naming_the_line() -> None:
    parsed = parse_leads(
        "email,items\na@x.example,nw-sensor-100\nb@y.example,nw-sensor-100=0\nc@z.example,x=1\n"
    )
    assert [str(error) for error in parsed.errors] == [
        "line 2: items: item 'nw-sensor-100' is not SKU=QUANTITY, e.g. NW-SENSOR-100=10",
        "line 3: items: item 'nw-sensor-100=0': quantity must be at least 1",
    ]
    assert [row.lead.email for row in parsed.rows] == ["c@z.example"]


def test_a_country_given_by_name_in_the_csv_becomes_its_code() -> None:
    parsed = parse_leads(
        "email,country\na@x.example,Netherlands\nb@y.example,Österreich\nc@z.example,gb\n"
    )
    assert [lead.country for lead in parsed.leads] == ["NL", "AT", "GB"]


def test_an_unknown_country_in_the_csv_is_a_row_error_naming_the_field() -> None:
    parsed = parse_leads("email,country\na@x.example,Atlantis\nb@y.example,Germnay\n")
    assert parsed.rows == []
    first, second = (str(error) for error in parsed.errors)
    assert first.startswith("line 2: country: ")
    assert first.endswith(
        "unknown country 'Atlantis': give an ISO 3166 code such as DE or a country name"
    )
    assert second.startswith("line 3: country: ")
    assert second.endswith("; did you mean Germany (DE)?")


def test_a_column_that_is_no_field_is_kept_in_the_notes() -> None:
    parsed = parse_leads("email,notes,playbok,Booth\na@x.example,met twice,quick,B12\n")
    assert parsed.errors == []
    assert parsed.rows[0].lead.notes == "met twice; playbok: quick; Booth: B12"
    assert parsed.rows[0].playbook is None


def test_a_file_without_an_email_column_is_refused_naming_its_columns() -> None:
    with pytest.raises(LeadFileError) as raised:
        parse_leads("Name,Firma\nAnna,Acme\n")
    assert str(raised.value) == (
        "no email column (columns found: 'Name', 'Firma'); name one with --map COLUMN=email"
    )


def test_a_row_whose_cell_runs_over_lines_is_named_by_the_line_it_starts_on() -> None:
    parsed = parse_leads(
        'email,company,items\na@x.example,X,"NW-SENSOR-100=1;\nNW-MANUAL=2"\nb@y.example,Y,"oops\n"\n'
    )
    assert [(row.line, row.lead.email) for row in parsed.rows] == [(2, "a@x.example")]
    assert [str(e) for e in parsed.errors] == [
        "line 4: items: item 'oops' is not SKU=QUANTITY, e.g. NW-SENSOR-100=10"
    ]
