"""What a helpdesk, a shop, an owner or a sale tells an account, beyond the support events
of `sales.events` (orders placed and fulfilled, tickets, feedback, closing)."""

from decimal import Decimal

from pydantic import Field

from sales.events import Event, ItemOfInterest
from sales.limits import MANY, Long, NonEmpty, Short


class OrderShipped(Event):
    """The shop or warehouse shipped an order."""

    order_number: NonEmpty
    carrier: Short | None = None
    tracking: Short | None = None


class TicketResponded(Event):
    """Support answered a ticket for the first time: its first-response clock stops."""

    ticket_id: NonEmpty
    by: Short | None = None


class FollowUpDone(Event):
    """The owner followed up a low score (called the customer, fixed the cause)."""

    task_id: NonEmpty
    by: Short | None = None
    notes: Long | None = None


class UpsellRequested(Event):
    """The owner asks the account to start an upsell sale: these items, or the last quote's."""

    requested_by: NonEmpty
    items: list[ItemOfInterest] = Field(default=[], max_length=MANY)
    notes: Long | None = None


class SaleConcluded(Event):
    """A sale the account started (renewal, upsell) reports how it ended."""

    sale_workflow_id: NonEmpty
    outcome: NonEmpty = Field(description="WON or LOST")
    lost_reason: Short | None = None
    deal_value: Decimal | None = None
    currency: Short | None = None
    items: list[ItemOfInterest] = Field(
        default=[], max_length=MANY, description="the accepted quote's items, when won"
    )
    term_months: int | None = Field(
        default=None, gt=0, description="the term of the contract it signed, when won"
    )
