"""Sales that continued as new on code before the snapshot: their input, and how they go on.

That code carried the sale as its current step began and a journal of what the step had
seen since, which it replayed. Today's code takes such an input as a snapshot: the state
at the step's start with the emails the journal says went out, and the events the step had
taken in kept for it again; the step then runs from its start and sends nothing twice.
Its waits are counted afresh from the new run.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.quote import Quote
    from sales.state import DroppedEvents, EmailRecord, RejectedEvent, SaleState

from workflows.sale.snapshot import Ending, KeptEvent, SaleSnapshot


class JournalEntry(BaseModel):
    """One thing the current step saw, in the order it saw them.

    `event`: an event accepted (kept, or ending the sale); `wait`: what a wait returned
    (`data` the index of the kept event taken, or None when its time ran out);
    `result` / `error`: how an activity or email came out; `attention`: a problem a
    person must fix began a wait; `rest`: the run ended here to continue as new.
    """

    kind: Literal["event", "wait", "result", "error", "attention", "rest"]
    at: datetime
    what: str = Field(default="", description="the operation, to check a resumed step asks it")
    signal: str | None = None
    data: Any = None


class StepStart(BaseModel):
    """The sale as the current step found it."""

    index: int
    at: datetime
    state: SaleState
    kept: list[KeptEvent] = []
    seen: list[str] = []
    ending: Ending | None = None
    draft: Quote | None = None
    holidays: list[date] = []
    holiday_years: list[int] = []


class Resume(BaseModel):
    """Everything a new run needs to go on exactly where the last one stopped.

    Rejections and dropped events are carried as they are now, not replayed: they
    change nothing a step decides.
    """

    start: StepStart
    entries: list[JournalEntry] = []
    rejected: list[RejectedEvent] = []
    dropped: list[DroppedEvents] = []
    runs: int = Field(default=1, description="how many runs the sale has had so far")
    outreach_rules: bool = Field(
        default=False,
        description="the sale began under the outreach rules (windows for outreach only, a "
        "reply cancels outreach); a sale begun before them keeps the old ones",
    )


def snapshot_of(resume: Resume) -> SaleSnapshot:
    """The snapshot of a sale that continued as new mid-step on the journal's code."""
    start = resume.start
    state = start.state.model_copy(deep=True)
    state.rejected_events = list(resume.rejected)
    state.dropped_events = list(resume.dropped)
    state.runs = resume.runs  # the new run adds itself
    kept = list(start.kept)
    for entry in resume.entries:
        if entry.kind == "event" and entry.signal:
            kept.append(KeptEvent(signal=entry.signal, event=entry.data, at=entry.at))
        elif entry.kind == "result" and entry.what.startswith("email "):
            state.emails.append(EmailRecord.model_validate(entry.data))
    return SaleSnapshot(
        step=start.index,
        state=state,
        kept=kept,
        seen=start.seen,
        ending=start.ending,
        draft=start.draft,
        holidays=start.holidays,
        holiday_years=start.holiday_years,
        outreach_rules=resume.outreach_rules,
    )
