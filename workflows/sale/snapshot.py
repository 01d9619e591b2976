"""What a sale carries into a new run when its history grows long: one typed snapshot.

A step keeps its progress in the sale's state (which emails went out, which quote and
contract versions, the gates, the next action and its due time), so a new run starts the
step again from this snapshot and finds itself at the wait the last run stood in, with
nothing done twice.
"""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.quote import Quote
    from sales.stages import LostReason
    from sales.state import SaleState


class Ending(BaseModel):
    """Why the sale is ending, when a step has not acted on it yet."""

    reason: LostReason
    notes: str | None = None
    by: str = "the playbook"
    address: str | None = None
    listed: bool = False


class KeptEvent(BaseModel):
    """An event kept for a later step, as it arrived."""

    signal: str
    event: dict[str, Any]
    at: datetime


class StepProgress(BaseModel):
    """Where the current step stands beyond what the sale's state shows."""

    due_email: str | None = Field(
        default=None,
        description="an email whose wait is over (a follow-up, a reminder): sent next, "
        "whatever its window or a retry take",
    )


class SaleSnapshot(BaseModel):
    """The sale as the last run left it at a wait."""

    step: int
    state: SaleState
    kept: list[KeptEvent] = []
    seen: list[str] = []
    ending: Ending | None = None
    draft: Quote | None = None
    holidays: list[date] = []
    holiday_years: list[int] = []
    outreach_rules: bool = True
    progress: StepProgress = StepProgress()
