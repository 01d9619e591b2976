"""The opt-out list: addresses no sale may email, across every sale and every worker.

An address is kept by a hash of its normalised form (the same person in another
letter case is the same entry); an opt-out stays until someone re-opts the address
in explicitly, saying who and why.
"""

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from sales.lead import normalise_email


class SuppressionSource(StrEnum):
    """How an address came onto the list (or off it)."""

    UNSUBSCRIBE = "unsubscribe"
    BOUNCE = "bounce"
    OPS = "ops"


def address_key(email: str) -> str:
    """A stable key of the normalised address: the list never needs the address in an id."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


class Suppress(BaseModel):
    """Put an address on the list: nothing more is sent to it."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3)
    reason: str = Field(min_length=1)
    by: str = Field(min_length=1, description="who or what: a person, 'unsubscribe link', a sale")
    source: SuppressionSource = SuppressionSource.OPS
    sale: str | None = None


class Unsuppress(BaseModel):
    """Take an address off the list again: only on someone's explicit word, with why."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3)
    by: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class SuppressionChange(BaseModel):
    """One change of an address's standing, kept for the record."""

    suppressed: bool
    by: str
    reason: str
    source: SuppressionSource
    sale: str | None = None
    at: datetime


class SuppressionStatus(BaseModel):
    """Whether an address may be emailed, since when not, and every change so far."""

    address: str
    suppressed: bool = False
    changes: list[SuppressionChange] = []

    @property
    def latest(self) -> SuppressionChange | None:
        return self.changes[-1] if self.changes else None

    def describe(self) -> str:
        """One line for a person: `suppressed since 2026-11-27 by unsubscribe link: ...`."""
        change = self.latest
        if change is None:
            return f"{self.address} is not on the opt-out list"
        what = "suppressed" if self.suppressed else "allowed again"
        return f"{self.address} {what} since {change.at:%Y-%m-%d} by {change.by}: {change.reason}"
