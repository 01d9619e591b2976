"""Driving workflows as customers do: each event once the workflow waits for one.

A `Follower` reads a workflow's history as the server writes it (long polls, no queries,
so the workflow and the worker are not asked anything): a workflow waits for an event when
nothing is in flight (no activity, no workflow task) and a timer of its wait runs: one
started since the last event it got, or, for a workflow that keeps one timer across its
waits (a lean sale, `workflows/alarm.py`), one still running once a task has completed since.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from sales.lead import Lead

T = TypeVar("T")
Step = tuple[str, dict[str, Any]]
# Nothing new in a history for this long while nothing is in flight: the workflow waits
# without a timer, and the next event goes anyway (counted: it slows the figure down).
QUIET = timedelta(seconds=2)

_CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}
_ACTIVITY_ENDED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
}
_TASK_ENDED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
}


@dataclass
class Followed:
    """One workflow driven to its end: its history, how long it took, and the quiet sends."""

    events: list[HistoryEvent] = field(default_factory=list)
    seconds: float = 0.0
    quiet_sends: int = 0

    @property
    def last(self) -> HistoryEvent:
        return self.events[-1]


@dataclass
class _Waiting:
    """What a workflow has in flight, from its history so far."""

    activities: set[int] = field(default_factory=set)
    timers: set[str] = field(default_factory=set)
    task_open: bool = False
    timer_since_signal: bool = False
    task_since_signal: bool = False
    closed: bool = False

    def see(self, event: HistoryEvent) -> None:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            self.activities.add(event.event_id)
        elif kind in _ACTIVITY_ENDED:
            ended = getattr(event, _ACTIVITY_ENDED[kind])
            self.activities.discard(ended.scheduled_event_id)
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            self.timers.add(event.timer_started_event_attributes.timer_id)
            self.timer_since_signal = True
        elif kind == EventType.EVENT_TYPE_TIMER_FIRED:
            self.timers.discard(event.timer_fired_event_attributes.timer_id)
        elif kind == EventType.EVENT_TYPE_TIMER_CANCELED:
            self.timers.discard(event.timer_canceled_event_attributes.timer_id)
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            self.task_open = True
        elif kind in _TASK_ENDED:
            self.task_open = False
            self.task_since_signal = True
        elif kind in _CLOSED:
            self.closed = True

    @property
    def idle(self) -> bool:
        return not self.activities and not self.task_open

    @property
    def waits(self) -> bool:
        """Waiting for an event: nothing in flight, and a wait's timer running (started since
        the last event, or kept from before once a task has completed since)."""
        since = self.timer_since_signal or self.task_since_signal
        return self.idle and since and bool(self.timers)


class Follower:
    """Reads one workflow's history as the server writes it (long polls, no queries)."""

    def __init__(self, client: Client, workflow_id: str) -> None:
        self.client = client
        self.workflow_id = workflow_id
        self.state = _Waiting()
        self.events: list[HistoryEvent] = []
        self._token = b""
        self._read_all = False

    async def _more(self) -> bool:
        """The events written since the last read, once there are any; False after QUIET s
        with none."""
        request = GetWorkflowExecutionHistoryRequest(
            namespace=self.client.namespace,
            execution=WorkflowExecution(workflow_id=self.workflow_id),
            next_page_token=self._token,
            wait_new_event=True,
        )
        try:
            answer = await self.client.workflow_service.get_workflow_execution_history(
                request, retry=True, timeout=QUIET
            )
        except RPCError as error:
            if error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                return False
            raise
        for event in answer.history.events:
            self.state.see(event)
        self.events.extend(answer.history.events)
        self._token = answer.next_page_token
        self._read_all = self.state.closed and not self._token
        return True

    async def until_waiting(self) -> bool:
        """Until the workflow waits for an event (True), or is idle and quiet (False)."""
        while not self.state.closed:
            if self.state.waits:
                return True
            if not await self._more() and self.state.idle:
                return False
        raise RuntimeError(f"{self.workflow_id} ended while a script still had events for it")

    async def signal(self, name: str, payload: dict[str, Any]) -> None:
        await self.client.get_workflow_handle(self.workflow_id).signal(name, payload)
        # A signal always brings a workflow task: busy until one is seen completed.
        self.state.timer_since_signal = False
        self.state.task_since_signal = False
        self.state.task_open = True

    async def until_closed(self) -> HistoryEvent:
        """Until the whole history of the closed workflow is read; its last event."""
        while not self._read_all:
            await self._more()
        return self.events[-1]


async def follow(client: Client, workflow_id: str, steps: list[Step], began: float) -> Followed:
    """Sends each step once the workflow waits for it; returns when the workflow closed."""
    follower = Follower(client, workflow_id)
    followed = Followed()
    for name, payload in steps:
        if not await follower.until_waiting():
            followed.quiet_sends += 1
        await follower.signal(name, payload)
    await follower.until_closed()
    followed.seconds = time.perf_counter() - began
    followed.events = follower.events
    return followed


async def bounded(limit: int, calls: Iterable[Callable[[], Awaitable[T]]]) -> list[T]:
    """Every call's result in order, at most `limit` running at once."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(call) for call in calls))


def bench_lead(tag: str, number: int) -> Lead:
    return Lead(
        email=f"lead-{tag}-{number}@polderpack.example",
        company="PolderPack B.V.",
        country="NL",
        source="bench",
    )
