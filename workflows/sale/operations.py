"""Activities and emails as a sale runs them: journaled for a resumed run, and a mistake only
a person can fix (a missing template, a refused seller address, a playbook naming an
unknown sku) waits visibly for the fix instead of failing the sale.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import TypeAdapter
from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import RetryRequested
    from sales.resume import Ending
    from sales.state import Attention

from workflows import search_attributes as sa
from workflows.sale.kept import KeptEvents, SaleEnded

T = TypeVar("T")

# Retries of what needs attention: soon at first, then at most hourly until it is fixed.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


class NeedsAttention(Exception):
    """A problem only a person can fix; the sale waits for the fix instead of failing."""


class Operations(KeptEvents):
    """Runs a step's activities once each, whatever runs the sale takes."""

    async def journaled(
        self,
        what: str,
        call: Callable[[], Awaitable[T]],
        result: Any,
        *,
        errors: tuple[type[Exception], ...] = (),
    ) -> T:
        """`call()`'s result, from the journal when the step is being replayed.

        An exception in `errors` (and SaleEnded) is the answer too, raised again on
        replay; an activity that failed for good or `NeedsAttention` makes the sale wait
        for a person, retrying later by itself or at once on the `retry` command.
        """
        adapter: TypeAdapter[T] = TypeAdapter(result)
        answered: tuple[type[Exception], ...] = (SaleEnded, *errors)
        while self.journal.replaying:
            entry = self.journal.upcoming(self._replay_event)
            if entry.kind == "attention":
                self.journal.take(("attention",), what)
                await self._await_fix(what, str(entry.data))
                continue
            entry = self.journal.take(("result", "error"), what)
            self._attended()
            if entry.kind == "error":
                raise _restored(entry.data, answered)
            return adapter.validate_python(entry.data)
        while True:
            try:
                value = await call()
            except answered as err:
                self.journal.record("error", what, data=_described(err))
                self._attended()
                raise
            except (ActivityError, NeedsAttention) as err:
                problem = _problem(err)
                self.journal.record("attention", what, data=problem)
                await self._await_fix(what, problem)
                continue
            self.journal.record("result", what, data=adapter.dump_python(value, mode="json"))
            self._attended()
            return value

    async def _await_fix(self, what: str, problem: str) -> None:
        """Show what needs a person, then wait for the next try or a `retry` command."""
        now = self.now()
        previous = self.state.attention
        attempts = previous.attempts + 1 if previous and previous.what == what else 1
        wait = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
        self.state.attention = Attention(
            what=what,
            problem=problem,
            since=previous.since if previous and previous.what == what else now,
            attempts=attempts,
            retry_at=now + wait,
        )
        self.upsert(sa.NEEDS_ATTENTION.value_set(True))
        self.expect_at(f"needs attention: {what}: {problem}", now + wait)
        retry = await self.next_of((RetryRequested,), now + wait)
        if retry is not None:
            self.applied(retry)
            self.retried(retry.event)

    def _attended(self) -> None:
        if self.state.attention is not None:
            self.state.attention = None
            self.upsert(sa.NEEDS_ATTENTION.value_set(False))
            self.show_details()

    def retried(self, event: Any) -> None:
        """What a `retry` command changes besides trying again (the mail: an address)."""

    # Defined by the book: what a wait shows, and how attributes reach the server.
    def expect_at(self, description: str, due: datetime) -> None:
        raise NotImplementedError

    def upsert(self, *updates: SearchAttributeUpdate[Any]) -> None:
        raise NotImplementedError

    def show_details(self) -> None:
        raise NotImplementedError


def _problem(err: BaseException) -> str:
    """What went wrong, in the words of the activity that failed."""
    cause = err.cause if isinstance(err, ActivityError) else None
    if isinstance(cause, ApplicationError):
        kind = f"{cause.type}: " if cause.type else ""
        return f"{kind}{cause.message}"[:1000]
    return str(cause or err)[:1000]


def _described(err: Exception) -> dict[str, Any]:
    if isinstance(err, SaleEnded):
        return {"type": "SaleEnded", **err.as_ending().model_dump(mode="json")}
    return {"type": type(err).__name__, "message": str(err)}


def _restored(data: Any, answered: tuple[type[Exception], ...]) -> Exception:
    """The exception an operation ended with in the run that journaled it."""
    if data["type"] == "SaleEnded":
        return SaleEnded.of(Ending.model_validate(data))
    for kind in answered:
        if kind.__name__ == data["type"]:
            return kind(data["message"])
    return ApplicationError(f"cannot resume: unknown outcome {data['type']}", non_retryable=True)
