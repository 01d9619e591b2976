"""What arrives on an event's signal or update when it is not that event: never dropped.

The payload converter (`client.converter`) turns whatever a sender sent that does not
validate as the event (not JSON, the wrong shape, too large, two arguments) into an
`Unreadable`, so the workflow's typed handler receives it and records the refusal. What is
kept is bounded whatever arrives: a digest and an excerpt, not the payload.
"""

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from sales.errors import describe
from sales.limits import EVENT_BYTES, EXCERPT, SHORT


class Unreadable(BaseModel):
    """A payload that is not the event its message carries: why, and how to recognise it."""

    unreadable: Literal[True] = Field(description="always true: tells it from an event")
    problem: str
    size: int = Field(description="bytes of the payload as received")
    digest: str = Field(description="SHA-256 of the payload, first 16 hex digits")
    excerpt: str = Field(description="the payload's first characters, as JSON")
    event_id: str | None = Field(default=None, description="its event_id, if one could be read")


def unreadable(raw: bytes, problem: str) -> Unreadable:
    """The record of `raw`, which is not an event because of `problem`."""
    return Unreadable(
        unreadable=True,
        problem=problem[:1000],
        size=len(raw),
        digest=hashlib.sha256(raw).hexdigest()[:16],
        excerpt=raw[: EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT],
        event_id=_event_id(raw),
    )


def too_large(raw: bytes) -> Unreadable | None:
    """Refused unread when over `EVENT_BYTES`; None when it may be read."""
    if len(raw) <= EVENT_BYTES:
        return None
    return unreadable(raw, f"payload too large: {len(raw):,} bytes; the limit is {EVENT_BYTES:,}")


def not_valid(raw: bytes, error: ValidationError) -> Unreadable:
    """The event's validation failed: not JSON at all, or JSON of the wrong shape."""
    if all(problem["type"] == "json_invalid" for problem in error.errors()):
        return unreadable(raw, f"unreadable payload: {error.errors()[0]['msg']}")
    return unreadable(raw, "invalid payload: " + describe(error))


def wrong_count(args: list[Any]) -> Unreadable:
    """Not one payload: a sender of none, or of several."""
    raw = json.dumps(args, default=str, ensure_ascii=False).encode()
    return unreadable(raw, f"expected one JSON object, got {len(args)} arguments")


def _event_id(raw: bytes) -> str | None:
    if len(raw) > EVENT_BYTES:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    event_id = data.get("event_id") if isinstance(data, dict) else None
    return event_id[:SHORT] if isinstance(event_id, str) else None
