"""The one style of every stage and gate: a class that runs its part of a sale through its owner.

A step keeps its progress in the sale's state (emails sent, quote and contract versions,
its gate, the next action), so a new run after continue-as-new starts it again from its
beginning and finds itself, having done nothing twice, at the wait the last run stood in.
"""

from datetime import timedelta
from typing import ClassVar, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import Event
    from sales.process import StepName

from workflows.sale.sale import Sale

ACTIVITY_TIMEOUT = timedelta(minutes=2)
# Documents heartbeat while they render: a worker killed mid-render costs seconds, not minutes.
DOCUMENT_HEARTBEAT = timedelta(seconds=5)
T = TypeVar("T")


class Step:
    """One step of a playbook's process: a stage of the sales pattern, or a gate inside one.

    `run` waits for events, runs activities and changes the sale through its owner; it
    raises `SaleEnded` when the sale is lost here. `refuse` answers a seller command (an
    update) this step would not apply now, with the reason.
    """

    name: ClassVar[StepName]

    def __init__(self, sale: Sale) -> None:
        self.sale = sale

    def entry_note(self) -> str:
        """What the timeline says when this step takes the sale into a new stage."""
        return ""

    async def run(self) -> None:
        raise NotImplementedError

    def refuse(self, event: Event) -> str | None:
        """Why this step refuses `event` now; None to accept it."""
        return None

    def settings(self, table: T | None) -> T:
        """A gate's `[gates.<name>]` table, which a valid playbook has when it lists the gate."""
        if table is None:
            playbook = self.sale.playbook.name
            raise ApplicationError(
                f"playbook {playbook!r} lists {self.name} without [gates.{self.name}]",
                type="PlaybookError",
                non_retryable=True,
            )
        return table
