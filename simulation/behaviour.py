"""Scripted customer behaviour: personas and what each does, when, in the playbook's own events.

A behaviour file (TOML) lists personas, each with a share of the leads and a
script of acts. An act waits for a milestone of the sale (`stage:PROPOSAL`,
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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


class Persona(BaseModel):
    """A kind of customer: its share of the simulated leads and its script."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    share: float = Field(gt=0)
    lead: dict[str, Any] = Field(default={}, description="lead fields, e.g. country")
    acts: list[Act] = []


class Behaviour(BaseModel):
    """Every persona of a behaviour file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    personas: list[Persona] = Field(min_length=1, alias="persona")

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
