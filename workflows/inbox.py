"""Turning raw signal and update payloads into validated events, de-duplicated, or refusals.

Signals are received as `RawValue` so that nothing an outside system sends is
dropped by the SDK: a payload that is not JSON, or not the shape the signal
needs, becomes a `RejectedEvent` in the workflow's state. An update's validator
uses the same checks without recording anything, and its sender hears why.
"""

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
    from sales.state import RejectedEvent

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
    """Why a payload is not an event the workflow can take, with what could be read of it."""

    signal: str
    reason: str
    payload: Any = None
    event_id: str | None = None


class EventInbox:
    """Validates each message against its payload model and remembers event ids already taken."""

    def __init__(
        self,
        messages: Messages,
        rejected: list[RejectedEvent],
        seen: Iterable[str] = (),
    ) -> None:
        self._messages = messages
        self._rejected = rejected
        self._seen = set(seen)

    @property
    def seen(self) -> list[str]:
        return sorted(self._seen)

    def parse(self, signal: str, args: Sequence[RawValue]) -> Received[Event] | Refused:
        """The event, or why it is refused; records nothing (update validators use this)."""
        message = self._messages.get(signal)
        if message is None:
            return Refused(signal, f"unknown signal; known: {', '.join(self._messages.names())}")
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
            return Refused(signal, f"unreadable payload: {err}")
        try:
            event = message.model.model_validate(data)
        except ValidationError as err:
            event_id = data.get("event_id") if isinstance(data, dict) else None
            return Refused(
                signal,
                "invalid payload: " + describe(err),
                payload=data,
                event_id=event_id if isinstance(event_id, str) else None,
            )
        if event.event_id is not None and event.event_id in self._seen:
            return Refused(
                signal,
                "duplicate event_id: this event was already received",
                payload=event.model_dump(mode="json"),
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

    def reject_received(self, received: Received[Event], reason: str) -> None:
        """Record why an event was not applied; its event_id may come again, corrected."""
        if received.event.event_id is not None:
            self._seen.discard(received.event.event_id)
        self.record(
            Refused(
                received.signal,
                reason,
                payload=received.event.model_dump(mode="json"),
                event_id=received.event.event_id,
            )
        )

    def record(self, refused: Refused) -> None:
        self._rejected.append(
            RejectedEvent(
                signal=refused.signal,
                event_id=refused.event_id,
                payload=refused.payload,
                reason=refused.reason,
                at=workflow.now(),
            )
        )
