"""What a workflow's contract is made of: a named message with its payload model."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import Event

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Message(Generic[E]):
    """A signal a workflow takes, by name, with its payload model.

    A seller command is also a Workflow Update of the same name and payload, so
    its sender hears "accepted" or why not (`sales.refusals`) at once.
    """

    name: str
    model: type[E]
    command: bool = False

    @property
    def description(self) -> str:
        """What the Temporal UI shows beside the message: its payload model's first line."""
        return (self.model.__doc__ or "").strip().splitlines()[0]


class UnknownMessage(ValueError):
    """A message name the workflow does not know."""


class Messages:
    """Every message of one workflow, found by name or by payload model."""

    def __init__(self, *messages: Message[Any]) -> None:
        self.all = messages
        self._by_name = {m.name: m for m in messages}
        self._by_model = {m.model: m for m in messages}

    def names(self) -> list[str]:
        return [m.name for m in self.all]

    def commands(self) -> list[str]:
        return [m.name for m in self.all if m.command]

    def get(self, name: str) -> Message[Any] | None:
        return self._by_name.get(name)

    def named(self, name: str) -> Message[Any]:
        """The message called `name`, or an error listing the known names."""
        found = self._by_name.get(name)
        if found is None:
            raise UnknownMessage(f"unknown event {name!r}; known: {', '.join(self._by_name)}")
        return found

    def of(self, model: type[Event]) -> Message[Any]:
        return self._by_model[model]
