"""Where the sales stood when a test ran out of time.

pytest-timeout ends a stalled test (`timeout` in pyproject.toml) with the stacks of its
threads, which show an event loop waiting and nothing about a sale waiting for a signal that
never came. So each worker fixture keeps a watch: a few seconds before the test's timeout it
reads every workflow on the test's own task queue (its status, the activity it is retrying and
why, and from the `state` query its stage, next action and when it is due, the emails sent,
events kept and rejected), while the worker still answers queries. When the test then fails,
`tests/conftest.py` adds that reading to its report under "where the workflows stood".
"""

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionStatus

STARTED = pytest.StashKey[float]()
READING = pytest.StashKey[str]()
SECTION = "where the workflows stood before the timeout"
ASK = timedelta(seconds=2)  # one describe or query; a workflow nobody answers is named so


def timeout_of(item: pytest.Item) -> float | None:
    """The item's pytest-timeout, in seconds: its marker, --timeout, PYTEST_TIMEOUT or the ini."""
    marker = item.get_closest_marker("timeout")
    given: Any = None
    if marker is not None:
        given = marker.args[0] if marker.args else marker.kwargs.get("timeout")
    if given is None:
        given = item.config.getoption("timeout", None)
    if given is None:
        given = os.environ.get("PYTEST_TIMEOUT") or item.config.getini("timeout") or None
    return float(given) if given else None


@contextlib.asynccontextmanager
async def watch(item: pytest.Item, client: Client, task_queue: str) -> AsyncIterator[None]:
    """Read the workflows on `task_queue` shortly before `item` times out, for its report."""
    timeout = timeout_of(item)
    if timeout is None:
        yield
        return
    margin = min(5.0, timeout / 4)
    started = item.stash.get(STARTED, time.monotonic())

    async def read_before_the_timeout() -> None:
        await asyncio.sleep(max(started + timeout - margin - time.monotonic(), 0))
        try:
            reading = await asyncio.wait_for(where_they_stood(client, task_queue), margin - 1)
        except Exception as err:  # the report must not hide the timeout itself
            reading = f"could not read the workflows on {task_queue}: {err!r}"
        item.stash[READING] = reading

    watcher = asyncio.create_task(read_before_the_timeout())
    try:
        yield
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


async def where_they_stood(client: Client, task_queue: str) -> str:
    """One paragraph per workflow started on the task queue, newest first."""
    found = [w async for w in client.list_workflows(f'TaskQueue = "{task_queue}"', limit=10)]
    if not found:
        return f"no workflow was started on the task queue {task_queue}"
    return "\n\n".join([await _one(client, w.id, w.run_id) for w in found])


async def _one(client: Client, workflow_id: str, run_id: str | None) -> str:
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    description = await handle.describe(rpc_timeout=ASK)
    status = description.status.name if description.status else "?"
    lines = [f"{workflow_id} ({description.workflow_type}): {status}"]
    for pending in description.raw_description.pending_activities:
        failure = pending.last_failure.message if pending.HasField("last_failure") else ""
        lines.append(
            f"  activity {pending.activity_type.name}: attempt {pending.attempt}"
            + (f", last failure: {failure}" if failure else "")
        )
    if description.status is not WorkflowExecutionStatus.RUNNING:
        return "\n".join(lines)
    try:
        state: dict[str, Any] = await handle.query("state", rpc_timeout=ASK)
    except Exception as err:
        lines.append(f"  state query not answered: {err}")
        return "\n".join(lines)
    lines += [f"  {line}" for line in _summary(state)]
    return "\n".join(lines)


def _summary(state: dict[str, Any]) -> list[str]:
    """The fields of a sale's or an account's state that say what it waits for."""
    lines: list[str] = []
    if "stage" in state:
        lines.append(f"stage {state['stage']}")
    action = state.get("next_action")
    if action:
        due = action.get("due_at")
        lines.append(f"next action: {action['description']}" + (f", due {due}" if due else ""))
    lines.append(f"emails sent: {[email['step'] for email in state.get('emails', [])]}")
    for key in ("pending_events", "gates", "check_ins_sent", "lost_reason", "closed_reason"):
        value = state.get(key)
        if value:
            if key == "gates":
                value = [f"{gate['gate']} {gate['status']}: {gate['notes']}" for gate in value]
            lines.append(f"{key.replace('_', ' ')}: {value}")
    rejected = [f"{r['signal']}: {r['reason']}" for r in state.get("rejected_events", [])]
    if rejected:
        lines.append(f"rejected events: {rejected}")
    return lines
