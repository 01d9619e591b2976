"""Lead ids with personal data protected: a keyed hash of the address, stable and opaque."""

import re

from sales.lead import LEAD_ID_PATTERN, Lead, lead_id_context, lead_id_for_email
from sales.leads_csv import parse_leads

KEY = b"a-stable-lead-id-secret"


def test_a_keyed_lead_id_names_nobody_and_recognises_the_same_address() -> None:
    lead_id = lead_id_for_email(" Anna.Becker@Rheinstahl.example ", KEY)
    assert lead_id == lead_id_for_email("anna.becker@rheinstahl.example", KEY)
    assert re.fullmatch(r"lead-[0-9a-f]{32}", lead_id) and re.fullmatch(LEAD_ID_PATTERN, lead_id)
    assert "anna" not in lead_id and "rheinstahl" not in lead_id
    assert lead_id != lead_id_for_email("anna.becker@rheinstahl.example", b"another key")
    assert lead_id_for_email("anna.becker@rheinstahl.example").startswith("anna-becker-")


def test_leads_take_the_key_from_the_validation_context_and_keep_a_given_id() -> None:
    context = lead_id_context(KEY)
    lead = Lead.model_validate({"email": "anna@x.example"}, context=context)
    assert lead.lead_id == lead_id_for_email("anna@x.example", KEY)
    # Decoded again (as a worker does, without the key) the id stays what it was.
    assert Lead.model_validate(lead.model_dump()).lead_id == lead.lead_id
    given = Lead.model_validate({"email": "anna@x.example", "lead_id": "crm-42"}, context=context)
    assert given.lead_id == "crm-42"


def test_a_card_file_read_with_the_key_finds_duplicates_the_same_way() -> None:
    parsed = parse_leads(
        "email,name\nanna@x.example,Anna B\nANNA@X.example,Anna\n", lead_id_key=KEY
    )
    assert [row.lead.lead_id for row in parsed.rows] == [lead_id_for_email("anna@x.example", KEY)]
    assert len(parsed.duplicates) == 1
