"""Driving one synthetic sale through its persona's script on a time-skipping server.

Each sale has its own virtual clock. The driver waits (in virtual time) for an
act's milestone by fast-forwarding the sale to its next due action, lets the
act's wait pass, sends the act's event, and at the end lets the sale run to
its outcome. Seller commands go as updates (a refused one leaves no trace in
the sale, and the driver counts it); customer events go as signals.
"""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowHistory,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from sales.playbook import Playbook
from sales.process import StepName, stage_of, takers
from sales.stages import SalesStage
from sales.state import GateStatus, SaleState
from simulation.actions import count_actions
from simulation.behaviour import Act, Persona, resolve
from workflows.sale import api

if TYPE_CHECKING:
    from simulation.account_driver import AccountRun

# How long (real time) a milestone may take to show before its act is given up.
MILESTONE_PATIENCE = 60.0
EMAIL_STAGES = {
    "intro": SalesStage.CONTACT,
    "follow_up": SalesStage.CONTACT,
    "orientation": SalesStage.NEEDS_ANALYSIS,
    "proposal": SalesStage.PROPOSAL,
    "discount_approval": SalesStage.PROPOSAL,
    "tender_bid": SalesStage.PROPOSAL,
    "contract": SalesStage.CONTRACT,
}


@dataclass
class SaleRun:
    """What happened to one synthetic sale: its final state, history size and the acts; and
    to its account, when it was won and accounts were simulated."""

    persona: str
    state: SaleState
    actions: int
    history_events: int
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    history: WorkflowHistory | None = None
    account: "AccountRun | None" = None


class Ended(Exception):
    """The sale reached its outcome; the rest of the script does not apply."""


class SaleDriver:
    """Plays one persona's script against one sale."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        handle: WorkflowHandle[Any, Any],
        playbook: Playbook,
        persona: Persona,
    ) -> None:
        self.env = env
        self.handle = handle
        self.playbook = playbook
        self.persona = persona
        self.steps = tuple(playbook.process.steps)
        self.sent: list[str] = []
        self.skipped: list[str] = []
        self.refused: list[str] = []
        self._seen: datetime | None = None  # the latest virtual time read of the sale

    async def drive(self) -> SaleRun:
        started = await self._now()
        previous = started
        try:
            for act in self.persona.acts:
                if not self._applies(act):
                    continue
                milestone = await self._reach(act)
                if milestone is False:
                    self.skipped.append(act.event)
                    continue
                base = milestone if isinstance(milestone, datetime) else previous
                previous = await self._at(base + act.after)
                await self._send(act, previous)
        except Ended:
            pass
        # To its outcome, one due action at a time: a fast-forward without an end would
        # also skip past the first task of a run that continued as new.
        deadline = time.monotonic() + MILESTONE_PATIENCE * 5
        while time.monotonic() < deadline:
            if (await self.handle.describe()).status is not WorkflowExecutionStatus.RUNNING:
                break
            with contextlib.suppress(RPCError):  # it may complete meanwhile
                await self._advance(await self._state())
        history = await self.handle.fetch_history()
        events = history.events
        return SaleRun(
            persona=self.persona.name,
            state=await self._state(),
            actions=count_actions(events),
            history_events=len(events),
            sent=self.sent,
            skipped=self.skipped,
            refused=self.refused,
            history=history,
        )

    def _applies(self, act: Act) -> bool:
        message = api.MESSAGES.get(act.event)
        if message is None:
            return False
        if not takers(self.steps, message.model):
            return False
        steps = {str(step) for step in self.steps}
        return set(act.requires) <= steps and not steps & set(act.unless)

    async def _state(self) -> SaleState:
        return await query_state(self.handle)

    async def _reach(self, act: Act) -> datetime | bool:
        """When the act's milestone happened (virtual time), True without one, False if never."""
        if act.once is None:
            return True
        deadline = time.monotonic() + MILESTONE_PATIENCE
        while time.monotonic() < deadline:
            state = await self._state()
            reached = milestone_time(state, act.once)
            if reached is None and act.once.startswith("waiting:") and await self._idle():
                action = state.next_action.description if state.next_action else ""
                if act.once.partition(":")[2] in action:
                    reached = await self._now()
            if reached is not None:
                return reached
            if state.stage.is_final:
                raise Ended
            if self._unreachable(state, act.once):
                return False
            await self._advance(state)
        return False

    async def _advance(self, state: SaleState) -> None:
        """Let the sale move on: to its next due action once it is idle, else a moment."""
        due = state.next_action.due_at if state.next_action else None
        if due is not None and await self._idle():
            if await self._state() != state:
                return  # it moved on between the two looks: look at it again first
            now = await self._now()
            if due > now:
                await self.env.fast_forward(self.handle, due - now + timedelta(seconds=1))
                return
        await asyncio.sleep(0.02)

    async def _now(self) -> datetime:
        """The sale's virtual time, never earlier than a time read before: a run just continued
        as new has no skipping of its own until it is fast-forwarded, and until then the SDK
        reads the wall clock for it, which would send the next fast-forward past a deadline."""
        read = await self.env.get_current_time(self.handle)
        self._seen = read if self._seen is None else max(self._seen, read)
        return self._seen

    async def _idle(self) -> bool:
        """No activity or workflow task in flight: the sale waits for time or an event."""
        described = (await self.handle.describe()).raw_description
        return not described.pending_activities and not described.HasField("pending_workflow_task")

    def _unreachable(self, state: SaleState, once: str) -> bool:
        kind, _, name = once.partition(":")
        entered = {change.stage for change in state.timeline}
        if kind == "waiting":
            steps = takers(self.steps, api.MESSAGES.named(name).model)
            stages = [stage_of(self.steps, self.steps.index(step)) for step in steps]
            return all(state.stage.order > stage.order for stage in stages)
        if kind == "stage":
            stage = SalesStage(name)
            return stage not in entered and state.stage.order > stage.order
        if kind == "gate":
            record = next((g for g in state.gates if g.gate == name), None)
            if record is not None:
                return record.status is not GateStatus.WAITING
            step = StepName(name)
            return step not in self.steps or (
                state.stage.order > stage_of(self.steps, self.steps.index(step)).order
            )
        prefix = next((p for p in EMAIL_STAGES if name.startswith(p)), None)
        return prefix is not None and state.stage.order > EMAIL_STAGES[prefix].order

    async def _at(self, target: datetime) -> datetime:
        """Fast-forward the sale to `target` (virtual), unless it is there already."""
        now = await self._now()
        if target > now and not await self.env.fast_forward(self.handle, target - now):
            raise Ended
        return max(target, now)

    async def _send(self, act: Act, at: datetime) -> None:
        message = api.MESSAGES.named(act.event)
        payload = resolve(act.payload, at)
        state = await self._state()
        if state.stage.is_final:
            raise Ended
        if message.command:
            try:
                await asyncio.wait_for(
                    self.handle.execute_update(act.event, payload), timeout=MILESTONE_PATIENCE
                )
            except WorkflowUpdateFailedError as refused:
                self.refused.append(f"{act.event}: {refused.cause}")
                return
            except TimeoutError:
                self.refused.append(f"{act.event}: no answer in time")
                return
        else:
            await self.handle.signal(act.event, payload)
        self.sent.append(act.event)


async def query_state(handle: WorkflowHandle[Any, Any]) -> SaleState:
    """The sale's state; a run that just continued as new answers once its first task ran."""
    for _ in range(100):
        try:
            state: SaleState = await handle.query(api.STATE_QUERY, result_type=SaleState)
            return state
        except RPCError as error:
            if error.status is not RPCStatusCode.FAILED_PRECONDITION:
                raise
            await asyncio.sleep(0.05)
    raise AssertionError(f"{handle.id} never answered its state query")


def milestone_time(state: SaleState, once: str) -> datetime | None:
    """When a milestone happened in the sale (virtual time), or None while it has not."""
    kind, _, name = once.partition(":")
    if kind == "stage":
        return next((c.at for c in state.timeline if c.stage == name), None)
    if kind == "gate":
        record = next((g for g in state.gates if g.gate == name), None)
        waiting = record is not None and record.status is GateStatus.WAITING
        return record.opened_at if record is not None and waiting else None
    return next((e.sent_at for e in state.emails if e.step.startswith(name)), None)
