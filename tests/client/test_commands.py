"""A seller command the dev server dropped with a failed workflow task is sent again, once."""

import asyncio
import threading
import time
import uuid

import pytest
from temporalio import workflow
from temporalio.client import WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.commands import send_command
from workflows.sale.api import CommandAnswer

pytestmark = pytest.mark.real_parts
IN_HANDLER = threading.Event()  # the first try of the command is being applied


@workflow.defn(sandboxed=False)
class EndsOnItsCommand:
    """Ends in the workflow task that applies its command, as a sale marked lost does."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.tries = 0

    @workflow.run
    async def run(self) -> list[str]:
        await workflow.wait_condition(lambda: bool(self.applied))
        return self.applied

    @workflow.signal(name="email_opened")
    def email_opened(self) -> None:
        pass

    @workflow.update(name="mark_lost")
    def mark_lost(self, reason: str) -> CommandAnswer:
        self.tries += 1
        if self.tries == 1 and not workflow.unsafe.is_replaying():
            IN_HANDLER.set()
            # Hold the task while a signal comes in: the server then refuses the task's
            # completion (UnhandledCommand) and drops the command with it.
            time.sleep(1.0)
        self.applied.append(reason)
        return CommandAnswer(status="applied", detail=f"lost: {reason}")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "stage", [WorkflowUpdateStage.ACCEPTED, WorkflowUpdateStage.COMPLETED], ids=["cli", "gateway"]
)
async def test_a_command_dropped_with_a_failed_workflow_task_is_applied_once(
    env: WorkflowEnvironment, stage: WorkflowUpdateStage
) -> None:
    IN_HANDLER.clear()
    task_queue = f"commands-{uuid.uuid4()}"
    async with Worker(env.client, task_queue=task_queue, workflows=[EndsOnItsCommand]):
        handle = await env.client.start_workflow(
            EndsOnItsCommand.run, id=f"sale-{uuid.uuid4()}", task_queue=task_queue
        )
        command = asyncio.create_task(
            send_command(handle, "mark_lost", "competitor", wait_for_stage=stage)
        )
        await asyncio.to_thread(IN_HANDLER.wait, 30)
        await handle.signal("email_opened")
        update = await command
        answer = await update.result()
        assert answer == CommandAnswer(status="applied", detail="lost: competitor")
        assert await handle.result() == ["competitor"]
