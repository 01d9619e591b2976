"""Gates a playbook may put inside its stages, with their settings and the rules they apply.

Each gate waits for a decision from outside (a licence authority, a credit
officer, the buyer's lawyers, a contracting authority) with its own timeout and
the reason the sale is lost when no decision comes.
"""

from datetime import timedelta
from decimal import Decimal

from pydantic import Field

from sales.config import Section, Wait
from sales.countries import CountryCode
from sales.items import Money
from sales.stages import LostReason


class ExportLicenseGate(Section):
    """Dual-use goods to these destinations wait for an export licence before the contract."""

    destinations: list[CountryCode] = Field(
        min_length=1, description="ISO codes of countries whose buyers need a licence"
    )
    all_goods: bool = Field(
        default=False, description="every item needs the licence, not only the dual-use ones"
    )
    timeout: Wait = timedelta(days=90)
    lost_reason: LostReason = Field(
        default=LostReason.STALLED, description="when no decision comes in time"
    )

    def needs_license(self, country: str | None, dual_use: list[bool]) -> bool:
        """Whether goods with these dual-use flags need a licence to go to `country`."""
        if country not in self.destinations:
            return False
        return self.all_goods or any(dual_use)


class CreditDecision(Section):
    """What the credit rules say: approved, or referred to a person, with the reason."""

    approved: bool
    reason: str


class CreditCheckGate(Section):
    """Above an amount (0: every first order) the buyer's credit is checked before the contract."""

    above: Money = Field(default=Decimal(0), description="net deal value from which to check")
    auto_approve_up_to: Money | None = Field(
        default=None, description="the rules approve up to this net value; above, a person decides"
    )
    refer_countries: list[CountryCode] = Field(
        default=[], description="buyers in these countries always go to a person"
    )
    timeout: Wait = timedelta(days=14)
    lost_reason: LostReason = LostReason.STALLED

    def applies(self, net: Decimal) -> bool:
        return net >= self.above

    def decide(self, net: Decimal, currency: str, country: str | None) -> CreditDecision:
        """The rule-based decision; a referral waits for a person's `credit_approved`."""
        if country and country in self.refer_countries:
            return CreditDecision(
                approved=False, reason=f"buyers in {country} need a person's review"
            )
        limit = self.auto_approve_up_to
        if limit is None:
            return CreditDecision(
                approved=False, reason="this playbook has a person decide on credit"
            )
        if net > limit:
            return CreditDecision(
                approved=False, reason=f"{currency} {net} is above the automatic limit of {limit}"
            )
        return CreditDecision(
            approved=True, reason=f"{currency} {net} is within the automatic limit of {limit}"
        )


class LegalReviewGate(Section):
    """The buyer's lawyers redline the draft contract; each round makes a new version."""

    max_rounds: int = Field(
        default=3, ge=1, description="redline rounds before only signing is left"
    )
    round_timeout: Wait = Field(
        default=timedelta(days=30), description="from each draft to the lawyers' answer"
    )
    lost_reason: LostReason = LostReason.LEGAL_REVIEW_FAILED


class TenderGate(Section):
    """A public call for tenders: the bid goes out before the deadline; the award decides."""

    submission_margin: Wait = Field(
        default=timedelta(hours=24),
        description="a bid must leave at least this long before the deadline (portal, courier)",
    )
    default_window: Wait = Field(
        default=timedelta(days=30), description="the deadline when the needs name none"
    )
    award_wait: Wait = Field(default=timedelta(days=90), description="after the deadline")
    lost_reason: LostReason = Field(
        default=LostReason.STALLED, description="when no award comes in time"
    )


class Gates(Section):
    """The settings of each gate the process lists; a gate not listed has none."""

    export_license: ExportLicenseGate | None = None
    credit_check: CreditCheckGate | None = None
    legal_review: LegalReviewGate | None = None
    tender: TenderGate | None = None
