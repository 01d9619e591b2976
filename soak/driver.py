"""Driving one soak sale: start it, send its script, wait for its end, then read what it says.

Concurrency is bounded twice: sales being driven at once (`in_flight`), and calls to the
server at once (`rpc`), so the dev server is busy but not hammered. What the sale says
of itself afterwards (its `state` query, replayed by the worker once it has closed) and
its history (workflow tasks that failed, and why) are read under a third bound.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import RawValue
from temporalio.service import RPCError, RPCStatusCode

from client.commands import send_command
from client.sales import start_sale
from sales.playbook import Playbook
from sales.state import SaleOutcome, SaleState, SupportState
from soak.plans import SalePlan
from soak.script import Action
from soak.stack import Inbox
from workflows.sale import api as sale_api
from workflows.support import api as support_api

NON_DETERMINISTIC = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
QUERY_TRIES = 4


@dataclass
class Sent:
    """One message as the script sent it, and what the server said."""

    action: Action
    at: float
    outcome: str  # delivered, closed (the sale had ended), refused (an update), error: ...
    retries: int = 0  # an update sent again: the server dropped it with a failed workflow task


@dataclass
class EmailSend:
    """One email activity in a history: when the workflow scheduled it and asked to cancel it."""

    scheduled_at: float  # time.time() on the server's clock
    cancel_requested_at: float | None = None


@dataclass
class SaleRun:
    """One sale as driven and as read back."""

    plan: SalePlan
    workflow_id: str = ""
    started_at: float | None = None
    ended_at: float | None = None
    outcome: SaleOutcome | None = None
    failure: str | None = None
    sent: list[Sent] = field(default_factory=list)
    state: SaleState | None = None
    support: SupportState | None = None
    read_errors: list[str] = field(default_factory=list)
    task_failures: Counter[str] = field(default_factory=Counter)
    task_timeouts: int = 0
    nondeterminism: list[str] = field(default_factory=list)
    sends: dict[str, EmailSend] = field(default_factory=dict)  # by "workflow id step"

    @property
    def support_id(self) -> str:
        return support_api.workflow_id(self.plan.lead.lead_id)


class Driver:
    """Drives sales on one client; `deadline` (the loop's clock) ends every wait."""

    def __init__(
        self,
        client: Client,
        playbooks: dict[str, Playbook],
        task_queue: str,
        inbox: Inbox,
        *,
        deadline: float,
        in_flight: int,
        rpc: int,
        milestone_timeout: float,
    ) -> None:
        self.client = client
        self.playbooks = playbooks
        self.task_queue = task_queue
        self.inbox = inbox
        self.deadline = deadline
        self.milestone_timeout = milestone_timeout
        self.in_flight = asyncio.Semaphore(in_flight)
        self.rpc = asyncio.Semaphore(rpc)
        self.reading = asyncio.Semaphore(4)
        self.runs: list[SaleRun] = []  # every sale begun, even one cut off at the end

    async def run(self, plan: SalePlan) -> SaleRun:
        run = SaleRun(plan)
        self.runs.append(run)
        async with self.in_flight:
            try:
                async with asyncio.timeout_at(self.deadline):
                    await self._drive(run)
            except TimeoutError:
                pass  # open at the deadline: read as it stands
            except WorkflowFailureError as err:
                run.failure = f"{err}: {err.cause}"
                run.ended_at = time.time()
        if run.workflow_id:
            async with self.reading:
                await self.read(run)
        return run

    async def _drive(self, run: SaleRun) -> None:
        plan = run.plan
        async with self.rpc:
            started = await start_sale(
                self.client, plan.lead, self.playbooks[plan.playbook], self.task_queue
            )
        run.workflow_id = started.workflow_id
        run.started_at = time.time()
        handle = self.client.get_workflow_handle(run.workflow_id, result_type=SaleOutcome)
        result = asyncio.create_task(handle.result())
        try:
            for action in plan.actions:
                if action.after_email and not result.done():
                    await self._milestone(run.workflow_id, action.after_email, result)
                await asyncio.sleep(action.delay)
                run.sent.append(await self._send(handle, action))
            run.outcome = await result
            run.ended_at = time.time()
        finally:
            result.cancel()

    async def _milestone(self, workflow_id: str, step: str, result: "asyncio.Task[Any]") -> None:
        """Until the sale's email `step` arrived, the sale ended, or the milestone timeout."""
        arrived = asyncio.create_task(
            self.inbox.wait_for(workflow_id, step, self.milestone_timeout)
        )
        try:
            await asyncio.wait({arrived, result}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            arrived.cancel()

    async def _send(self, handle: WorkflowHandle[Any, SaleOutcome], action: Action) -> Sent:
        sent = Sent(action, time.time(), "delivered")
        try:
            async with self.rpc:
                await self._message(handle, action, sent)
        except WorkflowUpdateFailedError:
            sent.outcome = "refused"
        except RPCError as err:
            closed = err.status is RPCStatusCode.NOT_FOUND
            sent.outcome = "closed" if closed else f"error: {err.status.name}: {err}"
        return sent

    async def _message(
        self, handle: WorkflowHandle[Any, SaleOutcome], action: Action, sent: Sent
    ) -> None:
        if action.how == "raw":
            raw = Payload(metadata={"encoding": b"json/plain"}, data=action.payload)
            await handle.signal(action.name, RawValue(raw))
        elif action.how == "update":

            def retried() -> None:
                sent.retries += 1

            await send_command(handle, action.name, action.payload, retried=retried)
        else:
            await handle.signal(action.name, action.payload)

    async def read(self, run: SaleRun) -> None:
        """The sale's `state` query and the failed workflow tasks of its history."""
        handle = self.client.get_workflow_handle(run.workflow_id)
        run.state = await self._query(run, handle, SaleState)
        await self.scan_history(run, handle)

    async def read_support(self, run: SaleRun, settle: float) -> None:
        """A won sale's customer support: its welcome email, given `settle` seconds to go."""
        handle = self.client.get_workflow_handle(run.support_id)
        give_up = time.monotonic() + settle
        while True:
            run.support = await self._query(run, handle, SupportState)
            support = run.support
            if support is None or support.emails or support.undelivered:
                break
            if time.monotonic() > give_up:
                break
            await asyncio.sleep(1.0)
        await self.scan_history(run, handle)

    async def _query(self, run: SaleRun, handle: WorkflowHandle[Any, Any], kind: type[Any]) -> Any:
        last = ""
        for attempt in range(QUERY_TRIES):
            try:
                async with self.rpc:
                    return await handle.query(sale_api.STATE_QUERY, result_type=kind)
            except Exception as err:  # a query a dead worker never answered: ask again
                last = f"{type(err).__name__}: {err}"
                await asyncio.sleep(1.0 + 2 * attempt)
        run.read_errors.append(f"{handle.id} state: {last}")
        if "nondetermin" in last.lower():
            run.nondeterminism.append(f"{handle.id} query: {last[:300]}")
        return None

    async def scan_history(self, run: SaleRun, handle: WorkflowHandle[Any, Any]) -> None:
        by_event: dict[int, EmailSend] = {}
        try:
            async with self.rpc:
                async for event in handle.fetch_history_events():
                    await self._note_send(run, handle.id, event, by_event)
                    if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
                        run.task_timeouts += 1
                    if event.event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                        continue
                    failed = event.workflow_task_failed_event_attributes
                    run.task_failures[WorkflowTaskFailedCause.Name(failed.cause)] += 1
                    message = failed.failure.message
                    if failed.cause == NON_DETERMINISTIC or "nondetermin" in message.lower():
                        run.nondeterminism.append(f"{handle.id} event {event.event_id}: {message}")
        except RPCError as err:
            run.read_errors.append(f"{handle.id} history: {err}")

    async def _note_send(
        self, run: SaleRun, workflow_id: str, event: HistoryEvent, by_event: dict[int, EmailSend]
    ) -> None:
        """Email activities by step (their summary, `email: <step>`, or `email: <earlier step>
        + <step>`), to tell in-flight sends."""
        at = event.event_time.ToDatetime(UTC).timestamp()
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            if scheduled.activity_type.name != "send_email":
                return
            [summary] = await self.client.data_converter.decode([event.user_metadata.summary])
            started = by_event[event.event_id] = EmailSend(at)
            # `email: orientation + proposal_v1`: an earlier email the same activity sends.
            for step in str(summary).removeprefix("email: ").split(" + "):
                run.sends[f"{workflow_id} {step}"] = started
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
            asked = event.activity_task_cancel_requested_event_attributes
            send = by_event.get(asked.scheduled_event_id)
            if send is not None:
                send.cancel_requested_at = at
