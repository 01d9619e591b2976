"""A customer account as the `state` query returns it; carried across continue-as-new."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from sales.account.policy import Person
from sales.account.records import (
    AccountOrder,
    AccountSale,
    FollowUpTask,
    Handoff,
    Health,
)
from sales.items import ItemOfInterest
from sales.state import SupportState

CUSTOMER = "CUSTOMER"


class Feedback(BaseModel):
    """A score the customer gave, when, and what they said."""

    score: int
    comment: str | None = None
    at: datetime


class Concern(BaseModel):
    """A promise missed that a person must act on: it sets `NeedsAttention` until it is met."""

    key: str = Field(description="what it is about: order:PO-2, ticket:T-1:resolution")
    what: str
    since: datetime


class AccountState(SupportState):
    """The account: owner, the deal handed over, orders, tickets, health, the sales it opened.

    Its first fields are the support workflow's of old, so older runs still read as one.
    """

    stage: str = Field(default="SUPPORT", description="CUSTOMER for an account")
    owner: Person | None = None
    handoff: Handoff | None = None
    orders: list[AccountOrder] = Field(default=[])
    feedback: list[Feedback] = Field(default=[])
    follow_ups: list[FollowUpTask] = Field(default=[])
    concerns: list[Concern] = Field(default=[], description="escalated and not yet resolved")
    health: Health = Health.GOOD
    health_reasons: list[str] = Field(default=[])
    value: Decimal = Field(default=Decimal(0), description="orders and won sales together")
    currency: str | None = None
    term_started_on: date | None = None
    term_ends_on: date | None = None
    renewal_reminded_for: date | None = Field(
        default=None, description="the term end the renewal reminder was sent for"
    )
    next_review_at: datetime | None = None
    reviews_sent: int = 0
    sales: list[AccountSale] = Field(default=[], description="renewals and upsells it started")
    items: list[ItemOfInterest] = Field(
        default=[], description="what the customer buys: the last accepted quote's items"
    )
    held_until: dict[str, str] = Field(
        default={}, description="emails due that wait for the customer's window: when, locally"
    )
    held_at: dict[str, datetime] = Field(default={}, description="the same, as instants")
    closed_at: datetime | None = None
    runs: int = 1

    @property
    def open_tickets(self) -> int:
        return sum(1 for ticket in self.tickets if ticket.resolved_at is None)

    def order(self, number: str) -> AccountOrder | None:
        return next((o for o in self.orders if o.order_number == number), None)
