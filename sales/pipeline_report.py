"""The pipeline in numbers: funnel, conversion, win rate, time in stage, lost reasons, value won.

Pure: it takes what each sale went through (`SaleRecord`) and counts; reading those
records from Temporal is `cli.report`'s job.
"""

import math
import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from pydantic import BaseModel

from sales.stages import SALE_STAGES, SalesStage

# The stages a sale passes on its way to WON, in order; LOST can follow any of them.
PIPELINE: tuple[SalesStage, ...] = tuple(s for s in SALE_STAGES if s is not SalesStage.LOST)


class StageVisit(BaseModel):
    """A sale entered `stage` at `entered_at`."""

    stage: SalesStage
    entered_at: datetime


class SaleRecord(BaseModel):
    """One sale as the report sees it: where it is, where it has been, what it was worth."""

    workflow_id: str
    stage: SalesStage
    visits: list[StageVisit]
    lost_reason: str | None = None
    deal_value: Decimal | None = None
    currency: str | None = None


class Conversion(BaseModel):
    """Of the sales that got at least as far as `from_stage`, how many got to `to_stage`."""

    from_stage: SalesStage
    to_stage: SalesStage
    rate: float | None


class StageTime(BaseModel):
    """How long sales stayed in a stage before moving on (stays still running not counted)."""

    stays: int
    median_seconds: float
    p90_seconds: float


class PipelineReport(BaseModel):
    """The whole report; `stages` maps each stage to the sales now in it."""

    sales: int
    stages: dict[SalesStage, int]
    reached: dict[SalesStage, int]
    conversion: list[Conversion]
    open: int
    won: int
    lost: int
    win_rate: float | None
    time_in_stage: dict[SalesStage, StageTime]
    lost_reasons: dict[str, int]
    won_value: dict[str, Decimal]


def build_report(sales: Iterable[SaleRecord]) -> PipelineReport:
    """Count the sales. `reached` counts a sale in every stage up to the furthest it got,
    so a playbook that skips a stage does not make the funnel widen again."""
    records = list(sales)
    now_in = Counter(record.stage for record in records)
    furthest = Counter(_furthest(record) for record in records)
    reached = {
        stage: sum(n for s, n in furthest.items() if s.order >= stage.order) for stage in PIPELINE
    }
    won = now_in[SalesStage.WON]
    lost = now_in[SalesStage.LOST]
    value: dict[str, Decimal] = {}
    for record in records:
        if record.stage is SalesStage.WON and record.deal_value is not None:
            currency = record.currency or "unknown"
            value[currency] = value.get(currency, Decimal(0)) + record.deal_value
    return PipelineReport(
        sales=len(records),
        stages={stage: now_in[stage] for stage in SALE_STAGES},
        reached=reached,
        conversion=[
            Conversion(
                from_stage=a,
                to_stage=b,
                rate=reached[b] / reached[a] if reached[a] else None,
            )
            for a, b in pairwise(PIPELINE)
        ],
        open=len(records) - won - lost,
        won=won,
        lost=lost,
        win_rate=won / (won + lost) if won + lost else None,
        time_in_stage=_time_in_stage(records),
        lost_reasons=dict(
            Counter(
                r.lost_reason or "unknown" for r in records if r.stage is SalesStage.LOST
            ).most_common()
        ),
        won_value={currency: value[currency] for currency in sorted(value)},
    )


def _furthest(record: SaleRecord) -> SalesStage:
    passed = [v.stage for v in record.visits if v.stage is not SalesStage.LOST]
    if record.stage is not SalesStage.LOST:
        passed.append(record.stage)
    return max(passed, key=lambda stage: stage.order, default=SalesStage.QUALIFICATION)


def _time_in_stage(records: list[SaleRecord]) -> dict[SalesStage, StageTime]:
    stays: dict[SalesStage, list[timedelta]] = {}
    for record in records:
        for visit, following in pairwise(record.visits):
            stays.setdefault(visit.stage, []).append(following.entered_at - visit.entered_at)
    return {
        stage: StageTime(
            stays=len(stays[stage]),
            median_seconds=statistics.median(d.total_seconds() for d in stays[stage]),
            p90_seconds=percentile(stays[stage], 90).total_seconds(),
        )
        for stage in PIPELINE
        if stage in stays
    }


def percentile(durations: list[timedelta], p: int) -> timedelta:
    """Nearest rank: the shortest stay that at least p% of stays are no longer than."""
    ordered = sorted(durations)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def duration_words(seconds: float) -> str:
    """`3d 4h`, `5h 12m`, `2h`, `40s`: a time in stage as a manager reads it."""
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d", hours, "h"), (hours, "h", minutes, "m"), (minutes, "m", secs, "s")]
    for big, unit, small, small_unit in parts:
        if big:
            return f"{big}{unit}" + (f" {small}{small_unit}" if small else "")
    return f"{secs}s"
