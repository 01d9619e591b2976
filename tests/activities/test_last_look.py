"""The last look asks the dev server whether a workflow still wants its activity."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.workflow import ActivityCancellationType

from activities.email import EmailActivities
from activities.last_look import WITHDRAWN, withdrawn_by
from sales.requests import EmailRequest
from settings import Settings
from tests.smtp_inbox import SmtpServer

pytestmark = pytest.mark.real_parts
LOOKED = asyncio.Event()  # the activity has had its first look


@activity.defn
async def look_until_withdrawn() -> list[bool]:
    """Never heartbeats (so it cannot hear of a cancel): the server is asked instead."""
    withdrawn = withdrawn_by(activity.client())
    answers = [await withdrawn(activity.info())]
    LOOKED.set()
    while not answers[-1] and len(answers) < 200:  # about 10 s
        await asyncio.sleep(0.05)
        answers.append(await withdrawn(activity.info()))
    return [answers[0], answers[-1]]


@workflow.defn(sandboxed=False)
class WithdrawsItsSend:
    """Starts the activity and cancels it on the `withdraw` signal, as a sale that ends."""

    def __init__(self) -> None:
        self.withdraw_now = False

    @workflow.run
    async def run(self) -> list[bool]:
        handle = workflow.start_activity(
            look_until_withdrawn,
            start_to_close_timeout=timedelta(seconds=30),
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
        await workflow.wait_condition(lambda: self.withdraw_now)
        handle.cancel()
        return await handle

    @workflow.signal
    def withdraw(self) -> None:
        self.withdraw_now = True


@pytest.mark.timeout(60)
async def test_an_activity_learns_at_once_that_its_workflow_withdrew_it(
    env: WorkflowEnvironment,
) -> None:
    client: Client = env.client
    queue = f"last-look-{uuid.uuid4()}"
    async with Worker(
        client, task_queue=queue, workflows=[WithdrawsItsSend], activities=[look_until_withdrawn]
    ):
        handle = await client.start_workflow(
            WithdrawsItsSend.run, id=f"last-look-{uuid.uuid4()}", task_queue=queue
        )
        await asyncio.wait_for(LOOKED.wait(), timeout=20)
        await handle.signal(WithdrawsItsSend.withdraw)
        # Still wanted at its first look; withdrawn at a later one, with no heartbeat to tell it.
        assert await handle.result() == [False, True]


async def test_a_send_withdrawn_while_it_connected_is_not_sent(
    smtp: SmtpServer, settings: Settings, intro: EmailRequest
) -> None:
    looked: list[str] = []

    async def withdrawn(info: activity.Info) -> bool:
        looked.append(info.activity_id)  # the server's answer: the sale cancelled this send
        return True

    acts = EmailActivities(settings, withdrawn=withdrawn)
    request = intro.model_copy(update={"to": "withdrawn-while-connecting@acme.example"})
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.send_email, request)
    assert (caught.value.type, caught.value.non_retryable) == (WITHDRAWN, True)
    assert "sale-x no longer wants intro" in str(caught.value)
    assert looked and smtp.inbox.to(request.to) == []
