"""Real parts a fault test starts, stops and restarts itself.

A dev server of its own on a SQLite file, started with the command `make run` uses
(`devstack.services.server_command`: the same flags, search attributes and pragmas),
and `worker.py` as a subprocess, as ops run it. Each is stopped by its own process id
in a `finally`, so a failing test leaves nothing running.
"""

import asyncio
import email
import email.message
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from devstack.mailbox import LocalMailbox
from devstack.processes import Child, log_tail, start_child, stop_child
from devstack.services import server_command, temporal_binary, wait_until_ready
from settings import Settings
from tests.smtp_inbox import free_port

T = TypeVar("T")
SERVER_READY = 60.0


class DevServer:
    """`temporal server start-dev` on `<data_dir>/temporal.db`, on ports of its own.

    Stopped and started again, it serves the same database on the same port, so clients and
    workers that were connected reconnect by themselves.
    """

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(data_dir=data_dir, temporal_port=free_port(), ui_port=free_port())
        self.child: Child | None = None

    @property
    def address(self) -> str:
        return self.settings.temporal_address

    async def start(self) -> float:
        """Start the server and wait until it serves the namespace; the seconds that took."""
        assert self.child is None or self.child.process.poll() is not None, "already running"
        command = [*server_command(self.settings, temporal_binary()), "--headless"]
        self.child = start_child("Temporal dev server", command, self.settings.data_dir / "log")
        return await asyncio.to_thread(wait_until_ready, self.child, self.settings, SERVER_READY)

    async def stop(self, *, crash: bool = False) -> int:
        """Stop the server and wait until it is gone; its exit status.

        SIGTERM, as Ctrl-C in `make run` does, or with `crash` SIGKILL: no clean shutdown,
        whatever SQLite had not checkpointed is only in its write-ahead log.
        """
        assert self.child is not None
        if crash:
            self.child.process.kill()
            await asyncio.to_thread(self.child.process.wait)
        else:
            await asyncio.to_thread(stop_child, self.child)
        status = self.child.process.returncode
        assert status is not None
        return status

    def kill(self) -> None:
        """Whatever state it is in: for clean-up."""
        stop_child(self.child, timeout=5)

    def log(self) -> str:
        return log_tail(self.child.log, 0, 40) if self.child else ""

    async def client(self) -> Client:
        return await Client.connect(self.address, data_converter=pydantic_data_converter)


class WorkerProcess:
    """`python worker.py` against `address`, with `settings`' task queue, SMTP port and folders.

    `module` runs another entry point instead (`python -m module`), with `env` added.
    """

    def __init__(
        self,
        address: str,
        settings: Settings,
        log: Path,
        *,
        module: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.address = address
        self.settings = settings
        self.log_path = log
        self.command = [sys.executable, *(["-m", module] if module else ["worker.py"])]
        self.extra_env = env or {}
        self.child: Child | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": self.address,
            "SALESFLOW_TASK_QUEUE": self.settings.task_queue,
            "SALESFLOW_SMTP_HOST": self.settings.smtp_host,
            "SALESFLOW_SMTP_PORT": str(self.settings.smtp_port),
            "SALESFLOW_DOCUMENTS_DIR": str(self.settings.documents_dir),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }
        self.child = start_child("worker", self.command, self.log_path, env)

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.process.poll() is None

    async def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine does; waits until it is gone."""
        assert self.child is not None
        self.child.process.kill()
        await asyncio.to_thread(self.child.process.wait)

    def freeze(self) -> None:
        """SIGSTOP: the worker does nothing more, not even answer, until killed."""
        assert self.child is not None
        self.child.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        stop_child(self.child, timeout=5)

    def log(self) -> str:
        return log_tail(self.log_path, 0, 40)


@contextmanager
def cleaned_up(*parts: DevServer | WorkerProcess) -> Iterator[None]:
    """Stop every part, workers first, whatever the test did; on failure show their logs."""
    try:
        yield
    except BaseException:
        for part in parts:
            print(f"--- last lines of the {type(part).__name__} log ---\n{part.log()}")
        raise
    finally:
        for part in sorted(parts, key=lambda p: isinstance(p, DevServer)):
            part.kill() if isinstance(part, DevServer) else part.stop()


async def eventually(
    check: Callable[[], Awaitable[T | None]], what: str, timeout: float = 30.0
) -> T:
    """Poll `check` until it returns something; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            found = await check()
        except Exception as err:  # e.g. the server still starting: keep asking until the deadline
            found, last = None, err
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s (last: {last!r})")
        await asyncio.sleep(0.1)


async def pending_email(handle: WorkflowHandle[Any, Any]) -> PendingActivityInfo | None:
    """The sale's pending email activity, if it has one."""
    description = await handle.describe()
    for pending in description.raw_description.pending_activities:
        if pending.activity_type.name == "send_email":
            return pending
    return None


async def pending_activities(handle: WorkflowHandle[Any, Any]) -> str:
    """The workflow's pending activities, for a failure message: type, state, attempt, why."""
    description = await handle.describe()
    return (
        "; ".join(
            f"{p.activity_type.name} {PendingActivityState.Name(p.state)} attempt {p.attempt}"
            f" started {p.last_started_time.ToDatetime():%H:%M:%S} by {p.last_worker_identity}"
            + (f", last failure: {p.last_failure.message}" if p.HasField("last_failure") else "")
            for p in description.raw_description.pending_activities
        )
        or "none"
    )


def message_ids(messages: list[email.message.Message]) -> list[str]:
    """The Message-ID of each message, whitespace folded, in arrival order."""
    return [" ".join(str(m["Message-ID"]).split()) for m in messages]


class HeldMailbox(LocalMailbox):
    """`make run`'s mailbox (one copy kept per Message-ID) that holds the DATA of the first
    message of `hold_step` until `release` is set: the moment to kill a worker mid-send.

    Counts SMTP transactions by Message-ID, so that a test tells a message sent twice from
    a message kept twice.
    """

    def __init__(self, mail_dir: Path, hold_step: str | None = None) -> None:
        super().__init__(mail_dir)
        self.hold_step = hold_step
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.transactions: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content)
        self.transactions.append(message_ids([message])[0])
        if str(message["X-Salesflow-Step"]) == self.hold_step and not self.arrived.is_set():
            self.arrived.set()
            await asyncio.to_thread(self.release.wait, 60)
        answer: str = await super().handle_DATA(server, session, envelope)
        return answer

    def kept(self, message_id: str) -> int:
        """How many copies of the message the maildir holds."""
        return message_ids(list(self.mailbox)).count(message_id)
