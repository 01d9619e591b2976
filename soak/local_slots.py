"""Why the sale's sends and renders are not local activities (README "What a sale costs").

A workflow task that waits for its local activity holds its workflow task slot until the local
activity ends, and the worker takes few other workflow tasks meanwhile: workflows that each run
one side effect of a few seconds, on one worker, run all at once as regular activities and a few
at a time as local ones. Both, one after the other, each on an embedded dev server of its own:

    .venv/bin/python -m soak.local_slots --slots 4 --sales 6 --seconds 5
"""

import argparse
import asyncio
import time
import uuid
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.services import temporal_binary

TASK_QUEUE = "local-slots"


@activity.defn
async def slow_side_effect(seconds: float) -> float:
    """A local activity that takes `seconds`, as a slow SMTP server or a long typesetting does;
    returns when it began, in the worker's monotonic clock."""
    began = time.monotonic()
    await asyncio.sleep(seconds)
    return began


@workflow.defn(sandboxed=False)
class OneSideEffect:
    """A workflow whose only step is one side effect, a local or a regular activity."""

    @workflow.run
    async def run(self, seconds: float, local: bool) -> float:
        timeout = timedelta(seconds=seconds + 60)
        if local:
            return await workflow.execute_local_activity(
                slow_side_effect,
                seconds,
                start_to_close_timeout=timeout,
                retry_policy=RetryPolicy(maximum_attempts=1),
            )
        return await workflow.execute_activity(
            slow_side_effect, seconds, start_to_close_timeout=timeout
        )


async def measure(slots: int, sales: int, seconds: float, *, local: bool) -> tuple[int, float]:
    """How many of the side effects ran at once at most, and how long all took."""
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=str(temporal_binary()))
    async with env:
        worker = Worker(
            env.client,
            task_queue=TASK_QUEUE,
            workflows=[OneSideEffect],
            activities=[slow_side_effect],
            max_concurrent_workflow_tasks=slots,
        )
        async with worker:
            began = time.monotonic()
            handles = [
                await env.client.start_workflow(
                    OneSideEffect.run,
                    args=[seconds, local],
                    id=f"slots-{uuid.uuid4()}",
                    task_queue=TASK_QUEUE,
                )
                for _ in range(sales)
            ]
            starts = sorted([await handle.result() for handle in handles])
            took = time.monotonic() - began
    # Those begun within half a run of one another ran together.
    at_once = max(len([s for s in starts if abs(s - start) < seconds / 2]) for start in starts)
    return at_once, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=4, help="workflow task slots (4)")
    parser.add_argument("--sales", type=int, default=6, help="workflows, one side effect each (6)")
    parser.add_argument("--seconds", type=float, default=5.0, help="each side effect's time (5)")
    args = parser.parse_args()
    for local in (False, True):
        at_once, took = asyncio.run(measure(args.slots, args.sales, args.seconds, local=local))
        kind = "local" if local else "regular"
        print(
            f"{args.sales} workflows, a {args.seconds:g} s {kind} activity each, "
            f"{args.slots} workflow task slots: {at_once} at once, {took:.1f} s for all"
        )


if __name__ == "__main__":
    main()
