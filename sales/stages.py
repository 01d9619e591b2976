"""Stages of a sale and the reasons a sale is lost."""

from enum import StrEnum


class SalesStage(StrEnum):
    """Where a sale stands; the value is what the `SalesStage` search attribute shows."""

    QUALIFICATION = "QUALIFICATION"
    CONTACT = "CONTACT"
    NEEDS_ANALYSIS = "NEEDS_ANALYSIS"
    PROPOSAL = "PROPOSAL"
    CONTRACT = "CONTRACT"
    CLOSING = "CLOSING"
    WON = "WON"
    LOST = "LOST"
    # Not a sale's: the customer account a won sale hands over to (CustomerSupportWorkflow).
    CUSTOMER = "CUSTOMER"

    @property
    def order(self) -> int:
        return _ORDER[self]

    @property
    def is_final(self) -> bool:
        return self in (SalesStage.WON, SalesStage.LOST)


_ORDER = {stage: index for index, stage in enumerate(SalesStage)}
# The stages of a sale, without the account's CUSTOMER: what the pipeline report counts.
SALE_STAGES: tuple[SalesStage, ...] = tuple(s for s in SalesStage if s is not SalesStage.CUSTOMER)


class LostReason(StrEnum):
    """Why a sale ended without a customer; `mark_lost` accepts exactly these."""

    DISQUALIFIED = "disqualified"
    UNRESPONSIVE = "unresponsive"
    NOT_INTERESTED = "not_interested"
    STALLED = "stalled"
    DISCOUNT_NOT_APPROVED = "discount_not_approved"
    PROPOSAL_REJECTED = "proposal_rejected"
    PROPOSAL_EXPIRED = "proposal_expired"
    CONTRACT_EXPIRED = "contract_expired"
    NO_ORDER = "no_order"
    OPTED_OUT = "opted_out"
    BOUNCED = "bounced"
    NO_BUDGET = "no_budget"
    COMPETITOR = "competitor"
    CANCELLED = "cancelled"
    OTHER = "other"
    # Gates of the playbook's process (sales.gates).
    EXPORT_DENIED = "export_denied"
    CREDIT_DENIED = "credit_denied"
    LEGAL_REVIEW_FAILED = "legal_review_failed"
    TENDER_LOST = "tender_lost"
    TENDER_DEADLINE_MISSED = "tender_deadline_missed"
