"""Resuming a sale in a new run, at the very point the last run stopped.

A sale continues as new when its history grows long (a flood of signals, months of
retries). The new run gets the sale as the current step found it and the journal of
what the step has seen since: each event accepted, what each wait returned, how
each activity and email came out, each at the time it happened. The step then runs
again from its start, taking those from the journal instead of from Temporal (no
email goes out twice, no activity runs again), reaches the state the last run had,
and goes on live from the wait where that run stopped.

The journal covers one step at a time, so it stays as small as a step's work.
"""

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.resume import JournalEntry, Resume, StepStart


class Rest(Exception):
    """Raised at a wait to end this run here and continue the sale as new."""


class Journal:
    """What the current step has seen, kept live and read back when resuming."""

    def __init__(self, resume: Resume | None) -> None:
        self.start: StepStart | None = resume.start if resume else None
        self.entries: list[JournalEntry] = list(resume.entries) if resume else []
        self.runs = resume.runs if resume else 0
        self._cursor = 0
        self._replay_end = len(self.entries)
        self._time: datetime | None = resume.start.at if resume else None
        # The step a resumed run starts in keeps its journal; later steps begin afresh.
        self.resumed_step: int | None = resume.start.index if resume else None
        # A resumed run rests only after it went on a little, so it cannot loop.
        self.progressed = resume is None

    @property
    def replaying(self) -> bool:
        return self._cursor < self._replay_end

    def now(self) -> datetime:
        """The step's clock: the time of what it last read from the journal, else now."""
        if self.replaying and self._time is not None:
            return self._time
        return workflow.now()

    def start_step(self, start: StepStart) -> None:
        """A step begins live: the journal is now its own."""
        self.start = start
        self.entries = []
        self._cursor = self._replay_end = 0

    def record(
        self, kind: str, what: str = "", *, signal: str | None = None, data: object = None
    ) -> None:
        """Note what the step saw, live; a step being replayed records nothing again."""
        if self.replaying:
            return
        entry = JournalEntry.model_validate(
            {"kind": kind, "at": workflow.now(), "what": what, "signal": signal, "data": data}
        )
        self.entries.append(entry)
        self._replay_end = self._cursor = len(self.entries)
        if kind in ("wait", "result", "error"):
            self.progressed = True

    def upcoming(self, apply_event: Callable[[JournalEntry], None]) -> JournalEntry:
        """The next entry that answers the step, after applying the events before it."""
        while self.replaying and self.entries[self._cursor].kind == "event":
            entry = self.entries[self._cursor]
            self._time = entry.at
            self._cursor += 1
            apply_event(entry)
        if not self.replaying:
            raise self._mismatch("an answer", "the end of the journal")
        return self.entries[self._cursor]

    def take(self, kinds: tuple[str, ...], what: str) -> JournalEntry:
        """Consume the next entry, which must answer the same question the step asks."""
        entry = self.entries[self._cursor]
        if entry.kind not in kinds or entry.what != what:
            raise self._mismatch(f"{'/'.join(kinds)} {what!r}", f"{entry.kind} {entry.what!r}")
        self._time = entry.at
        self._cursor += 1
        return entry

    def go_live(self, what: str) -> None:
        """The `rest` entry, at the wait `what`, is reached: from here the step runs live."""
        self.take(("rest",), what)
        del self.entries[self._cursor - 1]
        self._replay_end = self._cursor = len(self.entries)
        self._time = None

    def _mismatch(self, wanted: str, found: str) -> ApplicationError:
        # The code changed under a running step in a way its journal cannot follow.
        return ApplicationError(
            f"cannot resume the sale's current step: it asks for {wanted}, its journal "
            f"holds {found}; restart the sale (starter.py restart)",
            type="ResumeMismatch",
            non_retryable=True,
        )
