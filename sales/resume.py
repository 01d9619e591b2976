"""What a sale carries into a new run when its history grows long: the step it is in, the
sale as that step began, and the journal of everything the step has seen since.

`workflows.sale.journal` writes and reads these; here they are plain data.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from sales.quote import Quote
from sales.stages import LostReason
from sales.state import DroppedEvents, RejectedEvent, SaleState


class KeptEvent(BaseModel):
    """An event kept for a later step, as it arrived."""

    signal: str
    event: dict[str, Any]
    at: datetime


class Ending(BaseModel):
    """Why the sale is ending, when a step has not acted on it yet."""

    reason: LostReason
    notes: str | None = None
    by: str = "the playbook"
    address: str | None = None
    listed: bool = False


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
