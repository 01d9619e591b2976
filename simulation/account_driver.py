"""Driving one customer account through its first years on a time-skipping server.

A won sale starts the real account (`CustomerSupportWorkflow`). The driver plans what the
customer does (`simulation.account_plan`), then fast-forwards the account from one planned
event to the next and sends it; it stops at each check-in to schedule the score that answers
it, schedules the owner's follow-up of a low score, and drives each renewal sale the account
starts to the end its persona chose. After the years it closes the account with a reason.

The account's own deadlines (orders promised, service levels, reviews, reminders) fall due
inside the fast-forwards: the server stops skipping while a timer's work is in flight. A
running child sale is in-flight work too, and a fast-forward past its start would not end
until the sale did; so the account is fast-forwarded to a moment before the renewal starts,
the renewal begins on the real clock (and with skipping off, inherits none), and the driver
drives it as a sale (`SaleDriver`) before it moves the account on. The renewal sale's clock
runs its weeks in seconds; the account, waiting, hears its outcome seconds after it began.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask
from temporalio.api.common.v1 import TimeSkippingConfig, WorkflowExecution
from temporalio.api.workflow.v1 import WorkflowExecutionOptions
from temporalio.api.workflowservice.v1 import UpdateWorkflowExecutionOptionsRequest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from sales.account.agenda import morning_of, renewal_dates
from sales.account.calendar import add_months
from sales.account.records import AccountSale, SaleKind
from sales.account.state import AccountState
from sales.playbook import Playbook, load_playbook
from simulation.account_plan import AccountPlan
from simulation.actions import count_actions
from simulation.behaviour import Persona, RenewalScripts, with_items
from simulation.driver import SaleDriver, SaleRun
from workflows.support import api

# How long (real time) the account may take to settle, or to start a renewal due, before
# the driver gives up on it.
ACCOUNT_PATIENCE = 60.0
# How far before a renewal sale starts the account's fast-forward stops: the last of it
# passes on the real clock, so the sale starts after the fast-forward has ended. (Should it
# start within a fast-forward, that one ends on the real clock by the rest of this guard:
# the simulation's server lets no child inherit skipping.)
RENEWAL_GUARD = timedelta(seconds=0.5)
# A fast-forward to a deadline goes this far past it, so that its timer has fired.
PAST = timedelta(seconds=1)
# How long (real time) one fast-forward may take: a workflow task that keeps failing holds
# the account's clock, and the fast-forward would wait for the real one to catch up.
FORWARD_PATIENCE = 120.0
# Events after which the driver looks at the account before it moves on: the first order
# fulfilled schedules the first check-in, a low score opens a follow-up task; both are
# answered at a moment of their own. (Other events change nothing the driver answers.)
ANSWERED = frozenset({api.ORDER_FULFILLED.name, api.FEEDBACK_RECEIVED.name})


@dataclass
class AccountRun:
    """What happened to one simulated account: its final state, its history and renewals."""

    persona: str
    years: int
    state: AccountState
    actions: int
    history_events: int
    sent: list[str] = field(default_factory=list)
    renewals: list[SaleRun] = field(default_factory=list)


def close_reason(state: AccountState, years: int) -> str:
    """Why the simulation closes an account: its renewal lost, or the years simulated."""
    renewals = [s for s in state.sales if s.kind is SaleKind.RENEWAL and s.outcome]
    if renewals and renewals[-1].outcome == "LOST":
        return "not renewed: " + (renewals[-1].lost_reason or "the renewal was lost")
    return f"the simulation's {years} years ended"


class AccountEnded(Exception):
    """The account ended before the driver closed it (closed by someone else, or failed)."""


class AccountDriver:
    """Plays one persona's customer against one account for `years`, then closes it."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        handle: WorkflowHandle[Any, Any],
        playbook: Playbook,
        persona: Persona,
        renewal: RenewalScripts,
        *,
        seed: str,
        playbooks_dir: Path,
        years: int,
    ) -> None:
        self.env = env
        self.handle = handle
        self.playbook = playbook
        self.persona = persona
        self.renewal = renewal
        self.playbooks_dir = playbooks_dir
        self.years = years
        self.plan = AccountPlan(persona.account, seed)
        self.sent: list[str] = []
        self.renewals: list[SaleRun] = []
        self._answered: set[str] = set()  # check-ins scored, follow-ups planned, sales driven

    async def drive(self) -> AccountRun:
        state, start = await self._settled()
        await self._no_skipping()
        now = start
        local = start.astimezone(self.playbook.outreach.zone_for(state.lead))
        end = start + (add_months(local.date(), 12 * self.years) - local.date())
        self._plan(state, start, end)
        try:
            state = await self._years(state, now, end)
        except AccountEnded:
            pass
        else:
            with contextlib.suppress(AccountEnded):
                reason = close_reason(state, self.years)
                await self._signal(api.ACCOUNT_CLOSED.name, {"reason": reason})
        closed = self.env.client.get_workflow_handle(self.handle.id, result_type=AccountState)
        try:
            final = await asyncio.wait_for(closed.result(), timeout=ACCOUNT_PATIENCE)
        except WorkflowFailureError:  # what it knew when it failed
            final = await account_state(self.handle)
        actions, events = await self._history(final.runs)
        return AccountRun(
            persona=self.persona.name,
            years=self.years,
            state=final,
            actions=actions,
            history_events=events,
            sent=self.sent,
            renewals=self.renewals,
        )

    async def _years(self, state: AccountState, now: datetime, end: datetime) -> AccountState:
        """The customer's events and the account's answers until `end`; the state then."""
        while True:
            self._answer(state)
            renewal = self._renewal_running(state)
            if renewal is not None:
                self.renewals.append(await self._renew(renewal, state))
                state, now = await self._settled()
                continue
            due = self.plan.due(now)
            for event in due:
                await self._signal(event.signal, event.payload)
            if any(event.signal in ANSWERED for event in due):
                state, now = await self._settled()
                continue
            if now >= end:
                break
            if await self._advance(state, now, end):
                state, now = await self._settled()
            else:  # nothing the driver answers can have happened: the clock is enough
                now = await self.env.get_current_time(self.handle)
        return state

    # --- the plan and the answers --------------------------------------------------------

    def _plan(self, state: AccountState, start: datetime, end: datetime) -> None:
        within = self.playbook.account.delivery_within
        for order in state.orders:  # the sale's order
            self.plan.first_order(order.order_number, order.placed_at or start, order.promised_by)
        self.plan.orders(start, end, within)
        self.plan.tickets(start, end)

    def _answer(self, state: AccountState) -> None:
        """Plan the customer's score after each new check-in, the owner's follow-up of each
        new low-score task."""
        for email in state.emails:
            if email.step.startswith("check_in_") and email.step not in self._answered:
                self._answered.add(email.step)
                self.plan.feedback(email.sent_at)
        for task in state.follow_ups:
            if task.task_id not in self._answered:
                self._answered.add(task.task_id)
                self.plan.follow_up(task.task_id, task.opened_at)

    # --- time -------------------------------------------------------------------------

    async def _advance(self, state: AccountState, now: datetime, end: datetime) -> bool:
        """Fast-forward to the next planned event or check-in, or to the moment before a
        renewal sale starts (and wait on the real clock until it has); whether the driver
        should look at the account now (a check-in went out, a renewal began)."""
        check_in = state.next_check_in_at + PAST if state.next_check_in_at else None
        target = min(m for m in (end, self.plan.next_at(), check_in) if m is not None)
        renewal_at = self._renewal_start(state)
        if renewal_at is not None and renewal_at - RENEWAL_GUARD <= target:
            if renewal_at - RENEWAL_GUARD > now:
                await self._forward(renewal_at - RENEWAL_GUARD - now)
            await self._until(
                lambda s: s.term_ends_on != state.term_ends_on or self._renewed(s),
                "the renewal sale to start",
            )
            return True
        await self._forward(max(target - now, PAST))
        return target == check_in

    async def _signal(self, name: str, payload: dict[str, Any]) -> None:
        try:
            await self.handle.signal(name, payload)
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:  # it has ended
                raise AccountEnded from error
            raise
        self.sent.append(name)

    async def _forward(self, duration: timedelta) -> None:
        try:
            reached = await asyncio.wait_for(
                self.env.fast_forward(self.handle, duration), timeout=FORWARD_PATIENCE
            )
        except TimeoutError:
            raise AssertionError(
                f"{self.handle.id} did not get {duration} further in {FORWARD_PATIENCE:g} s "
                "(is a workflow task failing? see the worker's log)"
            ) from None
        if not reached:
            raise AccountEnded

    def _renewal_start(self, state: AccountState) -> datetime | None:
        """When the account starts the renewal of its term, unless it has."""
        ends = state.term_ends_on
        dates = renewal_dates(ends, self.playbook.account) if ends else None
        if dates is None or self._renewed(state):
            return None
        return morning_of(dates[1], self.playbook.outreach.zone_for(state.lead))

    @staticmethod
    def _renewed(state: AccountState) -> bool:
        return any(
            sale.kind is SaleKind.RENEWAL and sale.for_term_ending == state.term_ends_on
            for sale in state.sales
        )

    async def _no_skipping(self) -> None:
        """Skipping off, should the account have inherited it from its sale: the driver
        moves its clock, one fast-forward at a time."""
        info = await self.env.get_time_skipping_info(self.handle)
        if info is None or not info.effective_config.enabled:
            return
        client = self.env.client
        await client.workflow_service.update_workflow_execution_options(
            UpdateWorkflowExecutionOptionsRequest(
                namespace=client.namespace,
                workflow_execution=WorkflowExecution(workflow_id=self.handle.id),
                workflow_execution_options=WorkflowExecutionOptions(
                    time_skipping_config=TimeSkippingConfig(enabled=False)
                ),
                update_mask=FieldMask(paths=["time_skipping_config"]),
                identity=client.identity,
            )
        )

    # --- renewals ---------------------------------------------------------------------

    def _renewal_running(self, state: AccountState) -> AccountSale | None:
        for sale in state.sales:
            if sale.outcome is None and sale.workflow_id not in self._answered:
                self._answered.add(sale.workflow_id)
                return sale
        return None

    async def _renew(self, record: AccountSale, state: AccountState) -> SaleRun:
        """Drive the renewal sale (any sale the account starts) to the end the customer
        chose; wait until the account has heard of it."""
        playbook = load_playbook(self.playbooks_dir, record.playbook)
        accepted = self.plan.renews()
        acts = self.renewal.accepted if accepted else self.renewal.declined
        items = [item.model_dump(mode="json") for item in state.items]
        persona = Persona(
            name=f"{self.persona.name} renewal",
            share=1,
            acts=with_items(acts, items),
        )
        sale = self.env.client.get_workflow_handle(record.workflow_id)
        run = await SaleDriver(self.env, sale, playbook, persona).drive()
        await self._until(
            lambda s: any(x.workflow_id == record.workflow_id and x.outcome for x in s.sales),
            f"the account to hear how {record.workflow_id} ended",
        )
        return run

    # --- the account's state ------------------------------------------------------------

    async def _settled(self) -> tuple[AccountState, datetime]:
        """The account's state once no workflow task or activity is in flight, and its
        virtual time then."""
        deadline = time.monotonic() + ACCOUNT_PATIENCE
        while True:
            described = (await self.handle.describe()).raw_description
            idle = not described.pending_activities and not described.HasField(
                "pending_workflow_task"
            )
            if idle or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.02)
        extended = described.workflow_extended_info
        now = (
            extended.time_skipping_info.current_time.ToDatetime(tzinfo=UTC)
            if extended.HasField("time_skipping_info")
            else datetime.now(UTC)  # never skipped: its clock is the real one
        )
        return await account_state(self.handle), now

    async def _until(self, done: Callable[[AccountState], bool], what: str) -> AccountState:
        deadline = time.monotonic() + ACCOUNT_PATIENCE
        while time.monotonic() < deadline:
            state = await account_state(self.handle)
            if done(state):
                return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.handle.id}: waited in vain for {what}")

    async def _history(self, runs: int) -> tuple[int, int]:
        """Billable actions and events of every run of the account."""
        handles = [self.handle]
        if runs > 1:
            found = self.env.client.list_workflows(f'WorkflowId = "{self.handle.id}"')
            handles = [
                self.env.client.get_workflow_handle(self.handle.id, run_id=run.run_id)
                async for run in found
            ]
        actions = events = 0
        for handle in handles:
            history = [event async for event in handle.fetch_history_events()]
            actions += count_actions(history)
            events += len(history)
        return actions, events


async def account_state(handle: WorkflowHandle[Any, Any]) -> AccountState:
    """The account's state; a run that just continued as new answers once its first task ran."""
    for _ in range(100):
        try:
            state: AccountState = await handle.query(api.STATE_QUERY, result_type=AccountState)
            return state
        except RPCError as error:
            if error.status is not RPCStatusCode.FAILED_PRECONDITION:
                raise
            await asyncio.sleep(0.05)
    raise AssertionError(f"{handle.id} never answered its state query")
