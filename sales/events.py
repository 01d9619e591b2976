"""What customers and outside systems tell a sale: one payload model per signal.

Signal names and fields are a contract with outside programs (DESIGN.md).
Unknown fields are refused so that a typo is named rather than silently lost.
"""

from datetime import date, datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from sales.items import ItemOfInterest, Money, NonEmpty, Percent, one_discount
from sales.policies import PurchasingProcedure
from sales.stages import LostReason

__all__ = ["ItemOfInterest"]


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
    tender_reference: str | None = Field(default=None, description="the call for tenders answered")
    submission_deadline: AwareDatetime | None = Field(
        default=None, description="when bids must be in, for a tender"
    )

    @model_validator(mode="after")
    def _one_kind_of_discount(self) -> "NeedsIdentified":
        one_discount(self.discount_percent, self.discount_amount)
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
        one_discount(self.discount_percent, self.discount_amount)
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


class ExportLicenseGranted(Event):
    """The export control authority granted the licence the goods need for the destination."""

    license_number: NonEmpty
    granted_by: str | None = None
    valid_until: date | None = None


class ExportLicenseDenied(Event):
    """The export control authority refused the licence: the goods cannot go there."""

    reason: str | None = None
    by: str | None = None


class CreditApproved(Event):
    """A person's decision on the buyer's credit; `approved: false` refuses it."""

    approved_by: NonEmpty
    approved: bool = True
    credit_limit: Money | None = None
    reason: str | None = None


class Redline(BaseModel):
    """One change the buyer's lawyers ask for in a clause of the contract."""

    model_config = ConfigDict(extra="forbid")

    clause: NonEmpty
    text: NonEmpty


class ContractRedlined(Event):
    """The buyer's lawyers return the draft contract with changes: a new version follows."""

    changes: list[Redline] = Field(min_length=1)
    contract_number: str | None = None
    by: str | None = None
    notes: str | None = None


class LegalApproved(Event):
    """The buyer's lawyers accept the current draft: it goes out for signature."""

    approved_by: NonEmpty
    contract_number: str | None = None


class TenderAwarded(Event):
    """The contracting authority awarded the tender to our bid."""

    awarded_by: str | None = None
    po_number: str | None = None
    contract_reference: str | None = None
    bid_number: str | None = None


class TenderLost(Event):
    """The contracting authority awarded the tender to someone else, or cancelled it."""

    reason: str | None = None
    winner: str | None = None


# Events that end a sale in whatever stage it is; every other event waits for its step.
ENDS_SALE: tuple[type[Event], ...] = (MarkLost, EmailBounced, Unsubscribed)
