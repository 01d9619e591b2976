"""The SMTP server down when a sale's email is due: the email activity retries (its reason on
the pending activity), the sale waits instead of failing, and once the server is back on the
same port the email arrives exactly once and the sale goes on. Real parts: the dev server and
an aiosmtpd server of the test's own, stopped and started again."""

import time

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from sales.stages import SalesStage
from settings import Settings
from tests.faults.stack import eventually, message_ids, pending_email
from tests.smtp_inbox import SmtpServer
from tests.stall_report import watch
from tests.workflows.helpers import NEEDS, new_lead, sent, start, state_of, wait_for
from worker import build_worker

RETRIED = 3  # the attempt the email is on once two attempts were refused


@pytest.mark.timeout(60)
async def test_an_email_due_while_smtp_is_down_is_sent_once_when_it_is_back(
    env: WorkflowEnvironment, settings: Settings, request: pytest.FixtureRequest
) -> None:
    smtp = SmtpServer()
    smtp.start()
    own = settings.model_copy(update={"smtp_port": smtp.port})
    smtp_up = True
    try:
        async with (
            build_worker(env.client, own),
            watch(request.node, env.client, own.task_queue),
        ):
            handle = await start(env.client, own, new_lead())
            await wait_for(handle, lambda s: "intro" in sent(s), "intro email")

            smtp.stop()  # nothing listens on the port: every connection is refused
            smtp_up = False
            await handle.signal("interest_expressed", {"notes": "met at the booth"})
            await handle.signal("needs_identified", NEEDS)
            down_at = time.monotonic()

            async def retrying() -> PendingActivityInfo | None:
                pending = await pending_email(handle)
                return pending if pending is not None and pending.attempt >= RETRIED else None

            # needs_identified makes the offer due, the orientation with it in one activity
            # (process version 7), in PROPOSAL.
            pending = await eventually(retrying, "the offer's email retried", timeout=30)
            assert pending is not None
            assert pending.last_failure.message.startswith(
                f"SMTP server 127.0.0.1:{smtp.port} unavailable"
            ), pending.last_failure.message
            assert pending.last_failure.application_failure_info.type == "SmtpUnavailable"
            # The sale waits in its stage, the email not recorded as sent.
            description = await handle.describe()
            assert description.status == WorkflowExecutionStatus.RUNNING
            state = await state_of(handle)
            assert (state.stage, sent(state)) == (SalesStage.PROPOSAL, ["intro"])

            smtp.restart()  # the same port, the messages received so far kept
            smtp_up = True
            up_at = time.monotonic()
            state = await wait_for(
                handle, lambda s: "orientation" in sent(s), "orientation sent", timeout=30
            )
            print(
                f"SMTP down {up_at - down_at:.1f} s, the orientation email recorded "
                f"{time.monotonic() - up_at:.1f} s after it came back"
            )
            orientation = state.emails[1]
            assert orientation.step == "orientation"
            assert state.emails[2].step == "proposal_v1"  # the same activity sent it next
            await smtp.inbox.wait_for(
                lambda _: orientation.message_id in message_ids(smtp.inbox.of_sale(handle.id))
            )
            assert message_ids(smtp.inbox.of_sale(handle.id)).count(orientation.message_id) == 1

            # The sale goes on: the accepted proposal brings the contract.
            await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
            state = await wait_for(handle, lambda s: "contract_v1" in sent(s), "contract sent")
            assert state.stage == SalesStage.CONTRACT

            # Every email the sale recorded arrived once, under its Message-ID.
            await smtp.inbox.wait_for(
                lambda _: len(smtp.inbox.of_sale(handle.id)) == len(sent(state))
            )
            assert message_ids(smtp.inbox.of_sale(handle.id)) == [
                e.message_id for e in state.emails
            ]
            history = await handle.fetch_history()
            failed = [
                e
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
            ]
            assert failed == []
    finally:
        if smtp_up:
            smtp.stop()
