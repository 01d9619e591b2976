"""What a sale and a customer's support look like from outside: the `state` query."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from sales.account.records import AccountTicket as Ticket
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
    # A document the email filed itself (process version 6: the contract), for the sale to
    # record among its documents at once; never kept with the email (nor in snapshots).
    filed: "DocumentRecord | None" = Field(default=None, exclude=True)


class CancelledEmail(BaseModel):
    """An email the sale meant to send and did not: what came first made it pointless."""

    step: str
    why: str
    at: datetime


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
    """An event the sale could not apply: why, and enough of the payload to recognise it.

    Never the whole payload: its size, a digest to match it against the sender's log,
    and the first characters, so a flood of big payloads cannot grow the sale's state.
    """

    signal: str
    event_id: str | None = None
    reason: str
    at: datetime
    size: int = Field(default=0, description="bytes of the payload as received")
    digest: str = Field(default="", description="SHA-256 of the payload, first 16 hex digits")
    excerpt: str = Field(default="", description="the payload's first characters, as JSON")


class DroppedEvents(BaseModel):
    """Events no longer listed one by one: past the cap of a stage, or older rejections."""

    stage: SalesStage | None = Field(default=None, description="None for support workflows")
    signal: str
    why: str
    count: int = 0
    first_at: datetime
    last_at: datetime


class Attention(BaseModel):
    """A problem only a person can fix (a template, an address, a playbook): the sale waits
    for the fix and tries again by itself, or at once on the `retry` command."""

    what: str
    problem: str
    since: datetime
    attempts: int = 1
    retry_at: datetime


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
    lead_file: str | None = Field(
        default=None,
        description="the lead as filed in the document store, which activities read by reference",
    )
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
    cancelled_emails: list[CancelledEmail] = Field(
        default=[], description="emails not sent: a reply, an answer or a deadline came first"
    )
    next_action: NextAction | None = None
    attention: Attention | None = None
    sales_manager_email: str | None = Field(
        default=None, description="the sales manager's address as a retry command corrected it"
    )
    notes: list[str] = []
    lost_reason: LostReason | None = None
    lost_notes: str | None = None
    support_workflow_id: str | None = None
    account_workflow_id: str | None = Field(
        default=None, description="the account that started this sale (renewal, upsell)"
    )
    applied_events: list[AppliedEvent] = []
    pending_events: list[str] = []
    rejected_events: list[RejectedEvent] = []
    dropped_events: list[DroppedEvents] = []
    events_in_stage: int = Field(default=0, description="events accepted since the stage began")
    runs: int = Field(default=1, description="workflow runs so far; a long sale continues as new")
    restarted_from: str | None = Field(
        default=None, description="the run that failed or was terminated before this restart"
    )

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
    check_in_scheduled: str | None = Field(
        default=None, description="the check-in due waits for the window: when, in local time"
    )
    next_action: NextAction | None = None
    closed_reason: str | None = None
    applied_events: list[AppliedEvent] = []
    rejected_events: list[RejectedEvent] = []
    dropped_events: list[DroppedEvents] = []
    seen_event_ids: list[str] = []


EmailRecord.model_rebuild()
