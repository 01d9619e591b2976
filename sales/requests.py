"""Inputs and results of the workflows and activities: one model per call."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sales.events import ItemOfInterest, NeedsIdentified, Redline
from sales.lead import Lead
from sales.payloads import AS_SET, SetOnly
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


class LeadRef(BaseModel):
    """The lead as its qualification filed it in the document store (JSON): what a sale of
    process version 6 sends its later activities instead of the whole lead."""

    model_config = ConfigDict(extra="forbid")

    file: str


class LeadNotRead(ValueError):
    """An activity read a request's lead before reading its reference."""


class UsesLead(BaseModel):
    """A request about a lead, sent whole or by reference (`LeadRef`)."""

    lead: Lead | LeadRef

    @property
    def person(self) -> Lead:
        """The lead, once the activity has read a reference (`Filing.with_lead`)."""
        if isinstance(self.lead, LeadRef):
            raise LeadNotRead(f"the lead at {self.lead.file} was not read")
        return self.lead


class HolidaysRequest(BaseModel):
    """The public holidays of a country in some years."""

    country: str
    years: list[int]


class QualificationRequest(UsesPlaybook):
    """A lead to assess against a playbook's viability rules; with `holidays`, the lead
    country's public holidays of those years come back too (for its sending window)."""

    lead: Lead
    holidays: HolidaysRequest | None = None
    # Process version 6: the lead is filed in the sale's documents folder, for the sale's later
    # activities to read by reference (`QualificationResult.lead_file`).
    workflow_id: str | None = None
    intro: "IntroAtOnce | None" = Field(
        default=None,
        description="the intro, sent by the same activity if the lead qualifies and its "
        "sending window is open (process version 8)",
    )

    def intro_request(self, holidays: frozenset[date]) -> "EmailRequest | None":
        """The intro asked for, as an email of the sale, if the lead's window is open at its
        time (`holidays`: the lead country's); None when none was asked for or the window is
        shut. Reads the playbook, so a worker looks it up first."""
        asked = self.intro
        if asked is None or self.workflow_id is None:
            return None
        playbook = self.book
        if not playbook.outreach.goes_now("intro", self.lead, asked.at, holidays):
            return None
        return EmailRequest(
            workflow_id=self.workflow_id,
            to=self.lead.email,
            lead=self.lead,
            playbook=playbook,
            **asked.email.model_dump(),
        )


class QualificationResult(BaseModel):
    """Viable or not, with every reason found; `assessment` tells the rules' whole decision."""

    viable: bool
    reasons: list[str] = []
    # Absent in results recorded before scores and screening: `viable` alone decided then.
    assessment: Assessment | None = None
    # The public holidays asked for with `QualificationRequest.holidays`, else None.
    holidays: list[date] | None = None
    # Where the lead was filed, asked for with `QualificationRequest.workflow_id`.
    lead_file: str | None = None
    # The intro, when `QualificationRequest.intro` asked for it and it went out.
    intro: "EmailReceipt | None" = None


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


class ContractDraft(SetOnly):
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


class CarriedEmail(SetOnly):
    """An email of the sale to the lead that an activity sends besides its own work: before
    the email it was asked for (process version 7: the orientation with the first offer), or
    after the qualification (version 8: the intro), one activity for both."""

    step: str
    template: str
    context: dict[str, Any] = Field(default_factory=dict)
    attachments: list[str] = Field(default_factory=list)
    context_files: dict[str, str] = Field(default_factory=dict)


class IntroAtOnce(BaseModel):
    """The intro a qualification sends once the lead qualifies, if the lead's sending window
    is open `at` (the sale's time as it asked); else the sale sends it when the window opens."""

    email: CarriedEmail
    at: AwareDatetime


class EmailRequest(UsesPlaybook, UsesLead, SetOnly):
    """One email to render from `templates/emails/<template>.*.j2` and send.

    `step` names the email within the sale (intro, follow_up_2, proposal_v1...);
    with the workflow id it makes the deterministic Message-ID.
    """

    workflow_id: str
    step: str
    template: str
    to: str
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
    earlier: CarriedEmail | None = Field(
        default=None,
        description="an email to the same recipient sent first by the same activity (version 7)",
    )

    def earlier_request(self) -> "EmailRequest | None":
        """The earlier email as a request of its own: this one's sale, recipient and playbook."""
        if self.earlier is None:
            return None
        return self.model_copy(
            update={**self.earlier.model_dump(), "contract": None, "earlier": None}
        )

    def with_quote(self, quote: Quote, needs: NeedsIdentified) -> "EmailRequest":
        """The offer's email for `quote` as filed (process version 11): the quote read and its
        PDF attached, the orientation before it reading the needs, as the sale gives them
        (`workflows.sale.references`): by reference once filed, else inline."""
        update: dict[str, Any] = {"attachments": [quote.pdf_path] if quote.pdf_path else []}
        if quote.data_path:
            update["context_files"] = {**self.context_files, "quote": quote.data_path}
        else:
            update["context"] = {**self.context, "quote": quote.model_dump(mode="json")}
        earlier = self.earlier
        if earlier is not None and quote.data_path:
            files = {**earlier.context_files, "needs": needs_file(quote.data_path)}
            update["earlier"] = earlier.model_copy(update={"context_files": files})
        elif earlier is not None:
            context = {**earlier.context, "needs": needs.model_dump(mode="json")}
            update["earlier"] = earlier.model_copy(update={"context": context})
        return self.model_copy(update=update)


def needs_file(quote_file: str) -> str:
    """Where the needs a quote was priced for are read: in the quote's own file."""
    return f"{quote_file}#needs"


class EmailReceipt(SetOnly):
    """What was sent: subject and Message-ID, for the sale's state (and the earlier email's)."""

    to: str
    subject: str
    message_id: str
    sent_at: datetime
    contract: ContractDocument | None = None
    earlier: "EmailReceipt | None" = None


class QuoteRequest(UsesPlaybook, UsesLead, SetOnly):
    """Price, render and file one version of a quote or proposal."""

    workflow_id: str
    version: int
    issued_on: date
    # The items and needs as the customer set them (`sales.payloads`).
    items: list[Annotated[ItemOfInterest, AS_SET]]
    discount_percent: Decimal
    discount_amount: Decimal | None = None
    purchasing_procedure: PurchasingProcedure
    needs: Annotated[NeedsIdentified, AS_SET]
    notes: str | None = None
    offer: EmailRequest | None = Field(
        default=None,
        description="the offer's email (the orientation before it) to send once the quote is "
        "filed, unless its discount waits for a manager (process version 11, `offer_quote`)",
    )


class OfferedQuote(BaseModel):
    """A quote priced and filed, and the receipt of the offer's email when the same activity
    sent it (process version 11); without one, the sale sends the offer itself."""

    quote: Quote
    offer: EmailReceipt | None = None


QualificationRequest.model_rebuild()
QualificationResult.model_rebuild()
