"""A lean sale's activities get its playbook by version, not whole (fast tier): the history
keeps the playbook once, in the sale's start, and a worker that lacks the version costs the
sale one failed attempt, after which it sends the playbook whole and goes on as before."""

import uuid
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import load_playbook
from settings import Settings
from tests.workflows.helpers import (
    NEEDS,
    PLAYBOOKS,
    new_lead,
    playbook_named,
    sent,
    start_paused,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles


async def activity_inputs(
    env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]
) -> list[tuple[str, dict[str, Any]]]:
    """Each activity scheduled, with its input as the history holds it."""
    inputs = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled = event.activity_task_scheduled_event_attributes
            [value] = await env.client.data_converter.decode(scheduled.input.payloads)
            inputs.append((scheduled.activity_type.name, value))
    return inputs


async def failures(handle: WorkflowHandle[Any, Any]) -> list[str]:
    failed = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            failed.append(event.activity_task_failed_event_attributes.failure.message)
    return failed


async def test_activities_name_the_playbook_by_version(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings
) -> None:
    # As shipped, the intro sent as the sale begins (whatever the hour): the worker's file.
    playbook = load_playbook(PLAYBOOKS, "default").with_intro_at_once()
    handle = await start_paused(ts_env, fast_settings, new_lead(), playbook)
    await wait_for(handle, lambda s: sent(s) == ["intro"], "intro sent")
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    await wait_for(handle, lambda s: "proposal_v1" in sent(s), "the offer sent")
    inputs = await activity_inputs(ts_env, handle)
    # Process version 8: the qualification sent the intro; 11: the quote's activity the offer
    # (with the orientation, 7), which names the playbook by version too.
    assert [name for name, _ in inputs] == ["qualify_lead", "offer_quote"]
    ref = {"name": "default", "version": playbook.version}
    assert [value["playbook"] for _, value in inputs] == [ref, ref]
    assert inputs[1][1]["offer"]["playbook"] == ref
    assert await failures(handle) == []


async def test_a_worker_without_the_version_costs_one_attempt_then_gets_it_whole(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    # A playbook no worker has seen and no file holds: edited after the worker started.
    playbook = playbook_named("default")
    seller = playbook.seller.model_copy(update={"company": f"Noordwind {uuid.uuid4().hex[:6]}"})
    edited = playbook.model_copy(update={"seller": seller})
    handle = await start_paused(ts_env, fast_settings, new_lead(), edited)
    state = await wait_for(handle, lambda s: sent(s) == ["intro"], "intro sent")
    assert state.attention is None  # nobody was asked to fix anything
    [missed] = await failures(handle)
    assert f"playbook default version {edited.version} is not known to this worker" in missed
    inputs = await activity_inputs(ts_env, handle)
    # The second attempt, with the playbook whole, sent the intro (process version 8).
    assert [name for name, _ in inputs] == ["qualify_lead", "qualify_lead"]
    first, again = (value["playbook"] for _, value in inputs)
    assert first == {"name": "default", "version": edited.version}
    assert again["seller"]["company"] == seller.company
    [intro] = doubles.emails
    assert intro.step == "intro" and intro.book.seller.company == seller.company
