"""The floor of `make bench`: a workflow with a sale's shape that does no work.

`segments_of` reads a real sale's history as the signals cut it: before each signal the sale
upserted search attributes, ran activities, recorded markers and started the timers of the
wait the signal ended; after the last one, the same and the account's child workflow. The
bare sale does the same number of each, in each segment, with no-op activities, tiny
payloads and no logic: what Temporal and the SDK cost for that shape on this machine.
"""

import asyncio
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from workflows import search_attributes as sa

BARE_SALE = "BenchBareSale"
BARE_ACCOUNT = "BenchBareAccount"
NOOP = "bench_noop"
# Long enough never to fire while the bench drives the sale.
TIMER_SECONDS = timedelta(days=30).total_seconds()
NOOP_TIMEOUT = timedelta(seconds=30)


class Segment(BaseModel):
    """What a sale did between two signals (the first: from its start; the last: to its end)."""

    activities: int = 0
    timers: int = 0
    upserts: int = 0
    markers: int = 0  # workflow tasks that recorded markers
    children: int = 0


class BareInput(BaseModel):
    """The segments to replay and the signals that end each but the last."""

    segments: list[Segment]
    signals: list[str]


def segments_of(events: Iterable[HistoryEvent]) -> list[Segment]:
    """A history cut at each signal it received: one segment more than signals."""
    segments = [Segment()]
    marker_tasks: set[int] = set()
    for event in events:
        segment = segments[-1]
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
            segments.append(Segment())
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            segment.activities += 1
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            segment.timers += 1
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            segment.upserts += 1
        elif kind == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            segment.children += 1
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            task = event.marker_recorded_event_attributes.workflow_task_completed_event_id
            if task not in marker_tasks:
                marker_tasks.add(task)
                segment.markers += 1
    return segments


@activity.defn(name=NOOP)
async def noop(payload: dict[str, Any]) -> dict[str, Any]:
    """Does nothing: the cost of an activity is Temporal's alone."""
    return {}


@workflow.defn(name=BARE_ACCOUNT)
class BareAccount:
    """The won sale's child: starts and ends."""

    @workflow.run
    async def run(self, sale_id: str) -> None:
        return None


@workflow.defn(name=BARE_SALE)
class BareSale:
    """Replays a sale's segments with no work in them; every signal of the sale's is taken."""

    def __init__(self) -> None:
        self._received = 0
        self._patches = 0

    @workflow.signal(dynamic=True)
    def event(self, name: str, args: Sequence[RawValue]) -> None:
        self._received += 1

    @workflow.run
    async def run(self, input: BareInput) -> int:
        timers: list[asyncio.Task[None]] = []
        for index, segment in enumerate(input.segments):
            await self._work(segment, index)
            # The wait's timers start once the segment's work is done, as a sale's do, and run
            # on through the next waits, as a lean sale's one timer does (workflows/alarm.py).
            timers += [
                asyncio.create_task(asyncio.sleep(TIMER_SECONDS)) for _ in range(segment.timers)
            ]
            if index < len(input.signals):
                await self._signal(index + 1)
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)
        return self._received

    async def _signal(self, count: int) -> None:
        await workflow.wait_condition(lambda: self._received >= count)

    async def _work(self, segment: Segment, index: int) -> None:
        for number in range(segment.upserts):
            workflow.upsert_search_attributes([sa.SALES_STAGE.value_set(f"BARE-{index}-{number}")])
        for number in range(max(segment.activities, segment.markers)):
            if number < segment.markers:
                self._patches += 1
                workflow.patched(f"bench-{self._patches}")
            if number < segment.activities:
                await workflow.execute_activity(
                    NOOP, {"n": number}, start_to_close_timeout=NOOP_TIMEOUT
                )
        for _ in range(segment.children):
            await workflow.start_child_workflow(
                BARE_ACCOUNT,
                workflow.info().workflow_id,
                id=f"{workflow.info().workflow_id}-account",
                parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            )
