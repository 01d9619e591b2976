"""What customers and outside systems tell a sale: one payload model per signal.

Signal names and fields are a contract with outside programs (DESIGN.md).
Unknown fields are refused so that a typo is named rather than silently lost.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sales.playbook import Percent, PurchasingProcedure
from sales.stages import LostReason, SalesStage

NonEmpty = Annotated[str, Field(min_length=1)]
Money = Annotated[Decimal, Field(ge=0)]


def _one_discount(percent: Decimal | None, amount: Decimal | None) -> None:
    if percent is not None and amount is not None:
        raise ValueError("give discount_percent or discount_amount, not both")


class Event(BaseModel):
    """Every payload may carry an `event_id`; a repeated one is applied once."""

    model_config = ConfigDict(extra="forbid")

    event_id: str | None = None


class LeadQualified(Event):
    """The seller's decision on a lead, for playbooks where a seller decides."""

    qualified: bool
    by: NonEmpty
    reason: str | None = None


class ContactResponded(Event):
    """The lead answered the intro or a follow-up; the cadence stops."""

    channel: str | None = None
    message: str | None = None


class InterestExpressed(Event):
    """The lead said it is interested: it is now a prospect."""

    notes: str | None = None


class ItemOfInterest(BaseModel):
    """A catalog sku and how many of it the prospect wants."""

    model_config = ConfigDict(extra="forbid")

    sku: NonEmpty
    quantity: int = Field(gt=0)
    discount_percent: Percent | None = None
    discount_amount: Money | None = None

    @model_validator(mode="after")
    def _one_kind_of_discount(self) -> "ItemOfInterest":
        _one_discount(self.discount_percent, self.discount_amount)
        return self


class Application(BaseModel):
    """One way the product serves the prospect, with the savings the seller estimates."""

    model_config = ConfigDict(extra="forbid")

    name: NonEmpty
    description: str | None = None
    hours_saved_per_month: Decimal | None = Field(default=None, ge=0)
    cost_saved_per_year: Decimal | None = Field(default=None, ge=0)


class NeedsIdentified(Event):
    """What the seller learnt of the prospect's business, and the items to quote."""

    summary: NonEmpty
    items: list[ItemOfInterest] = Field(min_length=1)
    business_model: str | None = None
    culture: str | None = None
    applications: list[Application] = []
    purchasing_procedure: PurchasingProcedure | None = None
    discount_percent: Percent | None = None
    discount_amount: Money | None = Field(default=None, description="off the whole quote")

    @model_validator(mode="after")
    def _one_kind_of_discount(self) -> "NeedsIdentified":
        _one_discount(self.discount_percent, self.discount_amount)
        return self


class DiscountApproved(Event):
    """The sales manager approves the discount on the held quote."""

    approver: NonEmpty


class RevisionRequested(Event):
    """The prospect asks for a new version of the quote."""

    notes: str | None = None
    items: list[ItemOfInterest] | None = Field(default=None, min_length=1)
    discount_percent: Percent | None = None
    discount_amount: Money | None = None

    @model_validator(mode="after")
    def _one_kind_of_discount(self) -> "RevisionRequested":
        _one_discount(self.discount_percent, self.discount_amount)
        return self


class ProposalAccepted(Event):
    """The prospect accepts a quote; the latest one when no number is given."""

    quote_number: str | None = None
    accepted_by: str | None = None
    po_number: str | None = None


class ProposalRejected(Event):
    """The prospect turns the quote down."""

    reason: str | None = None


class ContractSigned(Event):
    """The e-signature system reports the contract signed."""

    signed_by: NonEmpty
    envelope_id: str | None = None
    signed_at: datetime | None = None
    contract_number: str | None = None


class OrderPlaced(Event):
    """The order system reports the customer's first order."""

    order_number: NonEmpty
    amount: Decimal | None = Field(default=None, ge=0)


class EmailBounced(Event):
    """The mail system could not deliver to the lead; no email goes out after it."""

    address: str | None = None
    reason: str | None = None


class Unsubscribed(Event):
    """The lead opted out; no email goes out after it."""

    address: str | None = None
    reason: str | None = None


class MarkLost(Event):
    """A seller ends the sale by hand, with a reason."""

    reason: LostReason
    notes: str | None = None


class OrderFulfilled(Event):
    """The order system reports an order delivered."""

    order_number: NonEmpty


class TicketOpened(Event):
    """The customer opened a support ticket."""

    ticket_id: NonEmpty
    subject: str | None = None


class TicketResolved(Event):
    """Support resolved a ticket."""

    ticket_id: NonEmpty
    subject: str | None = None


class FeedbackReceived(Event):
    """A satisfaction score from the customer."""

    score: int = Field(ge=0, le=10)
    comment: str | None = None


class AccountClosed(Event):
    """The customer relationship ends; the support workflow completes."""

    reason: NonEmpty


SALE_SIGNALS: dict[str, type[Event]] = {
    "lead_qualified": LeadQualified,
    "contact_responded": ContactResponded,
    "interest_expressed": InterestExpressed,
    "needs_identified": NeedsIdentified,
    "discount_approved": DiscountApproved,
    "revision_requested": RevisionRequested,
    "proposal_accepted": ProposalAccepted,
    "proposal_rejected": ProposalRejected,
    "contract_signed": ContractSigned,
    "order_placed": OrderPlaced,
    "email_bounced": EmailBounced,
    "unsubscribed": Unsubscribed,
    "mark_lost": MarkLost,
}

SUPPORT_SIGNALS: dict[str, type[Event]] = {
    "order_fulfilled": OrderFulfilled,
    "ticket_opened": TicketOpened,
    "ticket_resolved": TicketResolved,
    "feedback_received": FeedbackReceived,
    "account_closed": AccountClosed,
}

# The stage in which a sale applies each event. An event for a later stage is
# kept until the sale gets there; one for a stage already passed is rejected.
# Events absent here (mark_lost, bounces, opt-outs) apply at any stage.
APPLIES_IN: dict[str, tuple[SalesStage, ...]] = {
    "lead_qualified": (SalesStage.QUALIFICATION,),
    "contact_responded": (SalesStage.CONTACT,),
    "interest_expressed": (SalesStage.CONTACT,),
    "needs_identified": (SalesStage.NEEDS_ANALYSIS,),
    "discount_approved": (SalesStage.PROPOSAL,),
    "revision_requested": (SalesStage.PROPOSAL,),
    "proposal_accepted": (SalesStage.PROPOSAL,),
    "proposal_rejected": (SalesStage.PROPOSAL,),
    "contract_signed": (SalesStage.CONTRACT,),
    "order_placed": (SalesStage.CLOSING,),
}

ENDS_SALE = ("mark_lost", "email_bounced", "unsubscribed")


class UnknownSignalError(ValueError):
    """A signal name that neither workflow knows."""


def payload_model(name: str, signals: dict[str, type[Event]] = SALE_SIGNALS) -> type[Event]:
    """The payload model for a signal name, or an error listing the known names."""
    try:
        return signals[name]
    except KeyError:
        known = ", ".join(signals)
        raise UnknownSignalError(f"unknown signal {name!r}; known: {known}") from None
