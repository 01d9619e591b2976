"""Viability rules: is a lead worth contacting under a playbook's policy and restrictions?"""

from email_validator import EmailNotValidError, validate_email

from sales.lead import Lead
from sales.playbook import QualificationRules


def assess_viability(lead: Lead, rules: QualificationRules) -> list[str]:
    """Every reason the lead is not viable; an empty list means viable."""
    reasons: list[str] = []
    try:
        validate_email(lead.email, check_deliverability=False)
    except EmailNotValidError as err:
        reasons.append(f"invalid email {lead.email!r}: {err}")
    for field in rules.required_fields:
        if not getattr(lead, field, None):
            reasons.append(f"missing {field}")
    domain = lead.email_domain
    for blocked in rules.blocked_domains:
        blocked = blocked.lower()
        if domain == blocked or domain.endswith("." + blocked):
            reasons.append(f"email domain {domain} is blocked by the playbook")
    if lead.country and lead.country in {c.upper() for c in rules.blocked_countries}:
        reasons.append(f"country {lead.country} is under a trade restriction")
    return reasons
