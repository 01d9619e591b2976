"""Leads: deterministic ids, header-safe text, CSV rows with named errors."""

from sales.lead import Lead, lead_id_for_email
from sales.leads_csv import parse_leads
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
