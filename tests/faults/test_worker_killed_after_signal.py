"""A worker killed with SIGKILL between a signal and the email that signal causes, then
restarted: the email arrives once, under the Message-ID of its sale and step.

`proposal_accepted` makes the sale email the contract (`send_email`, which renders and files
the contract first and typesets its PDF, process version 6). The worker dies at one of three
moments:

- right after the signal: the worker is frozen (SIGSTOP) before the signal is sent and killed
  once the server has it, so it cannot have acted on it;
- while its contract PDF is typeset (a worker whose typesetting blocks, `render_held_worker.py`);
- mid-send: the SMTP server holds the contract's DATA, the worker dies before the 250, and the
  server then keeps the message; the retry sends it again under the same Message-ID and the
  mailbox (`make run`'s, one copy per Message-ID) keeps one.

`test_worker_killed.py` does the same for the intro, the email the sale's start causes. Real
parts: the dev server, `worker.py` as a subprocess, an aiosmtpd server with the mailbox.
"""

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from activities.email import message_id
from devstack.parts import WorkerProcess
from devstack.ports import free_port
from sales.state import EmailRecord
from settings import Settings
from tests.faults.render_held_worker import MARKER
from tests.faults.stack import (
    HeldMailbox,
    cleaned_up,
    eventually,
    pending_activities,
)
from tests.stall_report import watch
from tests.workflows.helpers import (
    default_playbook,
    drive_to_proposal,
    new_lead,
    sent,
    start,
    wait_for,
)

STEP = "contract_v1"
AFTER_SIGNAL, MID_RENDER, MID_SEND = "right-after-the-signal", "mid-render", "mid-send"
# Recovery takes 10-20 s (the dead worker's sticky queue times out, the email activity's
# heartbeat timeout is 15 s): well over twice that.
RECOVERY = 45.0


@dataclass
class Killed:
    """What the SMTP server saw before the kill and after, and what the sale recorded."""

    contract: EmailRecord
    expected_id: str
    before_kill: list[str]
    transactions: list[str]
    kept: int
    recovery: float


async def kill_after_acceptance(
    env: WorkflowEnvironment,
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    moment: str,
) -> Killed:
    """Drive a sale to its proposal, send `proposal_accepted`, kill the worker at `moment`,
    start another and wait for the contract email."""
    mail = HeldMailbox(tmp_path / "mail", hold_step=STEP if moment == MID_SEND else None)
    controller = Controller(mail, hostname="127.0.0.1", port=free_port())
    controller.start()
    own = settings.model_copy(update={"smtp_port": controller.port})
    address = env.client.service_client.config.target_host
    marker = tmp_path / "rendering-contract"
    first = WorkerProcess(
        address,
        own,
        tmp_path / "worker-1.log",
        module="tests.faults.render_held_worker" if moment == MID_RENDER else None,
        env={MARKER: str(marker)},
    )
    second = WorkerProcess(address, own, tmp_path / "worker-2.log")
    try:
        with cleaned_up(first, second):
            async with watch(request.node, env.client, own.task_queue):
                first.start()
                handle = await start(env.client, own, new_lead())
                await drive_to_proposal(handle)

                if moment == AFTER_SIGNAL:
                    first.freeze()
                await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
                if moment == MID_RENDER:

                    async def rendering() -> bool | None:
                        return marker.exists() or None

                    await eventually(rendering, "the contract render", timeout=30)
                if moment == MID_SEND:
                    arrived = await asyncio.to_thread(mail.arrived.wait, 30)
                    assert arrived, "the contract never reached the SMTP server"
                await first.kill()
                before_kill = list(mail.transactions)
                mail.release.set()  # mid-send: the server keeps what the dead worker was sending

                began = time.monotonic()
                second.start()
                try:
                    state = await wait_for(
                        handle, lambda s: STEP in sent(s), "contract sent", timeout=RECOVERY
                    )
                except AssertionError as err:
                    pending = await pending_activities(handle)
                    raise AssertionError(f"{err}; pending: {pending}") from err
                recovery = time.monotonic() - began
                print(f"{moment}: {STEP} recorded {recovery:.1f} s after the restart")
    finally:
        controller.stop()

    contract = next(email for email in state.emails if email.step == STEP)
    assert sent(state).count(STEP) == 1
    return Killed(
        contract=contract,
        expected_id=message_id(handle.id, STEP, default_playbook().mail_domain),
        before_kill=before_kill,
        transactions=list(mail.transactions),
        kept=mail.kept(contract.message_id),
        recovery=recovery,
    )


@pytest.mark.timeout(90)
async def test_killed_right_after_the_signal_the_restarted_worker_sends_the_email_once(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    killed = await kill_after_acceptance(env, settings, tmp_path, request, AFTER_SIGNAL)

    assert killed.contract.message_id == killed.expected_id
    assert killed.expected_id not in killed.before_kill  # nothing of it was sent by the dead one
    assert killed.transactions.count(killed.expected_id) == 1
    assert killed.kept == 1


@pytest.mark.timeout(90)
async def test_killed_mid_send_the_email_is_sent_again_under_its_message_id_and_kept_once(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    killed = await kill_after_acceptance(env, settings, tmp_path, request, MID_SEND)

    assert killed.contract.message_id == killed.expected_id
    # The dead worker's attempt reached the server, and the retry sent the same message ...
    assert killed.before_kill.count(killed.expected_id) == 1
    assert killed.transactions.count(killed.expected_id) == 2
    # ... which the mailbox keeps once, as the one message the lead gets.
    assert killed.kept == 1


@pytest.mark.timeout(90)
async def test_killed_mid_render_the_email_goes_out_once_as_soon_as_another_worker_runs(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # The email activity heartbeats while it typesets: the dead worker's attempt is given up in
    # seconds (not the two-minute start-to-close timeout; the test's limit is 90 s).
    killed = await kill_after_acceptance(env, settings, tmp_path, request, MID_RENDER)

    assert killed.contract.message_id == killed.expected_id
    assert killed.transactions.count(killed.expected_id) == 1
    assert killed.kept == 1
