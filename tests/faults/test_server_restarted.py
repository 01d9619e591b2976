"""The Temporal server stopped and started again on the same SQLite file, as `make run` twice:
every sale is still there as it was, a follow-up timer set before the stop still fires (once),
and signals sent after the restart are applied. Real parts: a dev server of the test's own,
`worker.py` as a subprocess, and the aiosmtpd server."""

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from devstack.parts import DevServer, WorkerProcess
from sales.policies import ContactCadence
from sales.stages import SalesStage
from sales.state import SaleOutcome, SaleState
from settings import Settings
from tests.faults.stack import cleaned_up, eventually, message_ids
from tests.smtp_inbox import SmtpServer
from tests.stall_report import watch
from tests.workflows.helpers import (
    default_playbook,
    drive_to_contract,
    drive_to_proposal,
    new_lead,
    sent,
    start,
    state_of,
    wait_for,
)
from workflows import search_attributes as sa

FOLLOW_UP = timedelta(seconds=15)  # long enough to be still waiting when the server stops


async def stage_in_visibility(client: Client, workflow_id: str) -> str | None:
    """The `SalesStage` search attribute as the server's visibility store has it."""
    description = await client.get_workflow_handle(workflow_id).describe()
    return description.typed_search_attributes.get(sa.SALES_STAGE)


@pytest.mark.timeout(120)
async def test_sales_go_on_after_the_server_is_killed_on_the_same_database(
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    """Killed: no clean shutdown, and the server stays down until the follow-up is overdue, so
    the timer comes due while nothing runs it; it fires once when the server is back. (A clean
    stop is the easier case of the same: `make run` stopping with Ctrl-C; it was a second case
    here until the suite had to fit in five minutes.)"""
    server = DevServer(tmp_path / "temporal")
    worker = WorkerProcess(server.address, settings, tmp_path / "worker.log")
    with cleaned_up(worker, server):
        await server.start()
        client = await Client.connect(server.address, data_converter=pydantic_data_converter)
        async with watch(request.node, client, settings.task_queue):
            worker.start()

            # Further along: a contract out for signature (intro, proposal and contract sent).
            further = await start(client, settings, new_lead())
            await drive_to_contract(further)
            # Kept events: a proposal out, and an order that came early, kept for closing.
            kept = await start(client, settings, new_lead())
            await drive_to_proposal(kept)
            await kept.signal("order_placed", {"order_number": "PO-7", "event_id": "order-7"})
            await wait_for(kept, lambda s: s.pending_events == ["order_placed"], "order kept")
            # Waiting on a timer: the intro sent, the first follow-up due in FOLLOW_UP.
            cadence = ContactCadence(follow_ups=[FOLLOW_UP, timedelta(days=7)])
            waiting = await start(client, settings, new_lead(), default_playbook(contact=cadence))
            await wait_for(waiting, lambda s: sent(s) == ["intro"], "intro email")

            sales: list[WorkflowHandle[Any, SaleOutcome]] = [further, kept, waiting]
            before = {sale.id: await state_of(sale) for sale in sales}
            assert before[waiting.id].stage == SalesStage.CONTACT
            assert before[further.id].stage == SalesStage.CONTRACT
            assert {"intro", "proposal_v1", "contract_v1"} <= set(sent(before[further.id]))
            assert before[kept.id].stage == SalesStage.PROPOSAL

            stopped_at = datetime.now(UTC)
            status = await server.stop(crash=True)
            assert status == -signal.SIGKILL, server.log()
            # A known deadline, not a hope: the timer's due time plus a margin.
            due = before[waiting.id].emails[0].sent_at + FOLLOW_UP + timedelta(seconds=1)
            await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0))
            took = await server.start()
            back_at = datetime.now(UTC)
            down = (back_at - stopped_at).total_seconds()
            print(f"server down {down:.1f} s (start-up {took:.1f} s)")

            # Every sale is there, as it was: stage, kept events, emails, timeline. (The waiting
            # sale's follow-up may go out at once when it came due while the server was down.)
            for sale in sales:
                after = await eventually(partial(state_of, sale), f"{sale.id} answering again")
                if sale is waiting:
                    was = before[sale.id]
                    assert (after.stage, after.timeline) == (was.stage, was.timeline)
                    assert after.emails[: len(was.emails)] == was.emails
                else:
                    assert after.model_dump() == before[sale.id].model_dump()
                description = await sale.describe()
                assert description.status == WorkflowExecutionStatus.RUNNING
                assert await stage_in_visibility(client, sale.id) == after.stage.value
            assert (await state_of(kept)).pending_events == ["order_placed"]

            # The timer set before the stop fires, and the follow-up is sent once.
            followed_up = ["intro", "follow_up_1"]
            state = await wait_for(
                waiting, lambda s: sent(s) == followed_up, "first follow-up", timeout=60
            )
            intro, follow_up = state.emails
            assert follow_up.sent_at - intro.sent_at >= FOLLOW_UP
            assert follow_up.sent_at >= back_at  # the timer fired after the restart
            await smtp.inbox.wait_for(lambda _: len(smtp.inbox.of_sale(waiting.id)) == 2)

            # Signals after the restart are applied; the kept order closes the sale.
            await kept.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
            await wait_for(kept, lambda s: "contract_v1" in sent(s), "contract sent")
            await kept.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
            await further.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
            await further.signal("order_placed", {"order_number": "PO-8"})
            for sale in (kept, further):
                outcome = await asyncio.wait_for(sale.result(), 30)
                assert outcome.stage == SalesStage.WON
            kept_state: SaleState = await state_of(kept)
            assert kept_state.order is not None and kept_state.order.order_number == "PO-7"
            assert kept_state.pending_events == []

            # Each email a sale recorded arrived once, under its Message-ID: none sent again.
            for sale in sales:
                recorded = [email.message_id for email in (await state_of(sale)).emails]
                assert message_ids(smtp.inbox.of_sale(sale.id)) == recorded
            assert sent(await state_of(waiting)) == ["intro", "follow_up_1"]
            assert worker.running  # the same worker process rode through the outage
