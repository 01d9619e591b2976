"""Inputs and results of the workflows and activities: one model per call."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sales.events import ItemOfInterest, NeedsIdentified, Redline
from sales.lead import Lead
from sales.playbook import CarriedPlaybook, Playbook, PurchasingProcedure
from sales.qualification import Assessment
from sales.quote import Quote


class PlaybookRef(BaseModel):
    """A playbook by name and version (its content hash): what a sale of process version 5
    sends an activity instead of the whole playbook, which the worker looks up."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str


class PlaybookNotLookedUp(ValueError):
    """An activity read a request's playbook before looking its reference up."""


class UsesPlaybook(BaseModel):
    """A request whose activity reads the sale's playbook, sent whole or by reference."""

    playbook: CarriedPlaybook | PlaybookRef

    @property
    def book(self) -> Playbook:
        """The playbook, once the worker has looked a reference up (`PlaybookStore`)."""
        if isinstance(self.playbook, PlaybookRef):
            raise PlaybookNotLookedUp(
                f"playbook {self.playbook.name} {self.playbook.version} was not looked up"
            )
        return self.playbook


class HolidaysRequest(BaseModel):
    """The public holidays of a country in some years."""

    country: str
    years: list[int]


class QualificationRequest(UsesPlaybook):
    """A lead to assess against a playbook's viability rules; with `holidays`, the lead
    country's public holidays of those years come back too (for its sending window)."""

    lead: Lead
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
    playbook: CarriedPlaybook
    net: Decimal
    currency: str


class BidRequest(UsesPlaybook):
    """Render the tender bid from an accepted-for-bidding quote, for the call named."""

    workflow_id: str
    lead: Lead
    quote: Quote
    tender_reference: str | None = None
    submission_deadline: datetime
    issued_on: date


class BidDocument(BaseModel):
    """A rendered bid, referenced by path."""

    number: str
    html_path: str
    pdf_path: str = ""


class ContractDraft(BaseModel):
    """One contract version to render from an accepted quote with the playbook's terms.

    The quote comes inline (`quote`) or, from process version 6, by reference (`quote_file`:
    the quote as its activity filed it, `Quote.data_path`), read from the document store.
    """

    quote: Quote | None = None
    quote_file: str | None = None
    version: int
    issued_on: date
    signature_due: date
    po_number: str | None = None
    amendments: list[Redline] = Field(
        default=[],
        description="changes agreed in the buyer's legal review, printed on the contract",
    )
    for_review: bool = Field(default=False, description="a draft for the buyer's lawyers")


class ContractRequest(UsesPlaybook, ContractDraft):
    """Render the contract for an accepted quote with the playbook's terms."""

    workflow_id: str
    lead: Lead


class ContractDocument(BaseModel):
    """A rendered contract, referenced by path."""

    number: str
    version: int
    html_path: str
    pdf_path: str = ""


class EmailRequest(UsesPlaybook):
    """One email to render from `templates/emails/<template>.*.j2` and send.

    `step` names the email within the sale (intro, follow_up_2, proposal_v1...);
    with the workflow id it makes the deterministic Message-ID.
    """

    workflow_id: str
    step: str
    template: str
    to: str
    lead: Lead
    context: dict[str, Any] = {}
    attachments: list[str] = []
    context_files: dict[str, str] = Field(
        default={},
        description="context entries read from the document store (JSON files) by reference",
    )
    contract: ContractDraft | None = Field(
        default=None,
        description="a contract this email renders, files and attaches (process version 6)",
    )


class EmailReceipt(BaseModel):
    """What was sent: subject and Message-ID, for the sale's state."""

    to: str
    subject: str
    message_id: str
    sent_at: datetime
    contract: ContractDocument | None = None


class QuoteRequest(UsesPlaybook):
    """Price, render and file one version of a quote or proposal."""

    workflow_id: str
    lead: Lead
    version: int
    issued_on: date
    items: list[ItemOfInterest]
    discount_percent: Decimal
    discount_amount: Decimal | None = None
    purchasing_procedure: PurchasingProcedure
    needs: NeedsIdentified
    notes: str | None = None
