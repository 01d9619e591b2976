"""Turning a raw signal payload into a validated event, or a rejection with the reason.

Signals are received as `RawValue` so that nothing an outside system sends is
dropped by the SDK: a payload that is not JSON, or not the shape the signal
needs, becomes a `RejectedEvent` in the workflow's state.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
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


def decode(
    signal: str, args: list[RawValue], model: type[Event], at: datetime
) -> Received | RejectedEvent:
    """Validate the single JSON object a signal carries against its payload model."""
    data: Any = None
    try:
        if len(args) != 1:
            raise ValueError(f"expected one JSON object, got {len(args)} arguments")
        data = workflow.payload_converter().from_payload(args[0].payload)
    except Exception as err:  # any undecodable payload must be recorded, not crash the task
        return RejectedEvent(
            signal=signal, payload=None, reason=f"unreadable payload: {err}", at=at
        )
    event_id = data.get("event_id") if isinstance(data, dict) else None
    try:
        event = model.model_validate(data)
    except ValidationError as err:
        return RejectedEvent(
            signal=signal,
            event_id=event_id if isinstance(event_id, str) else None,
            payload=data,
            reason="invalid payload: " + describe(err),
            at=at,
        )
    return Received(signal=signal, event=event, at=at)
