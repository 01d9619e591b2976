"""Turning raw signal payloads into validated events, de-duplicated, or recorded rejections.

Signals are received as `RawValue` so that nothing an outside system sends is
dropped by the SDK: a payload that is not JSON, or not the shape the signal
needs, becomes a `RejectedEvent` in the workflow's state.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    # pydantic's EmailStr imports it lazily while validating playbooks in the sandbox.
    import email_validator  # noqa: F401
    from pydantic import ValidationError

    from sales.errors import describe
    from sales.events import Event
    from sales.state import RejectedEvent


@dataclass
class Received:
    """A validated event waiting for the workflow to act on it."""

    signal: str
    event: Event
    at: datetime


class EventInbox:
    """Validates each signal against its payload model and remembers event ids already taken."""

    def __init__(
        self,
        signals: dict[str, type[Event]],
        rejected: list[RejectedEvent],
        seen: Iterable[str] = (),
    ) -> None:
        self._signals = signals
        self._rejected = rejected
        self._seen = set(seen)

    @property
    def seen(self) -> list[str]:
        return sorted(self._seen)

    def decode(self, signal: str, args: Sequence[RawValue]) -> Received | None:
        """The event, or None once its rejection (unknown, unreadable, invalid, repeat) is kept."""
        model = self._signals.get(signal)
        if model is None:
            self.reject(signal, f"unknown signal; known: {', '.join(self._signals)}")
            return None
        data: Any = None
        try:
            if len(args) != 1:
                raise ValueError(f"expected one JSON object, got {len(args)} arguments")
            data = workflow.payload_converter().from_payload(args[0].payload)
        except Exception as err:  # an undecodable payload must be recorded, not crash the task
            self.reject(signal, f"unreadable payload: {err}")
            return None
        try:
            event = model.model_validate(data)
        except ValidationError as err:
            event_id = data.get("event_id") if isinstance(data, dict) else None
            self._rejected.append(
                RejectedEvent(
                    signal=signal,
                    event_id=event_id if isinstance(event_id, str) else None,
                    payload=data,
                    reason="invalid payload: " + describe(err),
                    at=workflow.now(),
                )
            )
            return None
        received = Received(signal=signal, event=event, at=workflow.now())
        if event.event_id is not None and event.event_id in self._seen:
            self._record(received, "duplicate event_id: this event was already received")
            return None
        return received

    def take(self, received: Received) -> None:
        """Mark the event's id as taken, so a repeat is rejected."""
        if received.event.event_id is not None:
            self._seen.add(received.event.event_id)

    def reject_received(self, received: Received, reason: str) -> None:
        """Record why an event was not applied; its event_id may come again, corrected."""
        if received.event.event_id is not None:
            self._seen.discard(received.event.event_id)
        self._record(received, reason)

    def _record(self, received: Received, reason: str) -> None:
        event_id = received.event.event_id
        self._rejected.append(
            RejectedEvent(
                signal=received.signal,
                event_id=event_id,
                payload=received.event.model_dump(mode="json"),
                reason=reason,
                at=workflow.now(),
            )
        )

    def reject(self, signal: str, reason: str) -> None:
        """Record a signal that carried no usable event."""
        self._rejected.append(RejectedEvent(signal=signal, reason=reason, at=workflow.now()))
