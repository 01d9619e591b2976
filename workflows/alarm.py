"""One timer for all of a workflow's waits, kept while the deadlines only move later.

Temporal Cloud bills each timer started, even one cancelled a second later. A sale waits
for an event at every step, each wait with its deadline (a follow-up in 3 days, an answer
in 30): one timer per wait is a timer per step, nearly all cancelled by the customer's
answer. The alarm instead rings at the earliest deadline it was asked to cover and stays
set while the next deadlines are later; when it rings before a wait's own deadline, that
wait sets it again for the rest. A sale whose customer answers in time starts a timer or
two in all; one that waits the whole time starts as many as before.

The alarm's time is also when the workflow next acts by itself, which is what
`NextActionAt` shows (`on_set`).
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow


class Alarm:
    """The one timer of a workflow's waits (see the module)."""

    def __init__(self, on_set: Callable[[datetime], None]) -> None:
        self._on_set = on_set
        self._timer: asyncio.Task[None] | None = None
        self.at: datetime | None = None

    @property
    def set(self) -> bool:
        return self._timer is not None and not self._timer.done()

    @property
    def rang(self) -> bool:
        return self._timer is not None and self._timer.done()

    def cover(self, due: datetime, summary: str | None = None) -> None:
        """Make sure the alarm rings at `due` or before."""
        if self.set and self.at is not None and self.at <= due:
            return
        self.cancel()
        self.at = due
        wait = max(due - workflow.now(), timedelta(0))
        self._timer = asyncio.ensure_future(workflow.sleep(wait, summary=summary))
        self._on_set(due)

    def cancel(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer = None
