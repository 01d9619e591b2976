"""The UI's current details: where a sale stands, and nobody's address or name."""

from sales.lead import Lead
from sales.qualification import Assessment, QualificationDecision
from sales.state import SaleState
from workflows.sale.details import details_of


def test_details_show_the_decision_but_no_address_or_name() -> None:
    lead = Lead(email="anna.becker@rheinstahl.example", first_name="Anna", last_name="Becker")
    opted_out = "anna.becker@rheinstahl.example suppressed since 2026-11-27 by unsubscribe link"
    state = SaleState(
        workflow_id=f"sale-{lead.lead_id}",
        lead=lead,
        playbook="default",
        qualification=Assessment(
            decision=QualificationDecision.DISQUALIFIED,
            reasons=[opted_out, "Anna Becker asked for no calls"],
        ),
        qualified_by="Sam Keller",
    )
    details = details_of(state)
    assert "**Qualification:** disqualified, decided by a seller: (address) suppressed" in details
    for personal in ("anna.becker@", "Anna", "Becker", "Sam Keller"):
        assert personal not in details
