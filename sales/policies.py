"""The policies of a playbook's stages: who decides, how long each wait lasts, which terms apply."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import EmailStr, Field, field_validator, model_validator

from sales.config import OptionalWait, Percent, Section, Wait
from sales.countries import CountryCode
from sales.lead import Lead
from sales.sending import (
    LEAD_EMAILS,
    OUTREACH_EMAILS,
    TimeZoneName,
    next_send_time,
    parse_window,
    zone_of,
)


class QualificationMode(StrEnum):
    """Who decides a lead is viable: the playbook's rules or a seller."""

    RULES = "rules"
    SELLER = "seller"


class PurchasingProcedure(StrEnum):
    """How the buyer buys: a one-page quote will do, or procurement wants a formal proposal."""

    QUOTE = "quote"
    FORMAL_PROPOSAL = "formal_proposal"


class RoundingPolicy(StrEnum):
    """Round each line (per_line) or only the totals (total); always half up."""

    PER_LINE = "per_line"
    TOTAL = "total"


class OnExpiry(StrEnum):
    """When a quote or contract runs out: the sale is lost, or a new version goes out."""

    LOST = "lost"
    NEW_VERSION = "new_version"


class OnApprovalTimeout(StrEnum):
    """No approval in time: the sale is lost, or the quote goes out at the allowed discount."""

    LOST = "lost"
    WITHOUT_DISCOUNT = "without_discount"


class Seller(Section):
    """The selling company and the person who signs its emails."""

    company: str
    name: str
    email: EmailStr
    phone: str = ""
    address: str = ""
    website: str = ""
    sales_manager_email: EmailStr


DECISION_MAKER_WORDS = [
    "owner", "founder", "ceo", "cto", "coo", "cfo", "chief", "president", "director",
    "head", "vp", "vice president", "manager", "lead", "purchasing", "procurement", "buyer",
]  # fmt: skip

ROLE_ADDRESSES = [
    "info", "sales", "contact", "office", "admin", "hello", "team", "support", "marketing",
    "noreply", "no-reply", "postmaster", "webmaster", "hr", "jobs", "careers", "billing",
    "accounts", "enquiries", "inquiries", "mail", "service", "kontakt", "vertrieb",
]  # fmt: skip


class LeadScore(Section):
    """Points for what a card tells; the total decides: qualify, ask a seller, or disqualify."""

    qualify_at: int = Field(description="at or above: qualified by the rules")
    disqualify_below: int = Field(description="below: disqualified; in between: a seller decides")
    company: int = 10
    title: int = 5
    decision_maker: int = Field(default=20, description="a title with a decision_maker_word")
    decision_maker_words: list[str] = Field(default_factory=lambda: list(DECISION_MAKER_WORDS))
    phone: int = 5
    website: int = 5
    business_email: int = Field(default=10, description="an address that is not free mail")
    industry: int = 20
    target_industries: list[str] = Field(default=[])
    country: int = 15
    target_countries: list[CountryCode] = Field(default=[])

    @model_validator(mode="after")
    def _ordered(self) -> "LeadScore":
        if self.disqualify_below > self.qualify_at:
            raise ValueError(
                f"disqualify_below ({self.disqualify_below}) is above "
                f"qualify_at ({self.qualify_at})"
            )
        return self


class QualificationRules(Section):
    """What makes a lead worth contacting, and what no seller may override."""

    mode: QualificationMode = QualificationMode.RULES
    required_fields: list[str] = Field(default=["email"])
    blocked_domains: list[str] = Field(default=[])
    blocked_countries: list[CountryCode] = Field(
        default=[], description="ISO codes the company may not sell to (trade restrictions)"
    )
    screening_list: str | None = Field(
        default=None,
        description="restricted parties (CSV under the playbooks folder); a match disqualifies",
    )
    screening_review_similarity: int | None = Field(
        default=None,
        ge=50,
        le=100,
        description="a company name this similar (0-100) to a listed one goes to a seller",
    )
    refuse_free_mail: bool = Field(default=False, description="gmail.com, web.de...: B2B only")
    refuse_role_addresses: bool = Field(default=False, description="info@, sales@...: B2B only")
    role_addresses: list[str] = Field(default_factory=lambda: list(ROLE_ADDRESSES))
    score: LeadScore | None = None
    decision_timeout: Wait = timedelta(days=14)

    @field_validator("blocked_domains", "role_addresses")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]

    @field_validator("required_fields")
    @classmethod
    def _lead_fields(cls, fields: list[str]) -> list[str]:
        unknown = [f for f in fields if f not in Lead.model_fields]
        if unknown:
            known = ", ".join(f for f in Lead.model_fields if f not in ("lead_id", "items"))
            raise ValueError(f"{', '.join(unknown)}: not a lead field (known: {known})")
        return fields


class OutreachPolicy(Section):
    """When emails to a lead may leave, in the lead's own time (see `sales.sending`)."""

    window: str | None = Field(
        default=None, description="local business hours like 09:00-17:30; none: any time"
    )
    business_days_only: bool = Field(default=False, description="no email on Saturday or Sunday")
    public_holidays: bool = Field(
        default=False, description="no email on the public holidays of the lead's country"
    )
    fallback_timezone: TimeZoneName = Field(
        default="Europe/Berlin", description="for a lead with neither time zone nor country"
    )
    wait_for_window: list[str] = Field(
        default=list(OUTREACH_EMAILS),
        description="the emails that wait for the window (unsolicited outreach); every other "
        "email to the lead answers the lead's own action and goes at once",
    )

    @field_validator("window")
    @classmethod
    def _window(cls, window: str | None) -> str | None:
        if window is not None:
            parse_window(window)
        return window

    @field_validator("wait_for_window")
    @classmethod
    def _lead_emails(cls, emails: list[str]) -> list[str]:
        unknown = [email for email in emails if email not in LEAD_EMAILS]
        if unknown:
            raise ValueError(
                f"{', '.join(map(repr, unknown))}: no email to the lead has that name "
                f"(they are: {', '.join(LEAD_EMAILS)}; a tender bid never waits)"
            )
        return list(dict.fromkeys(emails))

    def waits(self, email: str) -> bool:
        """Whether `email` (its name in the process) waits for the lead's sending window."""
        return self.window is not None and email in self.wait_for_window

    def goes_now(self, email: str, lead: Lead, at: datetime, holidays: frozenset[date]) -> bool:
        """Whether `email` may leave for `lead` `at`: it does not wait, or the window is open."""
        return not self.waits(email) or self.opens(at, self.zone_for(lead), holidays) <= at

    def zone_for(self, lead: Lead) -> ZoneInfo:
        """The lead's own time: its zone, else its country's, else the fallback."""
        return zone_of(lead.timezone, lead.country, self.fallback_timezone or "UTC")

    def opens(self, now: datetime, zone: ZoneInfo, holidays: frozenset[date]) -> datetime:
        """`now` when the window is open (or there is none), else when it next opens;
        `holidays`: the lead country's public holidays, skipped where the playbook says so."""
        if self.window is None:
            return now
        return next_send_time(
            now,
            window=parse_window(self.window),
            zone=zone,
            business_days_only=self.business_days_only,
            holidays=holidays if self.public_holidays else frozenset(),
        )


class ContactCadence(Section):
    """The intro email and follow-ups: each wait is measured from the previous email."""

    follow_ups: list[Wait] = Field(default=[timedelta(days=3), timedelta(days=7)])
    give_up_after: Wait = timedelta(days=7)
    interest_wait: Wait = Field(
        default=timedelta(days=30),
        description="after a reply, how long the seller has to record interest",
    )


class NeedsAnalysis(Section):
    """How long a prospect's needs may take to be identified."""

    timeout: Wait = timedelta(days=30)
    send_orientation: bool = Field(
        default=True, description="email the prospect a summary of the needs and next steps"
    )


class ProposalPolicy(Section):
    """Quote validity, reminders and discount approval."""

    validity: Wait = timedelta(days=30)
    reminder_before_expiry: OptionalWait = Field(
        default=timedelta(days=7), description='"none": no reminder'
    )
    discount_approval_threshold: Percent = Decimal(10)
    approval_timeout: Wait = timedelta(days=7)
    on_approval_timeout: OnApprovalTimeout = OnApprovalTimeout.LOST
    on_expiry: OnExpiry = OnExpiry.LOST
    max_versions: int = Field(default=5, gt=0, description="revisions and re-issues together")
    default_purchasing_procedure: PurchasingProcedure = PurchasingProcedure.QUOTE
    po_number_required: bool = Field(
        default=False, description="every acceptance carries a PO number, not only formal ones"
    )
    rounding: RoundingPolicy = RoundingPolicy.PER_LINE
    terms: str = "Prices exclude shipping. Payment 30 days net."


class ContractTerms(Section):
    """Terms and conditions printed on the contract, and its signature deadlines."""

    payment_terms: str = "30 days net"
    term_months: int = Field(default=12, gt=0)
    governing_law: str = "the laws of Germany"
    liability: str = "Liability is limited to the contract value."
    mandatory_terms: list[str] = Field(
        default=[], description="clauses the buyer's rules require, printed on bids and contracts"
    )
    reminder_after: Wait = timedelta(days=7)
    expires_after: Wait = timedelta(days=30)
    on_expiry: OnExpiry = OnExpiry.LOST
    max_versions: int = Field(default=2, gt=0)


class ClosingPolicy(Section):
    """How long to wait for the first order once proposal and contract are done."""

    order_wait: Wait = timedelta(days=60)


class SupportPolicy(Section):
    """Who looks after a new customer, and when to check in."""

    contact_name: str
    contact_email: EmailStr
    check_in_after: Wait = timedelta(days=14)
    check_in_every: Wait = timedelta(days=90)
