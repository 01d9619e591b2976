"""The order of a playbook's steps: what makes sense, what is refused and why, who takes events."""

import tomllib
from pathlib import Path

import pytest

from sales.events import (
    ContractRedlined,
    CreditApproved,
    DiscountApproved,
    EmailBounced,
    ExportLicenseGranted,
    InterestExpressed,
    LegalApproved,
    MarkLost,
    NeedsIdentified,
    OrderPlaced,
    ProposalAccepted,
    TenderAwarded,
)
from sales.process import CLASSIC_STEPS, GATES, StepName, check_steps, stage_of, takers
from sales.stages import SalesStage

ROOT = Path(__file__).resolve().parents[2]

Q = StepName.QUALIFICATION
CONTACT = StepName.CONTACT
NEEDS = StepName.NEEDS_ANALYSIS
PROPOSAL = StepName.PROPOSAL
TENDER = StepName.TENDER
EXPORT = StepName.EXPORT_LICENSE
CREDIT = StepName.CREDIT_CHECK
LEGAL = StepName.LEGAL_REVIEW
CONTRACT = StepName.CONTRACT
CLOSING = StepName.CLOSING


def shipped_steps(name: str) -> list[StepName]:
    """`[process] steps` of a shipped playbook, read straight from its TOML."""
    data = tomllib.loads((ROOT / "playbooks" / f"{name}.toml").read_text(encoding="utf-8"))
    return [StepName(step) for step in data["process"]["steps"]]


def refusal(steps: list[StepName]) -> str:
    with pytest.raises(ValueError) as raised:
        check_steps(steps)
    return str(raised.value)


@pytest.mark.parametrize(
    ("name", "stages"),
    [
        ("quick", ["QUALIFICATION", "PROPOSAL", "CLOSING"]),
        (
            "default",
            ["QUALIFICATION", "CONTACT", "NEEDS_ANALYSIS", "PROPOSAL", "CONTRACT", "CLOSING"],
        ),
        (
            "enterprise",
            [
                "QUALIFICATION",
                "CONTACT",
                "NEEDS_ANALYSIS",
                "PROPOSAL",
                "CONTRACT",  # credit_check runs at the start of the contract stage
                "CONTRACT",
                "CONTRACT",
                "CLOSING",
            ],
        ),
        (
            "public-sector",
            ["QUALIFICATION", "NEEDS_ANALYSIS", "PROPOSAL", "CONTRACT", "CONTRACT", "CLOSING"],
        ),
    ],
)
def test_the_shipped_processes_make_sense_and_move_forward(name: str, stages: list[str]) -> None:
    steps = shipped_steps(name)
    check_steps(steps)  # raises ValueError naming every problem
    assert [stage_of(steps, index) for index in range(len(steps))] == stages


def test_the_classic_process_is_the_sales_pattern_in_full() -> None:
    assert CLASSIC_STEPS == (Q, CONTACT, NEEDS, PROPOSAL, CONTRACT, CLOSING)
    check_steps(list(CLASSIC_STEPS))
    assert shipped_steps("default") == list(CLASSIC_STEPS)


def test_gates_are_the_steps_with_a_table_of_their_own_tender_apart() -> None:
    assert GATES == (EXPORT, CREDIT, LEGAL)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([Q, CONTACT, CONTACT, PROPOSAL, CLOSING], "contact is listed twice"),
        (
            [CONTACT, Q, PROPOSAL, CLOSING],
            "the first step must be qualification (every lead is screened)",
        ),
        ([Q, PROPOSAL], "the last step must be closing (the first order closes a sale)"),
        (
            [Q, PROPOSAL, CLOSING, CONTRACT],
            "the last step must be closing (the first order closes a sale)",
        ),
        (
            [Q, CONTACT, CLOSING],
            "list exactly one of proposal or tender (how the offer is made)",
        ),
        (
            [Q, PROPOSAL, TENDER, CLOSING],
            "list exactly one of proposal or tender (how the offer is made)",
        ),
        (
            [Q, PROPOSAL, CONTACT, CLOSING],
            "contact must come before proposal (a prospect is contacted before the offer)",
        ),
        (
            [Q, TENDER, NEEDS, CLOSING],
            "needs_analysis must come before tender (the offer is priced from the needs)",
        ),
        (
            [Q, NEEDS, CONTACT, PROPOSAL, CLOSING],
            "contact must come before needs_analysis (needs come from a prospect)",
        ),
        (
            [Q, EXPORT, PROPOSAL, CLOSING],
            "proposal must come before export_license (it needs the accepted offer)",
        ),
        (
            [Q, CREDIT, TENDER, CLOSING],
            "tender must come before credit_check (it needs the accepted offer)",
        ),
        (
            [Q, CONTRACT, PROPOSAL, CLOSING],
            "proposal must come before contract (it needs the accepted offer)",
        ),
        (
            [Q, PROPOSAL, LEGAL, CLOSING],
            "legal_review must come right before contract (it reviews its draft)",
        ),
        (
            [Q, PROPOSAL, LEGAL, CREDIT, CONTRACT, CLOSING],
            "credit_check must come before legal_review (it decides whether the contract goes "
            "out); legal_review must come right before contract (it reviews its draft)",
        ),
        (
            [Q, PROPOSAL, CONTRACT, EXPORT, CLOSING],
            "export_license must come before contract (it decides whether the contract goes out)",
        ),
        (
            [Q, PROPOSAL, CONTRACT, LEGAL, CLOSING],
            "legal_review must come right before contract (it reviews its draft)",
        ),
    ],
)
def test_an_order_that_makes_no_sense_is_refused_saying_why(
    steps: list[StepName], message: str
) -> None:
    assert refusal(steps) == message


def test_a_legal_review_before_the_offer_breaks_two_rules() -> None:
    assert refusal([Q, LEGAL, CONTRACT, PROPOSAL, CLOSING]) == (
        "proposal must come before contract (it needs the accepted offer); "
        "proposal must come before legal_review (it needs the accepted offer)"
    )


def test_every_problem_is_named_in_one_message() -> None:
    assert refusal([]) == (
        "the first step must be qualification (every lead is screened); "
        "the last step must be closing (the first order closes a sale); "
        "list exactly one of proposal or tender (how the offer is made)"
    )
    assert refusal([Q, CONTACT, PROPOSAL, CONTACT, CLOSING]) == (
        "contact is listed twice; "
        "contact must come before proposal (a prospect is contacted before the offer)"
    )
    assert refusal([Q, PROPOSAL, PROPOSAL, CLOSING]) == (
        "proposal is listed twice; list exactly one of proposal or tender (how the offer is made)"
    )
    assert refusal([CLOSING, PROPOSAL, CONTACT, Q]) == (
        "the first step must be qualification (every lead is screened); "
        "the last step must be closing (the first order closes a sale); "
        "contact must come before proposal (a prospect is contacted before the offer)"
    )


def test_a_gate_takes_the_stage_of_the_next_step_that_has_one() -> None:
    public = [Q, NEEDS, TENDER, EXPORT, CONTRACT, CLOSING]
    assert stage_of(public, 2) is SalesStage.PROPOSAL  # tender: the offer's stage
    assert stage_of(public, 3) is SalesStage.CONTRACT  # export licence before the contract
    enterprise = [Q, CONTACT, NEEDS, PROPOSAL, CREDIT, LEGAL, CONTRACT, CLOSING]
    assert stage_of(enterprise, 4) is SalesStage.CONTRACT  # credit check, then legal review
    assert stage_of(enterprise, 5) is SalesStage.CONTRACT  # legal review is in the contract
    after_contract = [Q, PROPOSAL, CONTRACT, EXPORT, CLOSING]
    assert stage_of(after_contract, 3) is SalesStage.CLOSING
    # A gate with no staged step after it still runs somewhere: in the closing stage.
    assert stage_of((Q, PROPOSAL, CREDIT), 2) is SalesStage.CLOSING


def test_needs_go_to_the_needs_step_or_else_to_the_offer() -> None:
    assert takers(CLASSIC_STEPS, NeedsIdentified) == (NEEDS,)
    assert takers((Q, PROPOSAL, CLOSING), NeedsIdentified) == (PROPOSAL,)
    assert takers((Q, NEEDS, TENDER, CLOSING), NeedsIdentified) == (NEEDS,)
    assert takers((Q, TENDER, CLOSING), NeedsIdentified) == (TENDER,)


def test_each_event_goes_to_the_steps_that_apply_it() -> None:
    enterprise = (Q, CONTACT, NEEDS, PROPOSAL, CREDIT, LEGAL, CONTRACT, CLOSING)
    assert takers(enterprise, InterestExpressed) == (CONTACT,)
    assert takers(enterprise, ProposalAccepted) == (PROPOSAL,)
    assert takers(enterprise, CreditApproved) == (CREDIT,)
    assert takers(enterprise, ContractRedlined) == (LEGAL,)
    assert takers(enterprise, OrderPlaced) == (CLOSING,)
    public = (Q, NEEDS, TENDER, EXPORT, CONTRACT, CLOSING)
    assert takers(public, DiscountApproved) == (TENDER,)
    assert takers(public, TenderAwarded) == (TENDER,)
    assert takers(public, ExportLicenseGranted) == (EXPORT,)


def test_an_event_no_step_takes_has_no_takers() -> None:
    assert takers(CLASSIC_STEPS, LegalApproved) == ()
    assert takers(CLASSIC_STEPS, TenderAwarded) == ()
    assert takers((Q, PROPOSAL, CLOSING), InterestExpressed) == ()
    # Bounces, opt-outs and mark_lost end a sale in any step: no step applies them.
    assert takers(CLASSIC_STEPS, EmailBounced) == ()
    assert takers(CLASSIC_STEPS, MarkLost) == ()
