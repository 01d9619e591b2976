"""What fault tests share: the parts they break (`devstack.parts`: a dev server of its own on
a SQLite file, `worker.py` as a subprocess), stopped whatever happens so that a failing test
leaves nothing running; a mailbox that holds a message; polling for what a sale shows.
"""

import asyncio
import email
import email.message
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.client import WorkflowHandle

from devstack.mailbox import LocalMailbox
from devstack.parts import DevServer, WorkerProcess

T = TypeVar("T")
SERVER_READY = 60.0


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
    """The sale's pending email activity, if it has one: an email's own, or the first offer's
    that prices its quote and sends it (process version 11)."""
    description = await handle.describe()
    for pending in description.raw_description.pending_activities:
        if pending.activity_type.name in ("send_email", "offer_quote"):
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
