"""What customers and outside systems tell a sale: one payload model per signal.

Signal names and fields are a contract with outside programs (DESIGN.md).
Unknown fields are refused so that a typo is named rather than silently lost.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)

from sales.account.policy import Priority, priority_of
from sales.items import ItemOfInterest, Money, Percent, one_discount
from sales.limits import MANY, Long, NonEmpty, NonEmptyLong, Short
from sales.policies import PurchasingProcedure
from sales.stages import LostReason

__all__ = ["ItemOfInterest"]


class Event(BaseModel):
    """Every payload may carry an `event_id`; a repeated one is applied once."""

    model_config = ConfigDict(extra="forbid")

    event_id: Short | None = None


class LeadQualified(Event):
    """The seller's decision on a lead, for playbooks where a seller decides."""

    qualified: bool
    by: NonEmpty
    reason: Long | None = None


class ContactResponded(Event):
    """The lead answered the intro or a follow-up; the cadence stops."""

    channel: Short | None = None
    message: Long | None = None


class InterestExpressed(Event):
    """The lead said it is interested: it is now a prospect."""

    notes: Long | None = None


class Application(BaseModel):
    """One way the product serves the prospect, with the savings the seller estimates."""

    model_config = ConfigDict(extra="forbid")

    name: NonEmpty
    description: Long | None = None
    hours_saved_per_month: Decimal | None = Field(default=None, ge=0)
    cost_saved_per_year: Decimal | None = Field(default=None, ge=0)


class NeedsIdentified(Event):
    """What the seller learnt of the prospect's business, and the items to quote."""

    summary: NonEmptyLong
    items: list[ItemOfInterest] = Field(min_length=1, max_length=MANY)
    business_model: Long | None = None
    culture: Long | None = None
    applications: list[Application] = Field(default=[], max_length=MANY)
    purchasing_procedure: PurchasingProcedure | None = None
    discount_percent: Percent | None = None
    discount_amount: Money | None = Field(default=None, description="off the whole quote")
    tender_reference: Short | None = Field(
        default=None, description="the call for tenders answered"
    )
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

    notes: Long | None = None
    items: list[ItemOfInterest] | None = Field(default=None, min_length=1, max_length=MANY)
    discount_percent: Percent | None = None
    discount_amount: Money | None = None

    @model_validator(mode="after")
    def _one_kind_of_discount(self) -> "RevisionRequested":
        one_discount(self.discount_percent, self.discount_amount)
        return self


class ProposalAccepted(Event):
    """The prospect accepts a quote; the latest one when no number is given."""

    quote_number: Short | None = None
    accepted_by: Short | None = None
    po_number: Short | None = None


class ProposalRejected(Event):
    """The prospect turns the quote down."""

    reason: Long | None = None


class ContractSigned(Event):
    """The e-signature system reports the contract signed."""

    signed_by: NonEmpty
    envelope_id: Short | None = None
    signed_at: datetime | None = None
    contract_number: Short | None = None


class OrderPlaced(Event):
    """The order system reports an order: the sale's first closes it, the account takes the rest."""

    order_number: NonEmpty
    amount: Decimal | None = Field(default=None, ge=0)
    promised_by: date | None = Field(
        default=None, description="the delivery date promised; else the playbook's delivery_within"
    )


class EmailBounced(Event):
    """The mail system could not deliver to the lead; no email goes out after it."""

    address: Short | None = None
    reason: Long | None = None


class Unsubscribed(Event):
    """The lead opted out; no email goes out after it."""

    address: Short | None = None
    reason: Long | None = None


class MarkLost(Event):
    """A seller ends the sale by hand, with a reason."""

    reason: LostReason
    notes: Long | None = None


class OrderFulfilled(Event):
    """The order system reports an order delivered."""

    order_number: NonEmpty


class TicketOpened(Event):
    """The customer opened a support ticket; its priority sets the playbook's service levels."""

    ticket_id: NonEmpty
    subject: Long | None = None
    priority: Annotated[Priority | None, BeforeValidator(priority_of)] = Field(
        default=None, description="P1 to P4; the playbook's default_priority when absent"
    )


class TicketResolved(Event):
    """Support resolved a ticket."""

    ticket_id: NonEmpty
    subject: Long | None = None


class FeedbackReceived(Event):
    """A satisfaction score from the customer."""

    score: int = Field(ge=0, le=10)
    comment: Long | None = None


class AccountClosed(Event):
    """The customer relationship ends; the support workflow completes."""

    reason: NonEmptyLong


class ExportLicenseGranted(Event):
    """The export control authority granted the licence the goods need for the destination."""

    license_number: NonEmpty
    granted_by: Short | None = None
    valid_until: date | None = None


class ExportLicenseDenied(Event):
    """The export control authority refused the licence: the goods cannot go there."""

    reason: Long | None = None
    by: Short | None = None


class CreditApproved(Event):
    """A person's decision on the buyer's credit; `approved: false` refuses it."""

    approved_by: NonEmpty
    approved: bool = True
    credit_limit: Money | None = None
    reason: Long | None = None


class Redline(BaseModel):
    """One change the buyer's lawyers ask for in a clause of the contract."""

    model_config = ConfigDict(extra="forbid")

    clause: NonEmpty
    text: NonEmptyLong


class ContractRedlined(Event):
    """The buyer's lawyers return the draft contract with changes: a new version follows."""

    changes: list[Redline] = Field(min_length=1, max_length=MANY)
    contract_number: Short | None = None
    by: Short | None = None
    notes: Long | None = None


class LegalApproved(Event):
    """The buyer's lawyers accept the current draft: it goes out for signature."""

    approved_by: NonEmpty
    contract_number: Short | None = None


class TenderAwarded(Event):
    """The contracting authority awarded the tender to our bid."""

    awarded_by: Short | None = None
    po_number: Short | None = None
    contract_reference: Short | None = None
    bid_number: Short | None = None


class TenderLost(Event):
    """The contracting authority awarded the tender to someone else, or cancelled it."""

    reason: Long | None = None
    winner: Short | None = None


class RetryRequested(Event):
    """A person fixed what the sale waits on: try again now, not at the next scheduled retry.

    For a sale that needs attention: a template, an address or a playbook to fix."""

    by: NonEmpty
    notes: Long | None = None
    sales_manager_email: EmailStr | None = Field(
        default=None,
        description="the sales manager's address to use from now on, where the playbook's is "
        "refused (a typo in a running sale's playbook)",
    )


# Events that end a sale in whatever stage it is; every other event waits for its step.
ENDS_SALE: tuple[type[Event], ...] = (MarkLost, EmailBounced, Unsubscribed)
