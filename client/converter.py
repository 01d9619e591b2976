"""The data converter of every client and worker: `pydantic_data_converter`, and nothing dropped.

The SDK drops a signal whose payload does not decode into its handler's parameter type,
with a worker log line only. The sale's and the account's handlers take `Event | Unreadable`:
for those, whatever does not validate as the event (not JSON, the wrong shape, too large,
another encoding) decodes into an `Unreadable` that the workflow records. A signal or update
of none or several payloads reaches them as one `Unreadable` too (`OnePayload`), where the
SDK would otherwise call the handler with the wrong number of arguments and fail the task.
Everything else converts exactly as `pydantic_data_converter` does, so any client can send
plain JSON.
"""

import dataclasses
import types
import typing
from collections.abc import Sequence
from typing import Any

import temporalio.client
import temporalio.worker
from pydantic import BaseModel, ValidationError
from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import DataConverter

from sales.unreadable import Unreadable, not_valid, too_large, unreadable, wrong_count


def event_of(hint: Any) -> type[BaseModel] | None:
    """The event of a handler's parameter `Event | Unreadable`; None for any other type."""
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        return None
    members = typing.get_args(hint)
    others = [m for m in members if m is not Unreadable]
    if len(others) != 1 or len(members) != 2:
        return None
    event = others[0]
    return event if isinstance(event, type) and issubclass(event, BaseModel) else None


class SalesPayloadConverter(PydanticPayloadConverter):
    """Pydantic JSON, and for an event's handler an `Unreadable` instead of a decode error."""

    def from_payloads(
        self, payloads: Sequence[Payload], type_hints: list[Any] | None = None
    ) -> list[Any]:
        if not type_hints or not any(event_of(hint) for hint in type_hints):
            return super().from_payloads(payloads, type_hints)
        return [
            self._one(payload, hint) for payload, hint in zip(payloads, type_hints, strict=False)
        ]

    def _one(self, payload: Payload, hint: Any) -> Any:
        event = event_of(hint)
        if event is None:
            return super().from_payloads([payload], [hint])[0]
        raw = bytes(payload.data)
        large = too_large(raw)
        if large is not None:
            return large
        try:
            value = super().from_payloads([payload], [event])[0]
        except ValidationError as err:
            return not_valid(raw, err)
        except Exception as err:  # an unknown encoding, a payload no converter reads
            return unreadable(raw, f"unreadable payload: {err}")
        if not isinstance(value, event):  # another encoding, read as bytes or nothing
            encoding = payload.metadata.get("encoding", b"?").decode("utf-8", "replace")
            return unreadable(raw, f"unreadable payload: {encoding}, not a JSON object")
        return value


sales_data_converter = DataConverter(payload_converter_class=SalesPayloadConverter)
"""`pydantic_data_converter` that drops no event: for clients, workers, tests and replays."""


class OnePayload(temporalio.client.Interceptor, temporalio.worker.Interceptor):
    """An event's handler gets exactly one payload: a signal or update that carried none or
    several reaches it as one `Unreadable`, recorded or refused like any other. On a client,
    it is also used by every worker of that client."""

    def workflow_interceptor_class(
        self, input: temporalio.worker.WorkflowInterceptorClassInput
    ) -> type[temporalio.worker.WorkflowInboundInterceptor]:
        return _OnePayloadInbound


class _OnePayloadInbound(temporalio.worker.WorkflowInboundInterceptor):
    async def handle_signal(self, input: temporalio.worker.HandleSignalInput) -> None:
        await super().handle_signal(_one(input, _signal_types(input.signal)))

    def handle_update_validator(self, input: temporalio.worker.HandleUpdateInput) -> None:
        super().handle_update_validator(_one(input, _update_types(input.update)))

    async def handle_update_handler(self, input: temporalio.worker.HandleUpdateInput) -> Any:
        return await super().handle_update_handler(_one(input, _update_types(input.update)))


def _one(input: Any, types_: Sequence[Any] | None) -> Any:
    """`input` with one argument where an event's handler would get another number."""
    takes_an_event = types_ is not None and len(types_) == 1 and event_of(types_[0]) is not None
    if not takes_an_event or len(input.args) == 1:
        return input
    return dataclasses.replace(input, args=[wrong_count(list(input.args))])


def _signal_types(name: str) -> Sequence[Any] | None:
    """The parameter types of the workflow's handler of signal `name`, as the SDK reads them."""
    found = _definition().signals.get(name)
    return found.arg_types if found else None


def _update_types(name: str) -> Sequence[Any] | None:
    found = _definition().updates.get(name)
    return found.arg_types if found else None


def _definition() -> Any:
    # The SDK's own reading of the workflow class (private, but what it decodes payloads by).
    return workflow._Definition.must_from_class(type(workflow.instance()))
