"""Many `worker.py` processes on one task queue.

Three workers, one killed with SIGKILL while a batch of quick sales is sending its quotes:
every sale still ends once, as scripted, and every email is delivered once under one Message-ID
per step; only the sends the dead worker had in flight were attempted a second time, by
another worker, under the same Message-ID (a receiving mailbox keeps one, `devstack.mailbox`).
And one worker stopped with SIGTERM (scaling down): its sends in flight finish before it exits.

Real parts: the test dev server, an aiosmtpd server of the test's own that holds each message's
DATA until the kill or the stop (so the worker surely goes mid-send), worker processes.
"""

import asyncio
import signal
import threading
import time
from collections import Counter
from email import message_from_bytes
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from client.queries import support_state
from devstack.parts import WorkerProcess
from sales.items import ItemOfInterest
from sales.stages import LostReason, SalesStage
from sales.state import SaleOutcome
from settings import Settings
from tests.faults.stack import cleaned_up, eventually, message_ids, pending_email
from tests.smtp_inbox import Inbox, SmtpServer
from tests.workflows.helpers import new_lead, playbook_named, sent, start, state_of, wait_for
from workflows.support import api as support_api

SALES = 12
WORKERS = 3
REJECTED_EVERY = 3  # every third customer turns the quote down: the sale ends LOST
STARTED = "worker polling task queue"  # worker.py's start-up line
ACCOUNT_STEPS = ("welcome", "handoff_note")  # what a won quick sale's account sends at once
WON = SalesStage.WON


class HeldInbox(Inbox):
    """Keeps every message delivered (repeats included) and the Message-ID of every DATA begun,
    holding each DATA until `release()`: every quote is in flight when a worker is killed. A
    transaction whose sender died while held is dropped by aiosmtpd, or kept if the release
    comes first: as a real server may keep a message whose sender died before its answer."""

    def __init__(self) -> None:
        super().__init__()
        self.transactions: list[str] = []
        self.released = threading.Event()

    def release(self) -> None:
        self.released.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.transactions.append(message_ids([message_from_bytes(envelope.content)])[0])
        await asyncio.to_thread(self.released.wait, 60)
        return await super().handle_DATA(server, session, envelope)


async def is_polling(worker: WorkerProcess) -> bool | None:
    """Whether `worker.py` has logged its start-up line, with its configuration."""
    return True if STARTED in whole_log(worker) else None


def whole_log(worker: WorkerProcess) -> str:
    """Everything the worker logged (`log()` shows the last lines only)."""
    return worker.log_path.read_text(errors="replace") if worker.log_path.exists() else ""


async def sender_of(handle: WorkflowHandle[Any, Any]) -> str | None:
    """The identity (`pid@host`) of the worker running the sale's pending send, if any."""
    pending = await pending_email(handle)
    return pending.last_worker_identity if pending is not None else None


async def drive(handle: WorkflowHandle[Any, SaleOutcome], number: int) -> SaleOutcome:
    """The customer's answers, sent at once: the sale keeps each until it gets to its step."""
    if number % REJECTED_EVERY == 0:
        await handle.signal("proposal_rejected", {"reason": "found it cheaper"})
    else:
        await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
        await handle.signal("order_placed", {"order_number": f"WEB-{number}"})
    return await handle.result()


async def completions(handle: WorkflowHandle[Any, Any]) -> int:
    """How many times the sale's history says it completed."""
    closed = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    return len([e async for e in handle.fetch_history_events() if e.event_type == closed])


@pytest.mark.timeout(120)
async def test_sales_spread_over_three_workers_end_once_when_one_is_killed_mid_send(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    began = time.monotonic()
    inbox = HeldInbox()
    smtp = SmtpServer(inbox)
    smtp.start()
    own = settings.model_copy(update={"smtp_port": smtp.port})
    address = env.client.service_client.config.target_host
    workers = [
        WorkerProcess(address, own, tmp_path / f"worker-{n}.log", stop_timeout=10)
        for n in range(WORKERS)
    ]
    quick = playbook_named("quick")
    try:
        with cleaned_up(*workers):
            for worker in workers:
                worker.start()
            for worker in workers:
                await eventually(partial(is_polling, worker), "a worker polling", timeout=60)
            up = time.monotonic()

            leads = [
                new_lead(items=[ItemOfInterest(sku="NW-SENSOR-100", quantity=n + 1)])
                for n in range(SALES)
            ]
            handles = await asyncio.gather(*(start(env.client, own, lead, quick) for lead in leads))

            async def all_in_flight() -> bool | None:
                return True if len(inbox.transactions) >= SALES else None

            # Every sale qualified, rendered its quote and is sending it: DATA held at SMTP.
            await eventually(all_in_flight, "every quote at the SMTP server", timeout=60)
            in_flight = time.monotonic()
            senders = await asyncio.gather(*(sender_of(handle) for handle in handles))
            by_worker = Counter(s for s in senders if s is not None)
            pid_of = {f"{w.child.process.pid}@": w for w in workers if w.child is not None}
            identity, sending = by_worker.most_common(1)[0]
            (victim,) = [w for prefix, w in pid_of.items() if identity.startswith(prefix)]
            cut_off = {h.id for h, s in zip(handles, senders, strict=True) if s == identity}
            assert len(by_worker) > 1, f"the sends were not spread over the workers: {by_worker}"

            await victim.kill()  # mid-send: its messages are held in DATA
            killed = time.monotonic()
            # The others' sends go on; the dead one's are dropped (or kept, if the release
            # comes before aiosmtpd hears of the lost connection) and retried elsewhere.
            inbox.release()

            outcomes = await asyncio.wait_for(
                asyncio.gather(*(drive(h, n) for n, h in enumerate(handles, start=1))),
                timeout=60,
            )
            ended = time.monotonic()
            survivors = [w for w in workers if w is not victim]
            assert all(w.running for w in survivors), "a surviving worker stopped"

            # Every sale ended once, as its customer decided.
            for number, (handle, outcome) in enumerate(zip(handles, outcomes, strict=True), 1):
                rejected = number % REJECTED_EVERY == 0
                expected = SalesStage.LOST if rejected else WON
                assert outcome.stage == expected, (handle.id, outcome)
                if rejected:
                    assert outcome.lost_reason == LostReason.PROPOSAL_REJECTED
            assert await asyncio.gather(*(completions(h) for h in handles)) == [1] * SALES
            states = await asyncio.gather(*(state_of(h) for h in handles))
            for state in states:
                final = [
                    c.stage for c in state.timeline if c.stage in (SalesStage.WON, SalesStage.LOST)
                ]
                assert len(final) == 1, (state.workflow_id, state.timeline)

            # Each won sale's account welcomed its customer and handed it over to support.
            won = [lead for lead, o in zip(leads, outcomes, strict=True) if o.stage == WON]
            accounts = [
                env.client.get_workflow_handle(support_api.workflow_id(lead.lead_id))
                for lead in won
            ]

            async def welcomed() -> bool | None:
                steps = Counter(
                    str(m["X-Salesflow-Step"]) for a in accounts for m in inbox.of_sale(a.id)
                )
                every = all(steps[step] >= len(accounts) for step in ACCOUNT_STEPS)
                return True if every else None

            await eventually(welcomed, "every account's first emails at SMTP", timeout=30)
            accounts_states = await asyncio.gather(*(support_state(a) for a in accounts))
    finally:
        smtp.stop()

    # Every email a sale or account recorded arrived, none arrived that none recorded, one
    # Message-ID per step. The dead worker's sends were cut off mid-DATA and sent again by
    # another worker under the same Message-ID; every other email was sent once.
    recorded = {state.workflow_id: state.emails for state in states}
    recorded |= {a.id: s.emails for a, s in zip(accounts, accounts_states, strict=True)}
    transactions = Counter(inbox.transactions)
    kept_twice = 0
    for workflow_id, emails in recorded.items():
        steps = [email.step for email in emails]
        assert len(set(steps)) == len(steps), (workflow_id, steps)
        delivered = Counter(message_ids(inbox.of_sale(workflow_id)))
        assert set(delivered) == {email.message_id for email in emails}, (workflow_id, delivered)
        for email in emails:
            cut = workflow_id in cut_off and email.step == "proposal_v1"
            counts = (transactions[email.message_id], delivered[email.message_id])
            assert counts in ({(2, 1), (2, 2)} if cut else {(1, 1)}), (workflow_id, email, counts)
            kept_twice += counts == (2, 2)
    assert {s.workflow_id for s in states if s.emails} == {h.id for h in handles}
    assert Counter(steps_of(recorded)) == Counter(
        {"proposal_v1": SALES} | {step: len(accounts) for step in ACCOUNT_STEPS}
    )
    took = time.monotonic() - began
    print(
        f"{SALES} sales on {WORKERS} workers: up {up - began:.1f} s, every quote in flight "
        f"{in_flight - up:.1f} s later; the one killed was sending "
        f"{sending} quotes ({kept_twice} of them kept by SMTP as well as their retry), all ended "
        f"{ended - killed:.1f} s after the kill; {took:.1f} s in all"
    )


def steps_of(recorded: dict[str, list[Any]]) -> list[str]:
    return [email.step for emails in recorded.values() for email in emails]


@pytest.mark.timeout(90)
async def test_a_worker_stopped_with_sigterm_finishes_its_sends_before_it_exits(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    """Scaling down: SIGTERM stops the polling, the sends in flight finish (no retry, no
    duplicate), then the worker exits; another worker carries the sales on."""
    inbox = HeldInbox()
    smtp = SmtpServer(inbox)
    smtp.start()
    own = settings.model_copy(update={"smtp_port": smtp.port})
    address = env.client.service_client.config.target_host
    leaving = WorkerProcess(address, own, tmp_path / "leaving.log", stop_timeout=40)
    staying = WorkerProcess(address, own, tmp_path / "staying.log")
    quick = playbook_named("quick")
    try:
        with cleaned_up(leaving, staying):
            leaving.start()
            await eventually(partial(is_polling, leaving), "the worker polling", timeout=60)
            leads = [new_lead(items=[ItemOfInterest(sku="NW-MANUAL", quantity=1)]) for _ in "abc"]
            handles = await asyncio.gather(*(start(env.client, own, lead, quick) for lead in leads))

            async def all_in_flight() -> bool | None:
                return True if len(inbox.transactions) >= len(handles) else None

            await eventually(all_in_flight, "every quote at the SMTP server", timeout=60)
            assert leaving.child is not None
            leaving.child.process.send_signal(signal.SIGTERM)
            staying.start()  # to carry the sales on: nothing of theirs is left to take over

            async def stopping() -> bool | None:
                return True if "worker stopping" in whole_log(leaving) else None

            await eventually(stopping, "the worker stopping", timeout=10)
            await asyncio.sleep(1)
            assert leaving.running, "the worker left with its sends in flight"
            inbox.release()
            status = await asyncio.to_thread(leaving.child.process.wait, 20)
            assert status == 0, leaving.log()
            states = await asyncio.gather(
                *(wait_for(h, lambda s: sent(s) == ["proposal_v1"], "quote", 60) for h in handles)
            )
    finally:
        smtp.stop()

    # Each quote went out once, from the worker that was stopping: no attempt was cut off.
    quotes = [state.emails[0].message_id for state in states]
    assert sorted(inbox.transactions) == sorted(quotes)
    assert sorted(message_ids(inbox.messages)) == sorted(quotes)
    log = whole_log(leaving)
    assert all(f"sent proposal_v1 ({quote})" in log for quote in quotes), log
