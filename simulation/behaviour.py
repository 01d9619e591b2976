"""Scripted customer behaviour: personas and what each does, when, in the playbook's own events.

A behaviour file (TOML) lists personas, each with a share of the leads, a
script of acts, and what it does as a customer once won (`[persona.account]`).
An act waits for a milestone of the sale (`stage:PROPOSAL`,
`gate:legal_review` while it waits, `email:proposal_v` for the first email whose step starts
so, `waiting:lead_qualified` while the sale waits for that event; none: the previous act), lets a
virtual wait pass (`after`), then sends an event with its payload. A string
value `"+P20D"` in a payload becomes that far after the moment it is sent
(a tender's submission deadline). Acts whose event the playbook has no step
for are skipped, so one behaviour file serves every playbook.
"""

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sales.account.policy import Priority, priority_of
from sales.config import OptionalWait, Wait
from sales.errors import describe

DEFAULT_BEHAVIOUR = Path(__file__).resolve().parent / "behaviours" / "default.toml"
MILESTONE_KINDS = ("stage", "gate", "email", "waiting")


class Act(BaseModel):
    """One thing a customer (or the seller, or an outside system) does in a simulated sale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: str
    once: str | None = Field(default=None, description="stage:X, gate:X or email:X")
    after: timedelta = timedelta(0)
    payload: dict[str, Any] = {}
    requires: list[str] = Field(default=[], description="only when the process lists these steps")
    unless: list[str] = Field(default=[], description="not when the process lists any of these")

    @field_validator("once")
    @classmethod
    def _milestone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        kind, sep, name = value.partition(":")
        if not sep or kind not in MILESTONE_KINDS or not name:
            raise ValueError(f"{value!r} is not stage:NAME, gate:NAME, email:STEP or waiting:EVENT")
        return value


Share = Annotated[float, Field(ge=0, le=1)]
Weight = Annotated[float, Field(ge=0)]


def _weighted(table: Any) -> Any:
    """A weight table must give some weight to something."""
    if isinstance(table, dict) and table and not any(_positive(w) for w in table.values()):
        raise ValueError("at least one weight must be above 0")
    return table


def _positive(weight: Any) -> bool:
    return isinstance(weight, int | float) and not isinstance(weight, bool) and weight > 0


class AccountBehaviour(BaseModel):
    """What one kind of customer does in its account once won; the defaults: a quiet, loyal
    customer who orders twice a year and opens a P3 ticket a quarter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    orders_per_year: float = Field(default=2, ge=0, le=52, description="orders after the first")
    late_orders: Share = Field(default=0.1, description="share fulfilled after their promise")
    late_by: Wait = Field(default=timedelta(days=5), description="a late one: after the promise")
    tickets_per_quarter: float = Field(default=1, ge=0, le=30)
    priorities: dict[Priority, Weight] = Field(
        default={Priority.P3: 1.0}, min_length=1, description="weight of each ticket priority"
    )
    response_hours: dict[float, Weight] = Field(
        default={4.0: 1.0}, min_length=1, description="hours to the first response: weight"
    )
    resolution_hours: dict[float, Weight] = Field(
        default={24.0: 1.0}, min_length=1, description="hours from the response to resolution"
    )
    feedback_after: Wait = Field(
        default=timedelta(days=2), description="the score comes this long after each check-in"
    )
    scores: dict[Annotated[int, Field(ge=0, le=10)], Weight] = Field(
        default={9: 1.0}, min_length=1, description="weight of each score 0-10"
    )
    follow_up_after: OptionalWait = Field(
        default=timedelta(days=1), description="the owner's follow-up of a low score; none: never"
    )
    renews: Share = Field(default=1.0, description="chance the customer accepts a renewal")

    @field_validator("priorities", mode="before")
    @classmethod
    def _priorities(cls, table: Any) -> Any:
        if isinstance(table, dict):
            table = {priority_of(key): weight for key, weight in table.items()}
        return _weighted(table)

    @field_validator("response_hours", "resolution_hours", "scores", mode="before")
    @classmethod
    def _some_weight(cls, table: Any) -> Any:
        return _weighted(table)

    @field_validator("response_hours", "resolution_hours")
    @classmethod
    def _hours(cls, table: dict[float, float]) -> dict[float, float]:
        if any(hours < 0 for hours in table):
            raise ValueError("hours must not be negative")
        return table


class Persona(BaseModel):
    """A kind of customer: its share of the simulated leads, its script, and its account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    share: float = Field(gt=0)
    lead: dict[str, Any] = Field(default={}, description="lead fields, e.g. country")
    acts: list[Act] = []
    account: AccountBehaviour = AccountBehaviour()


# The built-in renewal scripts: a renewal sale (quote, contract, order) or a renewal tender
# (the call's items, the bid, the award, contract, order). Acts the renewal playbook has no
# step for are skipped, as in the sale personas.
_NEW_CALL: dict[str, Any] = {
    "event": "needs_identified",
    "once": "stage:NEEDS_ANALYSIS",
    "after": "P5D",
    "requires": ["needs_analysis"],
    "payload": {
        "summary": "The framework agreement is tendered again",
        "tender_reference": "CfT-SIM-R",
        "submission_deadline": "+P20D",
        "items": "account",
    },
}
ACCEPTED: list[dict[str, Any]] = [
    _NEW_CALL,
    {
        "event": "proposal_accepted",
        "once": "email:proposal_v",
        "after": "P5D",
        "payload": {"accepted_by": "Buyer", "po_number": "PO-SIM-R"},
    },
    {
        "event": "tender_awarded",
        "once": "email:tender_bid",
        "after": "P30D",
        "payload": {"awarded_by": "Procurement office", "po_number": "PO-SIM-R"},
    },
    {
        "event": "contract_signed",
        "once": "email:contract_v",
        "after": "P5D",
        "payload": {"signed_by": "Buyer"},
    },
    {
        "event": "order_placed",
        "once": "stage:CLOSING",
        "after": "P2D",
        "payload": {"order_number": "SO-SIM-R"},
    },
]
DECLINED: list[dict[str, Any]] = [
    _NEW_CALL,
    {
        "event": "proposal_rejected",
        "once": "email:proposal_v",
        "after": "P10D",
        "payload": {"reason": "moved to a competitor"},
    },
    {
        "event": "tender_lost",
        "once": "email:tender_bid",
        "after": "P30D",
        "payload": {"reason": "price", "winner": "a competitor"},
    },
]


class RenewalScripts(BaseModel):
    """How a renewal sale goes when the customer accepts it, and when it declines it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accepted: list[Act] = Field(default_factory=lambda: [Act.model_validate(a) for a in ACCEPTED])
    declined: list[Act] = Field(default_factory=lambda: [Act.model_validate(a) for a in DECLINED])


class Behaviour(BaseModel):
    """Every persona of a behaviour file, and the renewal scripts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    personas: list[Persona] = Field(min_length=1, alias="persona")
    renewal: RenewalScripts = RenewalScripts()

    def assign(self, leads: int) -> list[Persona]:
        """The persona of each of `leads` sales: shares rounded by largest remainder, in order."""
        total = sum(p.share for p in self.personas)
        exact = [p.share / total * leads for p in self.personas]
        counts = [int(x) for x in exact]
        by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
        for index in by_remainder[: leads - sum(counts)]:
            counts[index] += 1
        return [p for p, n in zip(self.personas, counts, strict=True) for _ in range(n)]


class BehaviourError(ValueError):
    """A behaviour file that cannot be read or does not validate."""


def load_behaviour(path: Path | None) -> Behaviour:
    """The behaviour in `path`, or the built-in mix; errors name the file and the key."""
    path = path or DEFAULT_BEHAVIOUR
    try:
        return Behaviour.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except OSError as err:
        raise BehaviourError(f"{path}: cannot be read: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise BehaviourError(f"{path}: {err}") from err
    except ValidationError as err:
        raise BehaviourError(f"{path}: {describe(err)}") from err


def with_items(acts: list[Act], items: list[dict[str, Any]]) -> list[Act]:
    """The acts with every `items = "account"` of a payload replaced by the account's items."""
    return [
        act.model_copy(update={"payload": {**act.payload, "items": items}})
        if act.payload.get("items") == "account"
        else act
        for act in acts
    ]


def resolve(payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The payload with every `"+<ISO duration>"` string turned into that moment after `now`."""
    from pydantic import TypeAdapter

    waits = TypeAdapter(timedelta)
    resolved: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, str) and value.startswith("+P"):
            resolved[key] = (now + waits.validate_python(value[1:])).isoformat()
        else:
            resolved[key] = value
    return resolved
