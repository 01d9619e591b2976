"""Sending a scenario to a sale, and running examples (time limits, settings, clean-up).

Each message is answered one of three ways: the sale took it in (a signal, or an update
its validator let through), so it must show up in its state as applied, kept, rejected
or counted; an update's validator refused it (`Refusal.recorded` false), and the sale records
nothing, by design; or the sale had already finished, and the client says so.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import hypothesis
from hypothesis import HealthCheck
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError, RPCStatusCode

from client.commands import refusal_of
from sales.state import SaleState
from tests.properties.scenarios import Scenario, Send
from workflows.sale import api
from workflows.support import api as support_api

QUERY_TIMEOUT = 10.0
SEND_TIMEOUT = 15.0


@dataclass(frozen=True)
class Delivered:
    """A send and how the sale answered it; `recorded`: the sale took it in."""

    send: Send
    recorded: bool
    answer: str

    def __repr__(self) -> str:
        return f"{self.send!r} -> {'recorded' if self.recorded else 'not recorded'}: {self.answer}"


async def state_of(handle: WorkflowHandle[Any, Any]) -> SaleState:
    """The `state` query, which must always answer."""
    try:
        query = handle.query(api.STATE_QUERY, result_type=SaleState)
        state: SaleState = await asyncio.wait_for(query, QUERY_TIMEOUT)
    except Exception as err:
        raise AssertionError(f"the state query did not answer: {err!r}") from err
    return state


async def closed(handle: WorkflowHandle[Any, Any]) -> bool:
    return (await handle.describe()).status is not WorkflowExecutionStatus.RUNNING


async def deliver(handle: WorkflowHandle[Any, Any], send: Send) -> Delivered:
    args = list(send.args)
    try:
        if send.via == "signal":
            await asyncio.wait_for(handle.signal(send.name, args=args), SEND_TIMEOUT)
            return Delivered(send, True, "signalled")
        update = handle.execute_update(send.name, args=args, result_type=api.CommandAnswer)
        answer = await asyncio.wait_for(update, SEND_TIMEOUT)
        return Delivered(send, True, f"{answer.status}: {answer.detail}")
    except WorkflowUpdateFailedError as err:
        # The validator refuses before the sale records anything; later refusals are recorded.
        refusal = refusal_of(err)
        return Delivered(send, refusal.recorded, str(refusal))
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND and await closed(handle):
            return Delivered(send, False, f"the sale had finished: {err.message}")
        raise
    except TimeoutError as err:
        raise AssertionError(f"{send!r} got no answer in {SEND_TIMEOUT} s") from err


async def idle(handle: WorkflowHandle[Any, Any], limit: float = 10.0) -> None:
    """Wait until the sale waits for a message or a timer: no activity, child or workflow task
    in flight. Each message then meets the sale at rest, so an example plays out the same way
    on every run (messages racing activities: test_races.py)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        described = await handle.describe()
        raw = described.raw_description
        if described.status is not WorkflowExecutionStatus.RUNNING or not (
            raw.pending_activities or raw.pending_children or raw.HasField("pending_workflow_task")
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the sale was still busy after {limit} s")


async def drive(handle: WorkflowHandle[Any, Any], scenario: Scenario) -> list[Delivered]:
    """Send every message in order, each once the sale is at rest; ask for its state after each."""
    delivered: list[Delivered] = []
    for send in scenario.sends:
        await idle(handle)
        delivered.append(await deliver(handle, send))
        await state_of(handle)
    return delivered


# --- running examples -------------------------------------------------------------------


def examples(count: int) -> hypothesis.settings:
    """`count` examples, the same on every run (`derandomize`, no database), however slow."""
    return hypothesis.settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            # One worker for all the examples of a test: each starts a sale of its own.
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


@contextlib.asynccontextmanager
async def within(seconds: float) -> AsyncIterator[None]:
    """One example's own time limit. pytest-timeout cannot end a hypothesis test: hypothesis
    takes its failure for one more failing example and goes on shrinking. So an example that
    hangs fails here, and shrinking stops by itself after five minutes (hypothesis's limit)."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as err:
        raise AssertionError(f"the example took more than {seconds} s") from err


async def leave_nothing_running(client: Client, lead_id: str) -> None:
    """End the sale if it still runs (a check failed early), and a won sale's support: on the
    time-skipping server it inherited skipping, and would check in for ever."""
    for workflow_id in (api.workflow_id(lead_id), support_api.workflow_id(lead_id)):
        with contextlib.suppress(RPCError):
            await client.get_workflow_handle(workflow_id).terminate("the example is over")
