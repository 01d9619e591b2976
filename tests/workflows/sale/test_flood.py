"""One sender cannot break a sale: floods of big, bad or repeated events on a real dev server."""

import json
from collections.abc import Callable

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.limits import EVENT_BYTES, EVENTS_PER_STAGE, EXCERPT, REJECTED_KEPT
from sales.stages import SalesStage
from sales.state import SaleState
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import new_lead, start, wait_for, wait_stage

BIG = 1_900_000  # just under the server's 2 MB limit on one payload


def refusals(count: int) -> Callable[[SaleState], bool]:
    return lambda state: len(state.rejected_events) == count


async def test_big_payloads_are_refused_unread_and_the_history_stays_bounded(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")

    # 31 payloads of 1.9 MB, 59 MB in all: past the server's 50 MB limit on one run's
    # history. Each is sent once the sale has answered the last, as a retrying sender does.
    floods = [("needs_identified", "summary")] * 3 + [("contact_responded", "message")] * 28
    for number, (signal, field) in enumerate(floods, start=1):
        await handle.signal(signal, {field: "x" * BIG, "event_id": f"flood-{number}"})
        state = await wait_for(handle, refusals(number), f"refusal {number}")

    assert state.stage == SalesStage.CONTACT
    refused = state.rejected_events[-1]
    assert refused.reason.startswith("payload too large: 1,900,0")
    assert f"the limit is {EVENT_BYTES:,}" in refused.reason
    assert refused.size > BIG and len(refused.digest) == 16
    assert refused.excerpt.startswith('{"message":') and len(refused.excerpt) <= EXCERPT
    assert state.runs > 1  # it continued as new rather than be terminated
    assert len(json.dumps(state.model_dump(mode="json"))) < 200_000

    # The sale goes on as if nothing had happened.
    await handle.signal("interest_expressed", {"notes": "after all that"})
    await wait_stage(handle, SalesStage.NEEDS_ANALYSIS)
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    shown = await run_starter(env, settings, "status", lead.lead_id)
    assert shown.returncode == 0, shown.stderr
    assert "payload too large" in shown.stdout


async def test_rejections_past_the_cap_are_counted_not_listed(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    for number in range(REJECTED_KEPT + 20):
        await handle.signal("needs_identified", {"summary": "", "event_id": f"bad-{number}"})
    for number in range(5):
        await handle.signal(f"no_such_signal_{number}", {})

    state = await wait_for(
        handle,
        lambda s: sum(d.count for d in s.dropped_events) == 25,
        "older rejections counted",
    )
    assert len(state.rejected_events) == REJECTED_KEPT
    assert state.rejected_events[-1].signal == "no_such_signal_4"
    counted = {d.signal: d.count for d in state.dropped_events}
    assert counted == {"needs_identified": 25}
    assert all(d.why == "rejected; no longer listed" for d in state.dropped_events)


async def test_valid_events_past_the_cap_of_a_stage_are_dropped_and_counted_but_an_opt_out_is_not(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    # Orders are kept for the closing step: a flood of them waits in CONTACT.
    for number in range(EVENTS_PER_STAGE + 30):
        await handle.signal("order_placed", {"order_number": f"PO-{number}"})
    state = await wait_for(
        handle, lambda s: sum(d.count for d in s.dropped_events) == 30, "30 dropped"
    )
    assert len(state.pending_events) == EVENTS_PER_STAGE
    dropped = state.dropped_events[0]
    assert (dropped.stage, dropped.signal) == (SalesStage.CONTACT, "order_placed")
    assert dropped.why == f"more than {EVENTS_PER_STAGE} events in one stage"

    await handle.signal("unsubscribed", {"reason": "too many emails"})
    outcome = await handle.result()
    assert outcome.lost_reason == "opted_out"
