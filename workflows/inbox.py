"""What arrives on a workflow's messages: events checked once, de-duplicated, or refusals recorded.

Typed handlers receive the event, or an `Unreadable` where the sender sent something that
is not the event (the payload converter makes it, so the SDK drops nothing); unknown
message names reach the dynamic fallback. Every refusal becomes a `RejectedEvent` in the
workflow's state; an update's validator asks the same questions without recording anything.

What is recorded is bounded whatever arrives: a refusal keeps a digest and an excerpt
rather than the payload, and only the latest `REJECTED_KEPT` refusals are listed; older
ones are counted.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    # pydantic's EmailStr imports it lazily while validating playbooks in the sandbox.
    import email_validator  # noqa: F401

    from sales.events import Event
    from sales.limits import REJECTED_KEPT, SHORT
    from sales.stages import SalesStage
    from sales.state import DroppedEvents, RejectedEvent
    from sales.unreadable import Unreadable, too_large, unreadable

from workflows.messages import Message, Messages
from workflows.received import Received, Refused

# What a typed handler of an event receives.
Payload = Event | Unreadable


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


def unknown_message(messages: Messages, name: str, args: Sequence[RawValue]) -> Refused:
    """A message name the workflow has no handler for (the dynamic fallback's)."""
    raw = bytes(args[0].payload.data) if len(args) == 1 else _as_json(args)
    known = ", ".join(messages.names())
    return Refused(name, too_large(raw) or unreadable(raw, f"unknown signal; known: {known}"))


def _as_json(args: Sequence[RawValue]) -> bytes:
    return json.dumps([bytes(a.payload.data).decode("utf-8", "replace") for a in args]).encode()


class EventInbox:
    """Checks each message's payload and remembers the event ids already taken."""

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

    def check(self, message: Message[Any], payload: Payload) -> Received[Event] | Refused:
        """The event, or why it is refused; records nothing (update validators use this)."""
        if isinstance(payload, Unreadable):
            return Refused(message.name, payload)
        if payload.event_id is not None and payload.event_id in self._seen:
            return Refused(
                message.name,
                _of_event(payload, "duplicate event_id: this event was already received"),
            )
        return Received(signal=message.name, event=payload, at=workflow.now())

    def admit(
        self, message: Message[Any], payload: Payload, *, closed: str | None = None
    ) -> Received[Event] | None:
        """The event to act on, taken; or None, the refusal recorded (`closed`: why the
        workflow takes no more events, such as a closed account)."""
        checked = self.check(message, payload)
        if isinstance(checked, Refused):
            self.record(checked)
            return None
        if closed is not None:
            self.reject_received(checked, closed)
            return None
        self.take(checked)
        return checked

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
        self.record(Refused(received.signal, _of_event(received.event, reason)))

    def record(self, refused: Refused) -> None:
        """List the refusal, bounded; past `REJECTED_KEPT` the oldest is only counted."""
        now = workflow.now()
        what = refused.what
        self._rejected.append(
            RejectedEvent(
                signal=refused.signal[:SHORT],
                event_id=what.event_id,
                reason=what.problem,
                at=now,
                size=what.size,
                digest=what.digest,
                excerpt=what.excerpt,
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


def _of_event(event: Event, reason: str) -> Unreadable:
    """A refused event, recorded as its sender's JSON would read."""
    return unreadable(event.model_dump_json(exclude_none=True).encode(), reason).model_copy(
        update={"event_id": event.event_id}
    )
