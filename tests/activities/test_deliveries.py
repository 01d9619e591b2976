"""Overlapping attempts of one send deliver one message (an attempt given up on may still send)."""

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.deliveries import Deliveries
from activities.email import EmailActivities, message_id
from sales.requests import EmailRequest
from settings import Settings
from tests.smtp_inbox import Inbox, SmtpServer


class SlowInbox(Inbox):
    """Holds every message at DATA until `release` is set: an SMTP server slow to answer."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(  # noqa: N802  (the name aiosmtpd calls)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.holding.set()
        await asyncio.to_thread(self.release.wait, 20)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow() -> Iterator[SmtpServer]:
    server = SmtpServer(SlowInbox())
    server.start()
    yield server
    server.stop()


async def until(condition: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


@pytest.mark.timeout(30)
async def test_a_retry_overlapping_an_attempt_still_sending_waits_and_sends_nothing(
    slow: SmtpServer, tmp_path: Path, intro: EmailRequest
) -> None:
    inbox = slow.inbox
    assert isinstance(inbox, SlowInbox)
    acts = EmailActivities(Settings(smtp_port=slow.port, documents_dir=tmp_path))
    request = intro
    mid = message_id(request.workflow_id, request.step, request.book.mail_domain)
    # The first attempt is inside the SMTP transaction when the server gives up on it ...
    first = asyncio.create_task(ActivityEnvironment().run(acts.send_email, request))
    await until(inbox.holding.is_set, "the first attempt to reach DATA")
    # ... and the retry starts on the same worker, with no "delivered" heartbeat to go by.
    retry_env = ActivityEnvironment()
    retry_env.info = dataclasses.replace(retry_env.info, attempt=2)
    retry = asyncio.create_task(retry_env.run(acts.send_email, request))
    await until(lambda: acts._deliveries.attempts(mid) == 2, "the retry to wait its turn")
    inbox.release.set()

    receipts = await asyncio.gather(first, retry)

    assert [r.message_id for r in receipts] == [mid, mid]
    assert inbox.steps(request.to) == ["intro"]


async def test_a_worker_forgets_the_oldest_message_ids_past_its_bound() -> None:
    sent: list[str] = []
    deliveries = Deliveries(remembered=2)

    async def send(mid: str) -> bool:
        async def deliver() -> None:
            sent.append(mid)

        return await deliveries.once(mid, deliver)

    assert [await send(m) for m in ("<a@x>", "<b@x>", "<b@x>", "<c@x>", "<a@x>")] == [
        True,
        True,
        False,
        True,
        True,
    ]
    assert sent == ["<a@x>", "<b@x>", "<c@x>", "<a@x>"]
