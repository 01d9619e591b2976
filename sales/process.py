"""The shape of a sale as data: which stages and gates a playbook's sales go through, in order.

A playbook lists its steps (`[process] steps`); each step is a stage of the
sales pattern or a gate that real sales have (an export licence, a credit
check, the buyer's legal review, a public tender). This module knows every
kind of step, which events each one applies, and which orders make sense.
"""

from dataclasses import dataclass
from enum import StrEnum

from sales.events import (
    ContactResponded,
    ContractRedlined,
    ContractSigned,
    CreditApproved,
    DiscountApproved,
    Event,
    ExportLicenseDenied,
    ExportLicenseGranted,
    InterestExpressed,
    LeadQualified,
    LegalApproved,
    NeedsIdentified,
    OrderPlaced,
    ProposalAccepted,
    ProposalRejected,
    RevisionRequested,
    TenderAwarded,
    TenderLost,
)
from sales.stages import SalesStage


class StepName(StrEnum):
    """Every kind of step a playbook's process may list."""

    QUALIFICATION = "qualification"
    CONTACT = "contact"
    NEEDS_ANALYSIS = "needs_analysis"
    PROPOSAL = "proposal"
    TENDER = "tender"
    EXPORT_LICENSE = "export_license"
    CREDIT_CHECK = "credit_check"
    LEGAL_REVIEW = "legal_review"
    CONTRACT = "contract"
    CLOSING = "closing"


@dataclass(frozen=True)
class StepKind:
    """What a kind of step is: its stage, whether it is a gate, and the events it applies.

    A gate without a stage of its own runs at the start of the stage of the step after it
    (an export licence before the contract goes out).
    """

    name: StepName
    summary: str
    stage: SalesStage | None
    gate: bool
    takes: tuple[type[Event], ...]
    emails: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    # Events of a later step it wakes on and leaves for that step (a signature in the review).
    watches: tuple[type[Event], ...] = ()


_KINDS = (
    StepKind(
        StepName.QUALIFICATION,
        "the playbook's rules, screening and score decide, or a seller does",
        SalesStage.QUALIFICATION,
        False,
        (LeadQualified,),
    ),
    StepKind(
        StepName.CONTACT,
        "intro email and follow-ups until the lead replies",
        SalesStage.CONTACT,
        False,
        (ContactResponded, InterestExpressed),
        emails=("intro", "follow_up"),
    ),
    StepKind(
        StepName.NEEDS_ANALYSIS,
        "the seller records the prospect's needs and items; the first quote is priced",
        SalesStage.NEEDS_ANALYSIS,
        False,
        (NeedsIdentified,),
        emails=("orientation",),
        documents=("quote", "proposal"),
    ),
    StepKind(
        StepName.PROPOSAL,
        "quote or proposal emailed; revisions, discount approval, reminders, expiry",
        SalesStage.PROPOSAL,
        False,
        (DiscountApproved, RevisionRequested, ProposalAccepted, ProposalRejected),
        emails=("proposal", "proposal_reminder", "discount_approval_request"),
        documents=("quote", "proposal"),
    ),
    StepKind(
        StepName.TENDER,
        "the bid, rendered from the quote, goes out before the deadline; the award decides",
        SalesStage.PROPOSAL,
        True,
        (DiscountApproved, TenderAwarded, TenderLost),
        emails=("tender_bid", "discount_approval_request"),
        documents=("quote", "proposal", "tender_bid"),
    ),
    StepKind(
        StepName.EXPORT_LICENSE,
        "dual-use goods to listed destinations wait for an export licence",
        None,
        True,
        (ExportLicenseGranted, ExportLicenseDenied),
    ),
    StepKind(
        StepName.CREDIT_CHECK,
        "the buyer's credit is checked by rules, or by a person when the rules refer it",
        None,
        True,
        (CreditApproved,),
    ),
    StepKind(
        StepName.LEGAL_REVIEW,
        "the buyer's lawyers redline the draft contract; rounds capped",
        SalesStage.CONTRACT,
        True,
        (ContractRedlined, LegalApproved),
        emails=("contract_review",),
        documents=("contract",),
        watches=(ContractSigned,),
    ),
    StepKind(
        StepName.CONTRACT,
        "the contract goes out for signature; reminders, expiry, new versions",
        SalesStage.CONTRACT,
        False,
        (ContractSigned,),
        emails=("contract", "contract_reminder"),
        documents=("contract",),
    ),
    StepKind(
        StepName.CLOSING,
        "the first order closes the sale",
        SalesStage.CLOSING,
        False,
        (OrderPlaced,),
    ),
)

STEP_KINDS: dict[StepName, StepKind] = {kind.name: kind for kind in _KINDS}
GATES = tuple(kind.name for kind in _KINDS if kind.gate and kind.name is not StepName.TENDER)

# Emails every won sale sends from its support workflow, whatever the process.
SUPPORT_EMAILS = ("welcome", "check_in")
# Emails every customer account sends (`workflows.support.account`): the hand-off note, the
# escalations of a late order and a ticket breach, the owner's follow-up task.
ACCOUNT_EMAILS = ("handoff_note", "order_late", "ticket_breach", "follow_up_task")
# Emails of an account whose playbook has business reviews, and of one that renews.
REVIEW_EMAILS = ("business_review",)
RENEWAL_EMAILS = ("renewal_reminder", "renewal_due")

# The process of every playbook that does not list its own: the sales pattern in full.
CLASSIC_STEPS: tuple[StepName, ...] = (
    StepName.QUALIFICATION,
    StepName.CONTACT,
    StepName.NEEDS_ANALYSIS,
    StepName.PROPOSAL,
    StepName.CONTRACT,
    StepName.CLOSING,
)

_OFFERS = (StepName.PROPOSAL, StepName.TENDER)


def check_steps(steps: list[StepName]) -> None:
    """ValueError naming every problem with an order of steps; nothing when it makes sense."""
    problems: list[str] = []
    seen: set[StepName] = set()
    for step in steps:
        if step in seen:
            problems.append(f"{step} is listed twice")
        seen.add(step)
    if not steps or steps[0] is not StepName.QUALIFICATION:
        problems.append("the first step must be qualification (every lead is screened)")
    if not steps or steps[-1] is not StepName.CLOSING:
        problems.append("the last step must be closing (the first order closes a sale)")
    offers = [s for s in steps if s in _OFFERS]
    if len(offers) != 1:
        problems.append("list exactly one of proposal or tender (how the offer is made)")
    position = {step: index for index, step in enumerate(steps)}

    def before(first: StepName, then: StepName, why: str) -> None:
        if first in position and then in position and position[first] > position[then]:
            problems.append(f"{first} must come before {then} ({why})")

    for offer in offers[:1]:
        before(StepName.CONTACT, offer, "a prospect is contacted before the offer")
        before(StepName.NEEDS_ANALYSIS, offer, "the offer is priced from the needs")
        for after in (StepName.EXPORT_LICENSE, StepName.CREDIT_CHECK, StepName.CONTRACT):
            before(offer, after, "it needs the accepted offer")
        before(offer, StepName.LEGAL_REVIEW, "it needs the accepted offer")
    before(StepName.CONTACT, StepName.NEEDS_ANALYSIS, "needs come from a prospect")
    for gate in (StepName.EXPORT_LICENSE, StepName.CREDIT_CHECK):
        for contract in (StepName.LEGAL_REVIEW, StepName.CONTRACT):
            before(gate, contract, "it decides whether the contract goes out")
    if StepName.LEGAL_REVIEW in position:
        index = position[StepName.LEGAL_REVIEW]
        if StepName.CONTRACT not in position or position[StepName.CONTRACT] != index + 1:
            problems.append("legal_review must come right before contract (it reviews its draft)")
    # The rules above keep the stages in order: every step's stage follows the one before.
    if problems:
        raise ValueError("; ".join(dict.fromkeys(problems)))


def stage_of(steps: list[StepName] | tuple[StepName, ...], index: int) -> SalesStage:
    """The stage a step runs in: its own, or for a gate the stage of the next step that has one."""
    for step in steps[index:]:
        stage = STEP_KINDS[step].stage
        if stage is not None:
            return stage
    return SalesStage.CLOSING


def waits_for(steps: tuple[StepName, ...], step: StepName) -> tuple[type[Event], ...]:
    """Every event `step` may wait for in this process: those it takes, and those it watches."""
    kind = STEP_KINDS[step]
    offered = (NeedsIdentified,) if step in takers(steps, NeedsIdentified) else ()
    return tuple(dict.fromkeys((*kind.takes, *offered, *kind.watches)))


def takers(steps: tuple[StepName, ...], event: type[Event]) -> tuple[StepName, ...]:
    """The steps of a process that apply an event; needs go to the offer without a needs step."""
    found = tuple(step for step in steps if event in STEP_KINDS[step].takes)
    if event is NeedsIdentified and not found:
        found = tuple(step for step in steps if step in _OFFERS)
    return found
