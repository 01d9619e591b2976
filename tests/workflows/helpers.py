"""Driving a sale in tests: fresh leads, the default playbook, waiting on the `state` query."""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any, TypeVar

import holidays
from google.protobuf.field_mask_pb2 import FieldMask
from temporalio.api.common.v1 import TimeSkippingConfig, WorkflowExecution
from temporalio.api.workflow.v1 import WorkflowExecutionOptions
from temporalio.api.workflowservice.v1 import UpdateWorkflowExecutionOptionsRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from client.queries import sale_state, support_state
from client.sales import start_sale
from sales.account.records import Handoff
from sales.account.state import AccountState
from sales.lead import Lead
from sales.playbook import OutreachPolicy, Playbook, load_playbook
from sales.sending import ZONES
from sales.stages import SalesStage
from sales.state import SaleOutcome, SaleState
from settings import Settings
from simulation.command import UNSKIPPED, begun
from workflows.sale import api as sale_api
from workflows.sale.api import CommandAnswer
from workflows.support import api as support_api
from workflows.support.workflow import CustomerSupportWorkflow
from workflows.versions import PROCESS_VERSION

T = TypeVar("T")

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"

NEEDS = {
    "event_id": "needs-1",
    "summary": "Three packaging lines stop twice a month on bearing failures",
    "business_model": "Contract packer for food brands, paid per pallet shipped",
    "applications": [
        {
            "name": "Predictive maintenance on line motors",
            "hours_saved_per_month": "24",
            "cost_saved_per_year": "48000",
        }
    ],
    "items": [{"sku": "NW-SENSOR-100", "quantity": 10}, {"sku": "NW-PLATFORM", "quantity": 1}],
}


BIG_DISCOUNT = {
    "summary": "Asks for a quarter off",
    "discount_percent": 25,
    "items": [{"sku": "NW-GATEWAY-20", "quantity": 3}],
}


def default_playbook(**changes: Any) -> Playbook:
    return playbook_named("default", **changes)


def new_lead(**fields: Any) -> Lead:
    """A viable lead with an address no other test uses."""
    tag = uuid.uuid4().hex[:8]
    values: dict[str, Any] = {
        "email": f"buyer-{tag}@polderpack.example",
        "first_name": "Jeroen",
        "last_name": "de Vries",
        "company": "PolderPack B.V.",
        "country": "NL",
        "industry": "packaging",
        "source": "convention:hannover-messe-2026",
        "owner": "sam.keller",
    }
    values.update(fields)
    return Lead.model_validate(values)


async def start(
    client: Client, settings: Settings, lead: Lead, playbook: Playbook | None = None
) -> WorkflowHandle[Any, SaleOutcome]:
    result = await start_sale(client, lead, playbook or default_playbook(), settings.task_queue)
    assert result.started
    return client.get_workflow_handle(result.workflow_id, result_type=SaleOutcome)


async def start_paused(
    env: WorkflowEnvironment, settings: Settings, lead: Lead, playbook: Playbook | None = None
) -> WorkflowHandle[Any, SaleOutcome]:
    """Start without time skipping, so the test can signal mid-wait and fast-forward by hand."""
    with env.with_time_skipping_disabled():
        return await start(env.client, settings, lead, playbook)


async def start_at(
    env: WorkflowEnvironment, settings: Settings, lead: Lead, playbook: Playbook, at: datetime
) -> WorkflowHandle[Any, SaleOutcome]:
    """Start the sale so that it begins at `at` (give or take the seconds this takes) on its
    virtual clock: a start delay, skipped at once; then it runs without time skipping, so the
    test can signal mid-wait and fast-forward by hand."""
    delay = at - datetime.now(UTC)
    assert delay > timedelta(0), f"{at} is not in the future"
    with env.with_time_skipping_disabled():
        result = await start_sale(
            env.client, lead, playbook, settings.task_queue, start_delay=delay
        )
    handle = env.client.get_workflow_handle(result.workflow_id, result_type=SaleOutcome)
    await begun(env, handle, delay)  # skipping is off before its first task (tests/conftest.py)
    return handle


async def stop_skipping(env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]) -> None:
    """Time skipping off for the workflow: a fast-forward leaves it on, and a wait that began
    after it (a seller's decision, once an activity ended) may be skipped before the test
    signals in it."""
    await env.client.workflow_service.update_workflow_execution_options(
        UpdateWorkflowExecutionOptionsRequest(
            namespace=env.client.namespace,
            workflow_execution=WorkflowExecution(workflow_id=handle.id),
            workflow_execution_options=WorkflowExecutionOptions(
                time_skipping_config=TimeSkippingConfig(enabled=False)
            ),
            update_mask=FieldMask(paths=["time_skipping_config"]),
            identity=env.client.identity,
        )
    )


# The zones of whole hours from UTC-12 to UTC+14: one of them is at any hour of the day.
WHOLE_HOURS = [f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT" for offset in range(-12, 15)]


def zone_where(wanted: Callable[[datetime], bool], now: datetime) -> str | None:
    """The first whole-hour zone whose local time now satisfies `wanted` (on the real clock)."""
    return next((z for z in WHOLE_HOURS if wanted(now.astimezone(ZONES[z]))), None)


def is_night(local: datetime) -> bool:
    return 1 <= local.hour <= 5


def next_working_local(weekday: int, hour: int, zone: str, country: str) -> datetime:
    """As `next_local`, on the first such day that is no public holiday of `country`: a test
    that needs the lead's window open on it does not meet a holiday by the date it runs."""
    public = holidays.country_holidays(country)
    at = next_local(weekday, hour, zone)
    while at.date() in public:
        at += timedelta(days=7)
    return at


def next_local(weekday: int, hour: int, zone: str, *, minute: int = 0) -> datetime:
    """The next `weekday` (0 Monday) at `hour`:`minute` in `zone`, at least an hour ahead."""
    tz = ZONES[zone]
    now = datetime.now(UTC).astimezone(tz)
    day = now.date() + timedelta(days=(weekday - now.weekday()) % 7)
    at = datetime.combine(day, time_of_day(hour, minute), tz)
    if at < now + timedelta(hours=1):
        at = datetime.combine(day + timedelta(days=7), time_of_day(hour, minute), tz)
    return at


async def state_of(handle: WorkflowHandle[Any, Any]) -> SaleState:
    return await sale_state(handle)


async def wait_for(
    handle: WorkflowHandle[Any, Any],
    predicate: Callable[[SaleState], bool],
    what: str,
    timeout: float = 30.0,
) -> SaleState:
    """Poll the `state` query until `predicate` holds; fail naming what never happened."""

    def where(state: SaleState) -> str:
        action = state.next_action
        return (
            f"stage {state.stage}, "
            f"next action {action.description if action else None}, "
            f"emails {[e.step for e in state.emails]}, pending {state.pending_events}, "
            f"rejected {[(r.signal, r.reason) for r in state.rejected_events]}"
        )

    return await _poll(
        lambda: sale_state(handle), predicate, what, timeout=timeout, whose="sale", where=where
    )


async def wait_for_support(
    handle: WorkflowHandle[Any, Any],
    predicate: Callable[[AccountState], bool],
    what: str,
    timeout: float = 30.0,
) -> AccountState:
    """Poll a support workflow's `state` until `predicate` holds; fail naming where it stood."""

    def where(state: AccountState) -> str:
        return (
            f"next action {state.next_action}, "
            f"emails {[e.step for e in state.emails]}, orders {state.orders_fulfilled}"
        )

    return await _poll(
        lambda: support_state(handle),
        predicate,
        what,
        timeout=timeout,
        whose="support",
        where=where,
    )


async def wait_until(
    query: Callable[[], Awaitable[T]],
    predicate: Callable[[T], bool],
    what: str,
    timeout: float = 30.0,
) -> T:
    """Ask `query` (a workflow's search attributes, say) until its answer satisfies `predicate`;
    fail naming what never happened and the last answer."""
    return await _poll(query, predicate, what, timeout=timeout, whose="workflow", where=repr)


async def _poll(
    query: Callable[[], Awaitable[T]],
    predicate: Callable[[T], bool],
    what: str,
    *,
    timeout: float,
    whose: str,
    where: Callable[[T], str],
) -> T:
    """Ask `query` until its answer satisfies `predicate`; fail saying where it stood."""
    deadline = time.monotonic() + timeout
    while True:
        state = await answered(query())
        if state is not None and predicate(state):
            return state
        if time.monotonic() > deadline:
            if state is None:
                raise AssertionError(f"{what} did not happen; the {whose} answered no query")
            raise AssertionError(f"{what} did not happen; {where(state)}")
        await asyncio.sleep(0.1)


# A query cannot be answered yet: the first task after a start delay is not scheduled, or a
# worker was just killed and the query waited on its sticky queue. Asked again, it is answered.
NOT_YET = (RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED)


async def answered(query: Awaitable[T]) -> T | None:
    """The query's answer, or None where the server says it cannot answer yet."""
    try:
        return await query
    except RPCError as err:
        if err.status in NOT_YET or "not scheduled yet" in err.message:
            return None
        raise


async def wait_for_action(
    handle: WorkflowHandle[Any, Any], prefix: str, what: str, timeout: float = 30.0
) -> SaleState:
    """Poll until the sale's next action starts with `prefix` ("intro scheduled")."""
    return await wait_for(
        handle,
        lambda s: s.next_action is not None and s.next_action.description.startswith(prefix),
        what,
        timeout,
    )


async def start_support(
    env: WorkflowEnvironment,
    settings: Settings,
    lead: Lead,
    playbook: Playbook,
    *,
    order_number: str | None = None,
    history_limit: int | None = None,
    start_delay: timedelta | None = None,
    handoff: Handoff | None = None,
    process_version: int | None = PROCESS_VERSION,
) -> WorkflowHandle[Any, AccountState]:
    """Start a customer's account on its own, as a won sale does (without time skipping);
    `process_version=3` starts the support of old."""
    support = support_api.SupportInput(
        lead=lead,
        playbook=playbook,
        sale_workflow_id=sale_api.workflow_id(lead.lead_id),
        order_number=order_number,
        handoff=handoff,
        process_version=process_version,
    )
    if history_limit is not None:
        support.history_limit = history_limit
    with env.with_time_skipping_disabled():
        handle: WorkflowHandle[Any, AccountState] = await env.client.start_workflow(
            CustomerSupportWorkflow.run,
            support,
            id=support_api.workflow_id(lead.lead_id),
            task_queue=settings.task_queue,
            start_delay=start_delay,
        )
    return handle


async def start_account_at(
    env: WorkflowEnvironment,
    settings: Settings,
    lead: Lead,
    playbook: Playbook,
    at: datetime,
    **options: Any,
) -> WorkflowHandle[Any, AccountState]:
    """Start an account so that it begins at `at` on its virtual clock (as `start_at` does a
    sale), then without time skipping: the test fast-forwards it by hand."""
    delay = at - datetime.now(UTC)
    assert delay > timedelta(0), f"{at} is not in the future"
    handle = await start_support(env, settings, lead, playbook, start_delay=delay, **options)
    await env.fast_forward(handle, delay - UNSKIPPED)
    await wait_for_support(handle, lambda _: True, "the account's first workflow task")
    return handle


async def wait_stage(handle: WorkflowHandle[Any, Any], stage: SalesStage) -> SaleState:
    return await wait_for(handle, lambda s: s.stage == stage, f"stage {stage}")


async def drive_to_proposal(
    handle: WorkflowHandle[Any, Any], needs: dict[str, Any] | None = None
) -> SaleState:
    """Reply with interest and identify needs: the quote goes out."""
    await wait_for(handle, lambda s: any(e.step == "intro" for e in s.emails), "intro email")
    await handle.signal("interest_expressed", {"notes": "met at the booth"})
    await handle.signal("needs_identified", needs or NEEDS)
    return await wait_for(
        handle, lambda s: any(e.step == "proposal_v1" for e in s.emails), "proposal sent"
    )


async def drive_to_approval(handle: WorkflowHandle[Any, Any], needs: dict[str, Any]) -> SaleState:
    """Reply with interest and ask for a discount the manager must approve."""
    await wait_for(handle, lambda s: any(e.step == "intro" for e in s.emails), "intro email")
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", needs)
    return await wait_for(handle, lambda s: s.awaiting_discount_approval, "approval requested")


async def drive_to_contract(handle: WorkflowHandle[Any, Any]) -> SaleState:
    await drive_to_proposal(handle)
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    return await wait_for(
        handle, lambda s: any(e.step == "contract_v1" for e in s.emails), "contract sent"
    )


def playbook_named(name: str, **changes: Any) -> Playbook:
    """A shipped playbook as sales of it run, but sending at any hour: its window would make
    a test depend on the weekday it runs on (tests/workflows/sale/test_sending_window.py
    tests the window on its own)."""
    playbook = load_playbook(PLAYBOOKS, name)
    return playbook.model_copy(update={"outreach": OutreachPolicy(), **changes})


async def command(
    handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]
) -> CommandAnswer:
    """A seller command sent as an update; WorkflowUpdateFailedError when the sale refuses it."""
    answer: CommandAnswer = await handle.execute_update(name, payload, result_type=CommandAnswer)
    return answer


def sent(state: SaleState) -> list[str]:
    """The steps of the emails a sale recorded, in order."""
    return [email.step for email in state.emails]


def stages(state: SaleState) -> list[str]:
    """The stages of the sale's timeline, in order."""
    return [str(change.stage) for change in state.timeline]
