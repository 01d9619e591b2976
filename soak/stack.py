"""The SMTP server of a soak run, and the CPU its parts used (the dev server and the worker,
which it kills and starts again, are `devstack.parts`, as the fault tests use them).

The SMTP server is aiosmtpd in this process, recording every transaction (the Message-ID,
when its MAIL command came, when its DATA ended), so that a repeat is seen even where a
receiving mailbox would keep one copy.
"""

import asyncio
import os
import threading
import time
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from devstack.ports import HOST, free_port
from devstack.processes import Child

# Local parts the SMTP server refuses for good at RCPT, as a real server does an unknown box.
REFUSED_PREFIX = "refused-"


@dataclass(frozen=True)
class Arrival:
    """One SMTP transaction that ended with the message handed over (DATA done)."""

    message_id: str
    workflow_id: str
    step: str
    began: float  # time.time() of its MAIL command
    at: float  # time.time() when its DATA ended


class Inbox:
    """An aiosmtpd handler that records every transaction and wakes whoever waits for a step."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self.arrivals: list[Arrival] = []
        self.refused = 0
        self._seen: set[tuple[str, str]] = set()
        self._waiters: dict[tuple[str, str], list[asyncio.Future[None]]] = {}

    async def handle_RCPT(  # noqa: N802  (the name aiosmtpd calls)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith(REFUSED_PREFIX):
            with self._lock:
                self.refused += 1
            return "550 5.1.1 mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        envelope.soak_began = time.time()
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        headers = BytesHeaderParser().parsebytes(data)
        arrival = Arrival(
            message_id=" ".join(str(headers["Message-ID"] or "").split()),
            workflow_id=str(headers["X-Salesflow-Sale"] or ""),
            step=str(headers["X-Salesflow-Step"] or ""),
            began=float(getattr(envelope, "soak_began", time.time())),
            at=time.time(),
        )
        with self._lock:
            self.arrivals.append(arrival)
        self._loop.call_soon_threadsafe(self._arrived, arrival.workflow_id, arrival.step)
        return "250 OK"

    def _arrived(self, workflow_id: str, step: str) -> None:
        for key in ((workflow_id, step), (workflow_id, "*")):
            self._seen.add(key)
            for waiter in self._waiters.pop(key, []):
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_for(self, workflow_id: str, step: str, timeout: float) -> bool:
        """Until an email of the sale's `step` (`*`: any) arrived; False at the timeout."""
        key = (workflow_id, step)
        if key in self._seen:
            return True
        waiter = self._loop.create_future()
        self._waiters.setdefault(key, []).append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return False
        return True

    def snapshot(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)


class SmtpServer:
    """aiosmtpd on a port of its own; stopped and started again on the same port."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.port = free_port()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.inbox, hostname=HOST, port=self.port, enable_SMTPUTF8=True
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def cpu_seconds(child: Child | None) -> float | None:
    """CPU time (user + system) a running child has used so far; None when it is gone."""
    if child is None or child.process.poll() is not None:
        return None
    try:
        fields = Path(f"/proc/{child.process.pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
