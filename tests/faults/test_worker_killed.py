"""A worker killed with SIGKILL in the middle of sending an email: once restarted, the email
arrives once, with the same Message-ID, on a real dev server and the local SMTP server."""

import asyncio
import os
import signal
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from devstack.mailbox import LocalMailbox, maildir_count
from devstack.parts import worker_environment
from devstack.ports import free_port
from settings import ROOT, Settings
from tests.workflows.helpers import new_lead, start, wait_for


class HeldMailbox(LocalMailbox):
    """Holds the first message's DATA until told to go on: the moment the worker dies."""

    def __init__(self, mail_dir: Path) -> None:
        super().__init__(mail_dir)
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.transactions: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message_id = " ".join(str(message_from_bytes(envelope.content)["Message-ID"]).split())
        self.transactions.append(message_id)
        if len(self.transactions) == 1:
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 60)
        return await super().handle_DATA(server, session, envelope)


async def spawn_worker(env: WorkflowEnvironment, settings: Settings) -> asyncio.subprocess.Process:
    address = env.client.service_client.config.target_host
    environment = {**os.environ, **worker_environment(address, settings)}
    return await asyncio.create_subprocess_exec(
        sys.executable, "worker.py", cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def test_a_worker_killed_mid_send_delivers_the_email_once_after_the_restart(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    mailbox = HeldMailbox(tmp_path / "mail")
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    own = settings.model_copy(update={"smtp_port": port})
    worker = await spawn_worker(env, own)
    restarted: asyncio.subprocess.Process | None = None
    try:
        lead = new_lead()
        handle = await start(env.client, own, lead)
        assert await asyncio.to_thread(mailbox.arrived.wait, 60), "the intro never reached SMTP"

        worker.send_signal(signal.SIGKILL)  # between the message's DATA and its 250
        await worker.wait()
        mailbox.release.set()  # the server keeps the message the dead worker was sending

        began = time.monotonic()
        restarted = await spawn_worker(env, own)
        state = await wait_for(handle, lambda s: len(s.emails) == 1, "the intro", timeout=60)
        took = time.monotonic() - began
    finally:
        for process in (worker, restarted):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()
        controller.stop()

    intro = state.emails[0]
    assert intro.step == "intro"
    # The retry sent the same message again (the SMTP server saw it twice) ...
    assert mailbox.transactions == [intro.message_id, intro.message_id]
    # ... and the mailbox keeps it once, as the one message the lead gets.
    assert maildir_count(tmp_path / "mail") == 1
    print(f"intro recorded {took:.1f} s after the worker was restarted")
