"""Named signal and update handlers for every message of a workflow's contract.

The Temporal UI lists a workflow's signals and updates (its signal dialog offers
them) from the handlers registered by name, with their descriptions. Each one
here takes its payload raw, as the dynamic handler does, so that a payload the
SDK could not decode is still recorded by the workflow rather than dropped: the
handler's signature says one `RawValue` (so the SDK hands over the payload as it
came), while it accepts any number, so a sender of two arguments cannot wedge it.
"""

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RawValue

from workflows.messages import Messages

T = TypeVar("T")

_ONE_RAW_PAYLOAD = inspect.Signature(
    [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("payload", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=RawValue),
    ]
)


def _as_one_raw_payload(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    fn.__signature__ = _ONE_RAW_PAYLOAD  # type: ignore[attr-defined]
    fn.__annotations__ = {"payload": RawValue, "return": fn.__annotations__.get("return")}
    fn.__name__ = fn.__qualname__ = name
    return fn


def with_message_handlers(
    messages: Messages,
    *,
    signal: str,
    update: str | None = None,
    validator: str | None = None,
) -> Callable[[type[T]], type[T]]:
    """Add a named signal per message (calling method `signal`) and, for seller commands, a
    named update (calling `update`, checked by `validator`); before `@workflow.defn`."""

    def decorate(cls: type[T]) -> type[T]:
        for message in messages.all:
            description = (message.model.__doc__ or "").strip().splitlines()[0]
            setattr(cls, f"_signal_{message.name}", _signal(message.name, description, signal))
            if message.command and update is not None and validator is not None:
                handler = _update(message.name, description, update, validator)
                setattr(cls, f"_update_{message.name}", handler)
        return cls

    return decorate


def _signal(name: str, description: str, target: str) -> Any:
    def handler(self: Any, *payloads: Any) -> None:
        getattr(self, target)(name, payloads)

    return workflow.signal(name=name, description=description)(
        _as_one_raw_payload(handler, f"_signal_{name}")
    )


def _update(name: str, description: str, target: str, check: str) -> Any:
    async def handler(self: Any, *payloads: Any) -> Any:
        return await getattr(self, target)(name, payloads)

    def validate(self: Any, *payloads: Any) -> None:
        getattr(self, check)(name, payloads)

    defined = workflow.update(name=name, description=description)(
        _as_one_raw_payload(handler, f"_update_{name}")
    )
    defined.validator(_as_one_raw_payload(validate, f"_validate_{name}"))
    return defined
