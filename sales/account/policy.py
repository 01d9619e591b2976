"""A playbook's `[account]` section: who owns a customer, the service levels, and renewals."""

import hashlib
from datetime import timedelta
from enum import StrEnum
from typing import Any

from pydantic import EmailStr, Field, field_validator, model_validator

from sales.config import OptionalWait, Section, Wait


class Priority(StrEnum):
    """A ticket's priority, P1 (the customer's line is down) to P4 (a question)."""

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


def priority_of(value: Any) -> Any:
    """`p1`, ` P1 ` and `P1` are the same priority."""
    return value.strip().upper() if isinstance(value, str) else value


class Person(Section):
    """Someone on the seller's side: an account owner or the support lead."""

    name: str = Field(min_length=1)
    email: EmailStr


class ServiceLevel(Section):
    """The targets of one ticket priority, counted from the moment the ticket is opened."""

    first_response: Wait
    resolution: Wait

    @model_validator(mode="after")
    def _response_first(self) -> "ServiceLevel":
        if self.first_response > self.resolution:
            raise ValueError("first_response must not be longer than resolution")
        return self


class RenewalBy(StrEnum):
    """How an account renews: a renewal sale, or (public buyers) a new tender."""

    SALE = "sale"
    TENDER = "tender"


class RenewalPolicy(Section):
    """When the account opens the next sale before the contract's term ends."""

    playbook: str = Field(
        default="renewal", pattern=r"^[a-z0-9][a-z0-9_-]*$", description="the renewal sale's"
    )
    by: RenewalBy = RenewalBy.SALE
    reminder_before: Wait = Field(
        default=timedelta(days=90), description="the reminder to owner and customer"
    )
    start_before: Wait = Field(
        default=timedelta(days=60), description="when the renewal sale starts"
    )


class AccountPolicy(Section):
    """How a customer account runs: the owner rota, service levels, follow-ups and renewal.

    The defaults are an account with no owner (the support contact answers), no service
    levels and no renewal: a quick web sale's.
    """

    owners: list[Person] = Field(
        default=[], description="the rota; each account gets one, by its lead id"
    )
    support_lead: Person | None = Field(
        default=None, description="second escalation of a ticket breach"
    )
    business_hours_only: bool = Field(
        default=True,
        description="ticket targets count the customer's business hours (the outreach window, "
        "business days and public holidays) only",
    )
    service_levels: dict[Priority, ServiceLevel] = Field(
        default={}, description="targets by ticket priority; a priority not listed has none"
    )
    default_priority: Priority = Priority.P3
    delivery_within: OptionalWait = Field(
        default=None, description="an order's promised date when the order names none"
    )
    low_score: int = Field(
        default=6, ge=0, le=10, description="feedback at or below opens a follow-up task"
    )
    follow_up_within: Wait = Field(
        default=timedelta(days=3), description="the owner's follow-up of a low score is due"
    )
    scores_count_for: Wait = Field(
        default=timedelta(days=180), description="how long a score weighs on the account's health"
    )
    business_reviews_every: OptionalWait = Field(
        default=None, description="a business review with the customer (quarterly: P91D)"
    )
    renewal: RenewalPolicy | None = None
    upsell_playbook: str = Field(
        default="renewal",
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="the playbook of an upsell sale an owner asks for (upsell_requested)",
    )

    @field_validator("service_levels", mode="before")
    @classmethod
    def _priorities(cls, levels: Any) -> Any:
        if isinstance(levels, dict):
            return {priority_of(key): value for key, value in levels.items()}
        return levels

    @field_validator("default_priority", mode="before")
    @classmethod
    def _priority(cls, value: Any) -> Any:
        return priority_of(value)

    @model_validator(mode="after")
    def _reminder_before_start(self) -> "AccountPolicy":
        renewal = self.renewal
        if renewal is not None and renewal.reminder_before < renewal.start_before:
            # The reminder tells owner and customer the renewal is coming, before it starts.
            raise ValueError(
                "renewal.reminder_before must be at least start_before (the reminder comes first)"
            )
        return self

    def owner_for(self, lead_id: str) -> Person | None:
        """The account's owner from the rota: the same lead id gives the same person always."""
        if not self.owners:
            return None
        index = int(hashlib.sha256(lead_id.encode()).hexdigest()[:8], 16) % len(self.owners)
        return self.owners[index]

    def addresses(self) -> set[str]:
        """The seller's own people of this section: mail to them is internal, not outreach."""
        people = [*self.owners, *([self.support_lead] if self.support_lead else [])]
        return {str(person.email) for person in people}
