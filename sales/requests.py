"""Inputs and results of the workflows and activities: one model per call."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from sales.events import ItemOfInterest, NeedsIdentified, Redline
from sales.lead import Lead
from sales.playbook import Playbook, PurchasingProcedure
from sales.qualification import Assessment
from sales.quote import Quote


class HolidaysRequest(BaseModel):
    """The public holidays of a country in some years."""

    country: str
    years: list[int]


class QualificationRequest(BaseModel):
    """A lead to assess against a playbook's viability rules; with `holidays`, the lead
    country's public holidays of those years come back too (for its sending window)."""

    lead: Lead
    playbook: Playbook
    holidays: HolidaysRequest | None = None


class QualificationResult(BaseModel):
    """Viable or not, with every reason found; `assessment` tells the rules' whole decision."""

    viable: bool
    reasons: list[str] = []
    # Absent in results recorded before scores and screening: `viable` alone decided then.
    assessment: Assessment | None = None
    # The public holidays asked for with `QualificationRequest.holidays`, else None.
    holidays: list[date] | None = None


class CreditCheckRequest(BaseModel):
    """The buyer and the deal value whose credit the playbook's rules check."""

    lead: Lead
    playbook: Playbook
    net: Decimal
    currency: str


class BidRequest(BaseModel):
    """Render the tender bid from an accepted-for-bidding quote, for the call named."""

    workflow_id: str
    lead: Lead
    playbook: Playbook
    quote: Quote
    tender_reference: str | None = None
    submission_deadline: datetime
    issued_on: date


class BidDocument(BaseModel):
    """A rendered bid, referenced by path."""

    number: str
    html_path: str
    pdf_path: str = ""


class EmailRequest(BaseModel):
    """One email to render from `templates/emails/<template>.*.j2` and send.

    `step` names the email within the sale (intro, follow_up_2, proposal_v1...);
    with the workflow id it makes the deterministic Message-ID.
    """

    workflow_id: str
    step: str
    template: str
    to: str
    lead: Lead
    playbook: Playbook
    context: dict[str, Any] = {}
    attachments: list[str] = []


class EmailReceipt(BaseModel):
    """What was sent: subject and Message-ID, for the sale's state."""

    to: str
    subject: str
    message_id: str
    sent_at: datetime


class QuoteRequest(BaseModel):
    """Price, render and file one version of a quote or proposal."""

    workflow_id: str
    lead: Lead
    playbook: Playbook
    version: int
    issued_on: date
    items: list[ItemOfInterest]
    discount_percent: Decimal
    discount_amount: Decimal | None = None
    purchasing_procedure: PurchasingProcedure
    needs: NeedsIdentified
    notes: str | None = None


class ContractRequest(BaseModel):
    """Render the contract for an accepted quote with the playbook's terms."""

    workflow_id: str
    lead: Lead
    playbook: Playbook
    quote: Quote
    version: int
    issued_on: date
    signature_due: date
    po_number: str | None = None
    amendments: list[Redline] = Field(
        default=[],
        description="changes agreed in the buyer's legal review, printed on the contract",
    )
    for_review: bool = Field(default=False, description="a draft for the buyer's lawyers")


class ContractDocument(BaseModel):
    """A rendered contract, referenced by path."""

    number: str
    version: int
    html_path: str
    pdf_path: str = ""
