"""Turning raw signal and update payloads into validated events, de-duplicated, or refusals.

Signals are received as `RawValue` so that nothing an outside system sends is
dropped by the SDK: a payload that is not JSON, or not the shape the signal
needs, becomes a `RejectedEvent` in the workflow's state. An update's validator
uses the same checks without recording anything, and its sender hears why.

What is recorded is bounded whatever arrives: a payload over `EVENT_BYTES` is
refused unread, a refusal keeps a digest and an excerpt rather than the payload,
and only the latest `REJECTED_KEPT` refusals are listed; older ones are counted.
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    # pydantic's EmailStr imports it lazily while validating playbooks in the sandbox.
    import email_validator  # noqa: F401
    from pydantic import ValidationError

    from sales.errors import describe
    from sales.events import Event
    from sales.limits import EVENT_BYTES, EXCERPT, REJECTED_KEPT, SHORT
    from sales.stages import SalesStage
    from sales.state import DroppedEvents, RejectedEvent

from workflows.messages import Messages

E = TypeVar("E", bound=Event, covariant=True)


@dataclass
class Received(Generic[E]):
    """A validated event waiting for the workflow to act on it."""

    signal: str
    event: E
    at: datetime


@dataclass
class Refused:
    """Why a payload is not an event the workflow can take, with the payload as received."""

    signal: str
    reason: str
    raw: bytes = b""
    event_id: str | None = None


def payload_bytes(arg: Any) -> bytes:
    """The payload as it came: a raw value's bytes, or what the SDK decoded, as JSON."""
    if isinstance(arg, RawValue):
        return bytes(arg.payload.data)
    return json.dumps(arg, default=str, ensure_ascii=False).encode()


def count_dropped(
    dropped: list[DroppedEvents],
    *,
    signal: str,
    why: str,
    at: datetime,
    stage: SalesStage | None = None,
) -> None:
    """One more event not listed on its own: counted under its signal and why."""
    for entry in dropped:
        if (entry.stage, entry.signal, entry.why) == (stage, signal, why):
            entry.count += 1
            entry.last_at = at
            return
    dropped.append(
        DroppedEvents(stage=stage, signal=signal, why=why, count=1, first_at=at, last_at=at)
    )


class EventInbox:
    """Validates each message against its payload model and remembers event ids already taken."""

    def __init__(
        self,
        messages: Messages,
        rejected: list[RejectedEvent],
        seen: Iterable[str] = (),
        *,
        dropped: list[DroppedEvents],
    ) -> None:
        self._messages = messages
        self._rejected = rejected
        self._dropped = dropped
        self._seen = set(seen)

    @property
    def seen(self) -> list[str]:
        return sorted(self._seen)

    def remember(self, ids: Iterable[str]) -> None:
        """Event ids taken in an earlier run of the same workflow."""
        self._seen |= set(ids)

    def parse(self, signal: str, args: Sequence[RawValue]) -> Received[Event] | Refused:
        """The event, or why it is refused; records nothing (update validators use this)."""
        message = self._messages.get(signal)
        raw = payload_bytes(args[0]) if len(args) == 1 else b""
        if message is None:
            known = ", ".join(self._messages.names())
            return Refused(signal, f"unknown signal; known: {known}", raw)
        if len(raw) > EVENT_BYTES:
            return Refused(
                signal, f"payload too large: {len(raw):,} bytes; the limit is {EVENT_BYTES:,}", raw
            )
        data: Any = None
        try:
            if len(args) != 1:
                raise ValueError(f"expected one JSON object, got {len(args)} arguments")
            # A named handler gets the payload raw; only for an odd number of arguments
            # has the SDK decoded them already (see workflows.handlers).
            arg: Any = args[0]
            data = (
                workflow.payload_converter().from_payload(arg.payload)
                if isinstance(arg, RawValue)
                else arg
            )
        except Exception as err:  # an undecodable payload must be recorded, not crash the task
            return Refused(signal, f"unreadable payload: {err}", raw)
        try:
            event = message.model.model_validate(data)
        except ValidationError as err:
            event_id = data.get("event_id") if isinstance(data, dict) else None
            return Refused(
                signal,
                "invalid payload: " + describe(err),
                raw,
                event_id=event_id if isinstance(event_id, str) else None,
            )
        if event.event_id is not None and event.event_id in self._seen:
            return Refused(
                signal,
                "duplicate event_id: this event was already received",
                raw,
                event_id=event.event_id,
            )
        return Received(signal=signal, event=event, at=workflow.now())

    def decode(self, signal: str, args: Sequence[RawValue]) -> Received[Event] | None:
        """The event, or None once its refusal is recorded in the rejected events."""
        parsed = self.parse(signal, args)
        if isinstance(parsed, Refused):
            self.record(parsed)
            return None
        return parsed

    def take(self, received: Received[Event]) -> None:
        """Mark the event's id as taken, so a repeat is rejected."""
        if received.event.event_id is not None:
            self._seen.add(received.event.event_id)

    def forget(self, received: Received[Event]) -> None:
        """The event was not applied: its event_id may come again, corrected."""
        if received.event.event_id is not None:
            self._seen.discard(received.event.event_id)

    def reject_received(self, received: Received[Event], reason: str) -> None:
        """Record why an event was not applied, and forget its event_id."""
        self.forget(received)
        self.record(
            Refused(
                received.signal,
                reason,
                received.event.model_dump_json(exclude_none=True).encode(),
                event_id=received.event.event_id,
            )
        )

    def record(self, refused: Refused) -> None:
        """List the refusal, bounded; past `REJECTED_KEPT` the oldest is only counted."""
        now = workflow.now()
        self._rejected.append(
            RejectedEvent(
                signal=refused.signal[:SHORT],
                event_id=refused.event_id[:SHORT] if refused.event_id else None,
                reason=refused.reason[:1000],
                at=now,
                size=len(refused.raw),
                digest=hashlib.sha256(refused.raw).hexdigest()[:16],
                excerpt=refused.raw[: EXCERPT * 4].decode("utf-8", "replace")[:EXCERPT],
            )
        )
        while len(self._rejected) > REJECTED_KEPT:
            oldest = self._rejected.pop(0)
            count_dropped(
                self._dropped,
                signal=self.counted_as(oldest.signal),
                why="rejected; no longer listed",
                at=now,
            )

    def counted_as(self, signal: str) -> str:
        """The name a dropped event is counted under: unknown names share one entry."""
        return signal if self._messages.get(signal) is not None else "(unknown signal)"
