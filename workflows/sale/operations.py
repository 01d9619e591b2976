"""A sale's activities: each run once, and a mistake only a person can fix (a missing template,
a refused seller address, a playbook naming an unknown sku) waits visibly for the fix instead
of failing the sale.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import RetryRequested

from workflows.sale.events import SaleEnded

if TYPE_CHECKING:
    from workflows.sale.sale import Sale

T = TypeVar("T")

# Retries of what needs attention: soon at first, then at most hourly until it is fixed.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


class NeedsAttention(Exception):
    """A problem only a person can fix; the sale waits for the fix instead of failing."""


class Operations:
    """Runs a step's activities, waiting for a person where only a person can help."""

    def __init__(self, sale: "Sale") -> None:
        self._sale = sale

    async def run(
        self,
        what: str,
        call: Callable[[], Awaitable[T]],
        *,
        errors: tuple[type[Exception], ...] = (),
    ) -> T:
        """`call()`'s result. An exception in `errors` (and SaleEnded) is the answer too; an
        activity that failed for good or `NeedsAttention` makes the sale wait for a person,
        retrying later by itself or at once on the `retry` command."""
        sale = self._sale
        answered: tuple[type[Exception], ...] = (SaleEnded, *errors)
        while True:
            try:
                value = await call()
            except answered:
                sale.attended()
                raise
            except (ActivityError, NeedsAttention) as err:
                if sale.playbook_delivery.sent_whole_after(err):
                    continue  # the worker lacked it: sent whole from now on
                await self._await_fix(what, _problem(err))
                continue
            sale.attended()
            sale.events.progressed = True
            return value

    async def _await_fix(self, what: str, problem: str) -> None:
        """Show what needs a person, then wait for the next try or a `retry` command."""
        sale = self._sale
        retry_at = sale.needs_attention(what, problem)
        retry = await sale.events.next_of((RetryRequested,), retry_at)
        if retry is not None:
            sale.events.applied(retry)
            sale.retried(retry.event)


def _problem(err: BaseException) -> str:
    """What went wrong, in the words of the activity that failed."""
    cause = err.cause if isinstance(err, ActivityError) else None
    if isinstance(cause, ApplicationError):
        kind = f"{cause.type}: " if cause.type else ""
        return f"{kind}{cause.message}"[:1000]
    return str(cause or err)[:1000]
