"""What a sale and a customer's support look like from outside: the `state` query."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from sales.events import NeedsIdentified, Redline
from sales.lead import Lead
from sales.qualification import Assessment
from sales.quote import Quote
from sales.stages import LostReason, SalesStage


class StageChange(BaseModel):
    """One step of the timeline: the stage entered and when."""

    stage: SalesStage
    at: datetime
    note: str = ""


class EmailRecord(BaseModel):
    """An email the sale sent, with its deterministic Message-ID."""

    step: str
    template: str
    to: str
    subject: str
    message_id: str
    sent_at: datetime
    attachments: list[str] = []


class DocumentRecord(BaseModel):
    """A rendered document, referenced by path; its text never travels in a payload."""

    kind: str
    number: str
    version: int
    html_path: str
    pdf_path: str = ""
    created_at: datetime


class AppliedEvent(BaseModel):
    """An event the sale acted on."""

    signal: str
    event_id: str | None
    at: datetime


class RejectedEvent(BaseModel):
    """An event the sale could not apply, kept with the reason and the payload as received."""

    signal: str
    event_id: str | None = None
    payload: Any = None
    reason: str
    at: datetime


class NextAction(BaseModel):
    """What the sale waits for next, and until when."""

    description: str
    due_at: datetime | None = None


class Signature(BaseModel):
    """Who signed which contract, when, and the e-signature envelope."""

    contract_number: str
    signed_by: str
    signed_at: datetime
    envelope_id: str | None = None


class Acceptance(BaseModel):
    """Which quote the prospect accepted."""

    quote_number: str
    accepted_by: str | None = None
    po_number: str | None = None
    at: datetime


class Order(BaseModel):
    """The first order placed."""

    order_number: str
    amount: Decimal | None = None
    at: datetime


class GateStatus(StrEnum):
    """Where a gate stands."""

    WAITING = "waiting"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class GateRecord(BaseModel):
    """One gate of the process: when it opened, who decided what, and its particulars."""

    gate: str
    status: GateStatus
    opened_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    notes: str = ""
    details: dict[str, Any] = {}


class SaleState(BaseModel):
    """The whole sale as the `state` query returns it."""

    workflow_id: str
    lead: Lead
    playbook: str
    playbook_version: str = ""
    steps: list[str] = Field(default=[], description="the playbook's process, in order")
    stage: SalesStage = SalesStage.QUALIFICATION
    timeline: list[StageChange] = []
    qualification: Assessment | None = None
    qualification_notes: list[str] = []
    qualified_by: str | None = Field(default=None, description="the seller who decided, if one did")
    gates: list[GateRecord] = []
    needs: NeedsIdentified | None = None
    quotes: list[Quote] = []
    expired: list[str] = Field(
        default=[], description="numbers of quotes and contracts that ran out"
    )
    awaiting_discount_approval: bool = False
    discount_approved_by: str | None = None
    acceptance: Acceptance | None = None
    amendments: list[Redline] = Field(
        default=[], description="contract changes agreed in the buyer's legal review"
    )
    signature: Signature | None = None
    order: Order | None = None
    documents: list[DocumentRecord] = []
    emails: list[EmailRecord] = []
    next_action: NextAction | None = None
    notes: list[str] = []
    lost_reason: LostReason | None = None
    lost_notes: str | None = None
    support_workflow_id: str | None = None
    applied_events: list[AppliedEvent] = []
    pending_events: list[str] = []
    rejected_events: list[RejectedEvent] = []

    @property
    def latest_quote(self) -> Quote | None:
        return self.quotes[-1] if self.quotes else None

    @property
    def deal_value(self) -> Decimal | None:
        quote = self.latest_quote
        return quote.totals.net if quote else None


class SaleOutcome(BaseModel):
    """What a finished sale returns: won or lost, and why."""

    stage: SalesStage
    lost_reason: LostReason | None = None
    deal_value: Decimal | None = None
    currency: str | None = None
    support_workflow_id: str | None = None


class Ticket(BaseModel):
    """A support ticket and whether it is resolved."""

    ticket_id: str
    subject: str | None = None
    opened_at: datetime
    resolved_at: datetime | None = None


class SupportState(BaseModel):
    """A customer's support as the `state` query returns it; carried across continue-as-new."""

    workflow_id: str
    lead: Lead
    playbook: str
    sale_workflow_id: str
    order_number: str | None = None
    orders_fulfilled: list[str] = []
    tickets: list[Ticket] = []
    feedback_scores: list[int] = []
    emails: list[EmailRecord] = []
    check_ins_sent: int = 0
    undelivered: list[str] = Field(default=[], description="emails the customer's server refused")
    next_check_in_at: datetime | None = None
    next_action: NextAction | None = None
    closed_reason: str | None = None
    applied_events: list[AppliedEvent] = []
    rejected_events: list[RejectedEvent] = []
    seen_event_ids: list[str] = []
