"""What the inbox hands a workflow: an event received, or a message refused; plain data.

Apart from `workflows.inbox`, and passed through the sandbox (`workflows.sandbox`), so that a
workflow's run does not build these classes again (a dataclass costs the sandbox ~5 ms).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sales.events import Event
from sales.unreadable import Unreadable

E = TypeVar("E", bound=Event, covariant=True)


@dataclass
class Received(Generic[E]):
    """A validated event waiting for the workflow to act on it."""

    signal: str
    event: E
    at: datetime


@dataclass
class Refused:
    """Why a message is not an event the workflow can take, and what came."""

    signal: str
    what: Unreadable

    @property
    def reason(self) -> str:
        return self.what.problem
