"""What an account keeps of its orders, tickets, follow-ups and the sales it opened."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from sales.account.policy import Priority


class Health(StrEnum):
    """How the account is doing, as the `AccountHealth` search attribute shows it."""

    GOOD = "good"
    AT_RISK = "at_risk"
    CHURNING = "churning"


class Escalation(BaseModel):
    """Who was told of a missed promise, and when."""

    to: str
    at: datetime


class AccountOrder(BaseModel):
    """One order of the account, from placed to fulfilled, with the date it was promised for."""

    order_number: str
    amount: Decimal | None = None
    placed_at: datetime | None = None
    promised_by: datetime | None = None
    shipped_at: datetime | None = None
    fulfilled_at: datetime | None = None
    escalations: list[Escalation] = []

    def late(self, now: datetime) -> bool:
        """Promised for a moment past and not fulfilled by it."""
        if self.promised_by is None:
            return False
        done = self.fulfilled_at
        return (done or now) > self.promised_by


class ClockKind(StrEnum):
    """The two service-level clocks of a ticket."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class SlaClock(BaseModel):
    """One target of a ticket: due when, escalated to whom, stopped when (responded, resolved).

    Breached when it was still running at `due_at`; the owner hears at once, the support
    lead when it is still running at `lead_due_at` (the same target counted again).
    """

    kind: ClockKind
    due_at: datetime
    lead_due_at: datetime
    stopped_at: datetime | None = None
    breached_at: datetime | None = None
    escalations: list[Escalation] = []

    def running(self) -> bool:
        return self.stopped_at is None


class AccountTicket(BaseModel):
    """A support ticket, its priority and its service-level clocks."""

    ticket_id: str
    subject: str | None = None
    priority: Priority = Priority.P3
    opened_at: datetime
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    clocks: list[SlaClock] = []

    def breached(self) -> list[SlaClock]:
        return [clock for clock in self.clocks if clock.breached_at is not None]


class FollowUpTask(BaseModel):
    """A task for the owner: a customer gave a low score; call them by `due_at`."""

    task_id: str
    reason: str
    opened_at: datetime
    due_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None


class SaleKind(StrEnum):
    """Why the account opened a sale."""

    RENEWAL = "renewal"
    UPSELL = "upsell"


class AccountSale(BaseModel):
    """A sale the account started (a renewal, an upsell) and how it ended."""

    workflow_id: str
    kind: SaleKind
    playbook: str
    started_at: datetime
    requested_by: str | None = None
    for_term_ending: date | None = None
    outcome: str | None = Field(default=None, description="WON or LOST, once the sale ended")
    lost_reason: str | None = None
    deal_value: Decimal | None = None
    currency: str | None = None
    ended_at: datetime | None = None


class HandoffLine(BaseModel):
    """One line of the accepted quote, as the hand-off note lists it."""

    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    total: Decimal


class Handoff(BaseModel):
    """The deal as the sale hands it to the account: needs, accepted quote, contract, delivery."""

    needs_summary: str | None = None
    quote_number: str | None = None
    lines: list[HandoffLine] = []
    net_total: Decimal | None = None
    gross_total: Decimal | None = None
    currency: str | None = None
    terms: str | None = Field(default=None, description="the quote's terms (delivery, payment)")
    contract_number: str | None = None
    contract_signed_on: date | None = None
    payment_terms: str | None = None
    term_months: int | None = None
    order_number: str | None = None
    order_amount: Decimal | None = None
    ordered_at: datetime | None = None
    po_number: str | None = None
