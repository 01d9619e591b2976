"""Playbooks: how an industry, a company policy and trade restrictions shape a sale.

Every wait, threshold, template and restriction of the process is playbook
data. A sale carries a snapshot of its playbook, so editing a file never
changes a sale that is already running.
"""

import tomllib
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator

from sales.errors import describe
from sales.money import minor_units

Percent = Annotated[Decimal, Field(ge=0, le=100)]
Wait = Annotated[timedelta, Field(gt=timedelta(0))]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class Seller(_Section):
    """The selling company and the person who signs its emails."""

    company: str
    name: str
    email: EmailStr
    phone: str = ""
    address: str = ""
    website: str = ""
    sales_manager_email: EmailStr


class QualificationRules(_Section):
    """What makes a lead worth contacting."""

    mode: QualificationMode = QualificationMode.RULES
    required_fields: list[str] = ["email"]
    blocked_domains: list[str] = []
    blocked_countries: list[str] = Field(
        default=[], description="ISO codes the company may not sell to (trade restrictions)"
    )
    decision_timeout: Wait = timedelta(days=14)

    @field_validator("blocked_domains", "blocked_countries")
    @classmethod
    def _lower_or_upper(cls, values: list[str]) -> list[str]:
        return [v.strip() for v in values]


class ContactCadence(_Section):
    """The intro email and follow-ups: each wait is measured from the previous email."""

    follow_ups: list[Wait] = Field(default=[timedelta(days=3), timedelta(days=7)])
    give_up_after: Wait = timedelta(days=7)
    interest_wait: Wait = Field(
        default=timedelta(days=30),
        description="after a reply, how long the seller has to record interest",
    )


class NeedsAnalysis(_Section):
    """How long a prospect's needs may take to be identified."""

    timeout: Wait = timedelta(days=30)


class ProposalPolicy(_Section):
    """Quote validity, reminders and discount approval."""

    validity: Wait = timedelta(days=30)
    reminder_before_expiry: Wait = timedelta(days=7)
    discount_approval_threshold: Percent = Decimal(10)
    approval_timeout: Wait = timedelta(days=7)
    on_approval_timeout: OnApprovalTimeout = OnApprovalTimeout.LOST
    on_expiry: OnExpiry = OnExpiry.LOST
    max_versions: int = Field(default=5, gt=0, description="revisions and re-issues together")
    default_purchasing_procedure: PurchasingProcedure = PurchasingProcedure.QUOTE
    rounding: RoundingPolicy = RoundingPolicy.PER_LINE
    terms: str = "Prices exclude shipping. Payment 30 days net."


class ContractTerms(_Section):
    """Terms and conditions printed on the contract, and its signature deadlines."""

    payment_terms: str = "30 days net"
    term_months: int = Field(default=12, gt=0)
    governing_law: str = "the laws of Germany"
    liability: str = "Liability is limited to the contract value."
    reminder_after: Wait = timedelta(days=7)
    expires_after: Wait = timedelta(days=30)
    on_expiry: OnExpiry = OnExpiry.LOST
    max_versions: int = Field(default=2, gt=0)


class ClosingPolicy(_Section):
    """How long to wait for the first order once proposal and contract are done."""

    order_wait: Wait = timedelta(days=60)


class SupportPolicy(_Section):
    """Who looks after a new customer, and when to check in."""

    contact_name: str
    contact_email: EmailStr
    check_in_after: Wait = timedelta(days=14)
    check_in_every: Wait = timedelta(days=90)


class Playbook(_Section):
    """A whole playbook, as validated from `playbooks/<name>.toml`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    currency: str
    mail_domain: str = Field(
        description="domain of the deterministic Message-IDs of this playbook's emails"
    )
    seller: Seller
    qualification: QualificationRules = QualificationRules()
    contact: ContactCadence = ContactCadence()
    needs_analysis: NeedsAnalysis = NeedsAnalysis()
    proposal: ProposalPolicy = ProposalPolicy()
    contract: ContractTerms = ContractTerms()
    closing: ClosingPolicy = ClosingPolicy()
    support: SupportPolicy
    tax_rates: dict[str, dict[str, Percent]] = Field(
        description="tax rate by buyer country (or 'default') and tax category"
    )

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, currency: str) -> str:
        minor_units(currency)
        return currency

    @field_validator("tax_rates")
    @classmethod
    def _has_default(cls, rates: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, Decimal]]:
        if "default" not in rates:
            raise ValueError("tax_rates needs a 'default' table for buyers in other countries")
        return rates

    def tax_rate(self, country: str | None, category: str) -> Decimal:
        """The rate for a buyer's country, falling back to the default table."""
        by_country = self.tax_rates.get(country or "", {})
        if category in by_country:
            return by_country[category]
        try:
            return self.tax_rates["default"][category]
        except KeyError:
            raise ValueError(f"playbook {self.name} has no tax rate for {category!r}") from None


class PlaybookError(ValueError):
    """A playbook that cannot be found, read or validated."""


def load_playbook(directory: Path, name: str) -> Playbook:
    """Read `<directory>/<name>.toml`, naming the file and the field in any error."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        available = ", ".join(sorted(p.stem for p in directory.glob("*.toml"))) or "none"
        raise PlaybookError(f"no playbook {name!r} in {directory} (available: {available})")
    try:
        return Playbook.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as err:
        raise PlaybookError(f"{path}: {err}") from err
    except ValidationError as err:
        raise PlaybookError(f"{path}: {describe(err)}") from err
