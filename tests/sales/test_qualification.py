"""Qualification: restrictions, then the playbook's rules, then the score; every reason named."""

from pathlib import Path
from typing import Any

import pytest

from sales.lead import Lead
from sales.policies import LeadScore, QualificationMode, QualificationRules
from sales.qualification import Assessment, QualificationDecision, assess
from sales.screening import ScreeningList, parse_screening_list

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "playbooks" / "screening" / "restricted-parties.csv"
FREE_MAIL = frozenset({"gmail.com", "web.de"})

QUALIFIED = QualificationDecision.QUALIFIED
ASK_SELLER = QualificationDecision.ASK_SELLER
DISQUALIFIED = QualificationDecision.DISQUALIFIED

SCORE = LeadScore(
    qualify_at=60,
    disqualify_below=20,
    target_industries=["Steel", "packaging"],
    target_countries=["Germany", "NL"],
)
VOLGA = (
    "company name 'Volga Precision Instruments' matches entry VPI-001 "
    "'Volga Precision Instruments OOO' (RU) on EU-FSF (fictional sample): "
    "supplies precision optics to a listed military end user (fictional)"
)
VOLGA_LOOKALIKE = (
    "possible restricted party: 'Volga Precision Instrument Works' resembles "
    "'Volga Precision Instruments OOO' (entry VPI-001, EU-FSF (fictional sample), similarity 88); "
    "a seller must check and decide"
)


@pytest.fixture(scope="module")
def screening() -> ScreeningList:
    return parse_screening_list(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED))


def lead(**fields: Any) -> Lead:
    """A clean lead: a business address and nothing else unless given."""
    return Lead(**{"email": "anna.becker@rheinstahl.example", **fields})


def full_card(**fields: Any) -> Lead:
    """A card with every detail the score counts: 90 points under SCORE."""
    values: dict[str, Any] = {
        "company": "Rheinstahl Maschinenbau GmbH",
        "title": "Purchasing Director",
        "phone": "+49 201 555 0100",
        "website": "https://rheinstahl.example",
        "industry": "steel",
        "country": "Deutschland",
        **fields,
    }
    return lead(**values)


def check(found: Lead, rules: QualificationRules, **kwargs: Any) -> Assessment:
    return assess(found, rules, free_mail_domains=FREE_MAIL, **kwargs)


def test_a_blocked_country_given_by_name_is_a_restriction() -> None:
    rules = QualificationRules(blocked_countries=["North Korea", "IR"])
    assert rules.blocked_countries == ["KP", "IR"]
    card = full_card(country="North Korea")
    assert card.country == "KP"
    assessment = check(card, rules.model_copy(update={"score": SCORE}))
    assert assessment.decision is DISQUALIFIED
    assert assessment.restriction == "country KP (North Korea) is under a trade restriction"
    assert assessment.reasons == ["country KP (North Korea) is under a trade restriction"]
    # A restriction ends the assessment: no score, whatever the card holds.
    assert assessment.score is None
    assert assessment.score_details == []


def test_a_restricted_party_is_disqualified_naming_the_entry(screening: ScreeningList) -> None:
    assessment = check(
        lead(company="Volga Precision Instruments"), QualificationRules(), screening=screening
    )
    assert assessment.decision is DISQUALIFIED
    assert assessment.restriction == VOLGA
    assert assessment.reasons == [VOLGA]


def test_a_restricted_domain_is_disqualified_even_for_a_seller(screening: ScreeningList) -> None:
    rules = QualificationRules(mode=QualificationMode.SELLER, score=SCORE)
    assessment = check(full_card(email="ivan@mail.hx-dual.example"), rules, screening=screening)
    assert assessment.decision is DISQUALIFIED
    assert assessment.restriction is not None
    assert assessment.restriction.startswith(
        "email domain 'mail.hx-dual.example' matches listed domain 'hx-dual.example' "
        "of entry HXE-005 "
    )


def test_every_restriction_is_a_reason_and_the_first_is_the_restriction(
    screening: ScreeningList,
) -> None:
    rules = QualificationRules(blocked_countries=["Russia"])
    assessment = check(
        lead(company="Volga Precision Instruments", country="RU"), rules, screening=screening
    )
    assert assessment.reasons == [
        "country RU (Russian Federation) is under a trade restriction",
        VOLGA,
    ]
    assert assessment.restriction == "country RU (Russian Federation) is under a trade restriction"


def test_a_clean_lead_is_qualified_with_no_reasons(screening: ScreeningList) -> None:
    assessment = check(
        lead(company="Rheinstahl Maschinenbau GmbH", country="DE"),
        QualificationRules(blocked_countries=["KP"]),
        screening=screening,
    )
    assert assessment == Assessment(decision=QUALIFIED)


@pytest.mark.parametrize(
    ("card", "rules", "reasons"),
    [
        (
            lead(),
            QualificationRules(required_fields=["email", "company", "country"]),
            ["missing company", "missing country"],
        ),
        (
            lead(email="anna@mailinator.com"),
            QualificationRules(blocked_domains=["Mailinator.com "]),
            ["email domain mailinator.com is blocked by the playbook"],
        ),
        (
            lead(email="anna@eu.Mailinator.com"),
            QualificationRules(blocked_domains=["mailinator.com"]),
            ["email domain eu.mailinator.com is blocked by the playbook"],
        ),
        (
            lead(email="anna@gmail.com"),
            QualificationRules(refuse_free_mail=True),
            ["gmail.com is a free mail service; this playbook sells to businesses only"],
        ),
        (
            lead(email="Info@rheinstahl.example"),
            QualificationRules(refuse_role_addresses=True),
            ["info@ is a role address, not a person; find the buyer's own address"],
        ),
        (
            lead(email="vertrieb@web.de"),
            QualificationRules(
                required_fields=["email", "title"],
                refuse_free_mail=True,
                refuse_role_addresses=True,
            ),
            [
                "missing title",
                "web.de is a free mail service; this playbook sells to businesses only",
                "vertrieb@ is a role address, not a person; find the buyer's own address",
            ],
        ),
    ],
)
def test_a_rule_finding_disqualifies_without_a_restriction(
    card: Lead, rules: QualificationRules, reasons: list[str]
) -> None:
    assessment = check(card, rules.model_copy(update={"score": SCORE}))
    assert assessment.decision is DISQUALIFIED
    assert assessment.reasons == reasons
    assert assessment.restriction is None
    assert assessment.score is None


def test_an_invalid_email_is_named() -> None:
    assessment = check(lead(email="anna.becker"), QualificationRules())
    assert assessment.decision is DISQUALIFIED
    assert assessment.reasons[0].startswith("invalid email 'anna.becker': ")
    assert assessment.restriction is None


@pytest.mark.parametrize(
    ("card", "rules"),
    [
        # A domain that merely ends with a blocked one's text is not a subdomain of it.
        (
            lead(email="anna@notmailinator.com"),
            QualificationRules(blocked_domains=["mailinator.com"]),
        ),
        (lead(email="anna@gmail.com"), QualificationRules(refuse_free_mail=False)),
        (lead(email="info@rheinstahl.example"), QualificationRules(refuse_role_addresses=False)),
        # A person whose name starts like a role address is a person.
        (
            lead(email="info.desk.anna@rheinstahl.example"),
            QualificationRules(refuse_role_addresses=True),
        ),
    ],
)
def test_what_the_playbook_allows_is_qualified(card: Lead, rules: QualificationRules) -> None:
    assert check(card, rules) == Assessment(decision=QUALIFIED)


def test_target_countries_given_by_name_are_codes() -> None:
    assert SCORE.target_countries == ["DE", "NL"]


def test_a_full_card_scores_every_point_and_is_qualified() -> None:
    assessment = check(full_card(), QualificationRules(score=SCORE))
    assert assessment.decision is QUALIFIED
    assert assessment.score == 90
    assert assessment.score_details == [
        "+10 company",
        "+5 title",
        "+20 decision maker",
        "+5 phone",
        "+5 website",
        "+10 business email",
        "+20 target industry",
        "+15 target country",
    ]
    assert assessment.reasons == ["score 90 reaches 60"]


@pytest.mark.parametrize(
    ("card", "score", "details", "decision", "reason"),
    [
        (
            # Exactly the threshold qualifies.
            lead(company="Rheinstahl", title="CTO", country="NL"),
            60,
            [
                "+10 company",
                "+5 title",
                "+20 decision maker",
                "+10 business email",
                "+15 target country",
            ],
            QUALIFIED,
            "score 60 reaches 60",
        ),
        (
            lead(company="Rheinstahl", title="Engineer"),
            25,
            ["+10 company", "+5 title", "+10 business email"],
            ASK_SELLER,
            "score 25 is between the thresholds: a seller decides",
        ),
        (
            # Exactly disqualify_below is not below it.
            lead(company="Rheinstahl"),
            20,
            ["+10 company", "+10 business email"],
            ASK_SELLER,
            "score 20 is between the thresholds: a seller decides",
        ),
        (
            lead(email="anna@gmail.com", company="Rheinstahl", title="Engineer"),
            15,
            ["+10 company", "+5 title"],
            DISQUALIFIED,
            "score 15 is below 20",
        ),
        (lead(email="anna@web.de"), 0, [], DISQUALIFIED, "score 0 is below 20"),
    ],
)
def test_the_score_decides_in_each_band(
    card: Lead, score: int, details: list[str], decision: QualificationDecision, reason: str
) -> None:
    assessment = check(card, QualificationRules(score=SCORE))
    assert (assessment.score, assessment.score_details) == (score, details)
    assert assessment.decision is decision
    assert assessment.reasons == [reason]
    assert assessment.restriction is None


@pytest.mark.parametrize(
    ("title", "decision_maker"),
    [
        ("Director of Operations", True),
        ("CTO", True),
        ("Co-Founder", True),
        ("Head of Purchasing", True),
        ("Conductor", False),  # "cto" inside a word is not a chief technology officer
        ("Directorate assistant", False),
        ("Leader of the band", False),
        ("Engineer", False),
    ],
)
def test_decision_makers_are_found_by_whole_words(title: str, decision_maker: bool) -> None:
    assessment = check(lead(title=title), QualificationRules(score=SCORE))
    assert ("+20 decision maker" in assessment.score_details) is decision_maker
    assert assessment.score == (5 + 10 + (20 if decision_maker else 0))


def test_custom_points_and_words_count() -> None:
    score = LeadScore(
        qualify_at=30,
        disqualify_below=0,
        company=0,
        title=1,
        decision_maker=29,
        decision_maker_words=["Geschäftsführer"],
        business_email=0,
    )
    assessment = check(
        lead(company="Rheinstahl", title="Geschäftsführer"), QualificationRules(score=score)
    )
    assert (assessment.score, assessment.score_details) == (30, ["+1 title", "+29 decision maker"])
    assert assessment.decision is QUALIFIED


def test_without_a_score_there_are_no_points() -> None:
    assessment = check(full_card(), QualificationRules())
    assert (assessment.score, assessment.score_details) == (None, [])
    assert assessment.decision is QUALIFIED


def test_a_seller_playbook_asks_the_seller_even_for_a_qualified_lead() -> None:
    rules = QualificationRules(mode=QualificationMode.SELLER, score=SCORE)
    assessment = check(full_card(), rules)
    assert assessment.decision is ASK_SELLER
    assert assessment.reasons == [
        "score 90 reaches 60",
        "this playbook has a seller qualify every lead",
    ]
    # A lead below the score is not worth a seller's time, even in seller mode.
    low = check(lead(email="anna@gmail.com"), rules)
    assert low.decision is DISQUALIFIED
    assert low.reasons == ["score 0 is below 20"]
    # Without a score, every viable lead goes to the seller.
    plain = check(lead(), QualificationRules(mode=QualificationMode.SELLER))
    assert (plain.decision, plain.reasons) == (
        ASK_SELLER,
        ["this playbook has a seller qualify every lead"],
    )


def test_a_possible_screening_match_goes_to_a_seller(screening: ScreeningList) -> None:
    card = full_card(company="Volga Precision Instrument Works")
    rules = QualificationRules(screening_review_similarity=80, score=SCORE)
    assessment = check(card, rules, screening=screening)
    assert assessment.decision is ASK_SELLER
    assert assessment.reasons == ["score 90 reaches 60", VOLGA_LOOKALIKE]
    assert assessment.restriction is None
    # Without a similarity the playbook only stops exact matches.
    plain = check(
        card, rules.model_copy(update={"screening_review_similarity": None}), screening=screening
    )
    assert (plain.decision, plain.reasons) == (QUALIFIED, ["score 90 reaches 60"])
    # A similarity stricter than the resemblance finds nothing.
    strict = check(
        card, rules.model_copy(update={"screening_review_similarity": 95}), screening=screening
    )
    assert strict.decision is QUALIFIED


def test_a_possible_match_is_named_even_when_the_score_already_asks(
    screening: ScreeningList,
) -> None:
    card = lead(company="Volga Precision Instrument Works")
    rules = QualificationRules(screening_review_similarity=80, score=SCORE)
    assessment = check(card, rules, screening=screening)
    assert assessment.decision is ASK_SELLER
    assert assessment.reasons == [
        "score 20 is between the thresholds: a seller decides",
        VOLGA_LOOKALIKE,
    ]
