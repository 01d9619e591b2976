"""Qualification: is a lead worth contacting under a playbook's policy and restrictions?

Three kinds of findings, in order of weight: a restriction (an embargoed
country, a restricted party) disqualifies and no seller may override it; a
rule (an invalid or blocked address, a missing field, free mail for B2B)
disqualifies unless a seller says otherwise; the score, where the playbook
has one, qualifies, asks a seller, or disqualifies.
"""

import re
from collections.abc import Collection
from enum import StrEnum

from pydantic import BaseModel, Field

from sales.countries import country_name
from sales.intake import address_problem
from sales.lead import Lead
from sales.policies import LeadScore, QualificationMode, QualificationRules
from sales.screening import ScreeningList


class QualificationDecision(StrEnum):
    """What the rules decide: go ahead, ask a seller, or stop."""

    QUALIFIED = "qualified"
    ASK_SELLER = "ask_seller"
    DISQUALIFIED = "disqualified"


class Assessment(BaseModel):
    """What the rules found about a lead: the decision, every reason, the score, any restriction."""

    decision: QualificationDecision
    reasons: list[str] = []
    restriction: str | None = None
    opted_out: str | None = Field(
        default=None, description="the address is on the opt-out list: since when, why"
    )
    score: int | None = None
    score_details: list[str] = []


def assess(
    lead: Lead,
    rules: QualificationRules,
    *,
    screening: ScreeningList | None = None,
    free_mail_domains: Collection[str] = (),
) -> Assessment:
    """Apply every rule of the playbook to the lead; reasons name what decided."""
    restrictions = _restrictions(lead, rules, screening)
    if restrictions:
        return Assessment(
            decision=QualificationDecision.DISQUALIFIED,
            reasons=restrictions,
            restriction=restrictions[0],
        )
    reasons = _rule_findings(lead, rules, free_mail_domains)
    if reasons:
        return Assessment(decision=QualificationDecision.DISQUALIFIED, reasons=reasons)
    review = _possible_matches(lead, rules, screening)
    score, details = _score(lead, rules.score, free_mail_domains)
    decision = QualificationDecision.QUALIFIED
    if rules.score is not None and score is not None:
        if score < rules.score.disqualify_below:
            decision = QualificationDecision.DISQUALIFIED
            reasons.append(f"score {score} is below {rules.score.disqualify_below}")
        elif score < rules.score.qualify_at:
            decision = QualificationDecision.ASK_SELLER
            reasons.append(f"score {score} is between the thresholds: a seller decides")
        else:
            reasons.append(f"score {score} reaches {rules.score.qualify_at}")
    if decision is QualificationDecision.QUALIFIED and review:
        decision = QualificationDecision.ASK_SELLER
    reasons += review
    if decision is QualificationDecision.QUALIFIED and rules.mode is QualificationMode.SELLER:
        decision = QualificationDecision.ASK_SELLER
        reasons.append("this playbook has a seller qualify every lead")
    return Assessment(decision=decision, reasons=reasons, score=score, score_details=details)


def _restrictions(
    lead: Lead, rules: QualificationRules, screening: ScreeningList | None
) -> list[str]:
    found: list[str] = []
    if lead.country and lead.country in rules.blocked_countries:
        found.append(
            f"country {lead.country} ({country_name(lead.country)}) is under a trade restriction"
        )
    if screening is not None:
        match = screening.match(company=lead.company, email=lead.email, website=lead.website)
        if match is not None:
            found.append(match.describe())
    return found


def _rule_findings(
    lead: Lead, rules: QualificationRules, free_mail_domains: Collection[str]
) -> list[str]:
    reasons: list[str] = []
    problem = address_problem(lead.email)
    if problem is not None:
        reasons.append(f"invalid email {lead.email!r}: {problem}")
    for field in rules.required_fields:
        if not getattr(lead, field, None):
            reasons.append(f"missing {field}")
    domain = lead.email_domain
    for blocked in rules.blocked_domains:
        if domain == blocked or domain.endswith("." + blocked):
            reasons.append(f"email domain {domain} is blocked by the playbook")
    if rules.refuse_free_mail and domain in free_mail_domains:
        reasons.append(f"{domain} is a free mail service; this playbook sells to businesses only")
    local = lead.email.partition("@")[0].lower()
    if rules.refuse_role_addresses and local in rules.role_addresses:
        reasons.append(f"{local}@ is a role address, not a person; find the buyer's own address")
    return reasons


def _possible_matches(
    lead: Lead, rules: QualificationRules, screening: ScreeningList | None
) -> list[str]:
    if screening is None or rules.screening_review_similarity is None or not lead.company:
        return []
    return [
        f"possible restricted party: {lead.company!r} resembles {entry.name!r} "
        f"(entry {entry.entry_id}, {entry.list_name}, similarity {similarity:.0f}); "
        "a seller must check and decide"
        for entry, similarity in screening.similar(lead.company, rules.screening_review_similarity)
    ]


def _score(
    lead: Lead, score: LeadScore | None, free_mail_domains: Collection[str]
) -> tuple[int | None, list[str]]:
    if score is None:
        return None, []
    details: list[str] = []
    title = (lead.title or "").lower()
    checks = [
        (score.company, "company", bool(lead.company)),
        (score.title, "title", bool(lead.title)),
        (score.decision_maker, "decision maker", _names_a_role(title, score.decision_maker_words)),
        (score.phone, "phone", bool(lead.phone)),
        (score.website, "website", bool(lead.website)),
        (score.business_email, "business email", lead.email_domain not in free_mail_domains),
        (
            score.industry,
            "target industry",
            (lead.industry or "").lower() in {i.lower() for i in score.target_industries},
        ),
        (score.country, "target country", lead.country in score.target_countries),
    ]
    total = 0
    for points, what, holds in checks:
        if holds and points:
            total += points
            details.append(f"+{points} {what}")
    return total, details


def _names_a_role(title: str, words: list[str]) -> bool:
    # Whole words only: "cto" must not be found inside "director".
    return any(re.search(rf"\b{re.escape(word.lower())}\b", title) for word in words)
