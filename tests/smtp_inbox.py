"""A real SMTP server for tests: aiosmtpd in-process, keeping every message it receives."""

import asyncio
import re
import threading
import time
from collections.abc import Callable
from email.message import Message as EmailMessage
from html import unescape
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from devstack.ports import free_port

BLOCK_TAG = re.compile(r"</?(?:br|p|li|ul|ol|td|th|tr|table|h[1-6]|div|main|body)\b[^>]*>", re.I)


def visible(html: str) -> str:
    """The text a browser shows for an HTML page: no head, no tags, entities read, single spaces."""
    html = re.sub(r"<head>.*?</head>", " ", html, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", "", BLOCK_TAG.sub(" ", html))
    return re.sub(r"\s+", " ", unescape(text)).strip()


def readable(message: EmailMessage) -> tuple[str, str]:
    """What a reader sees of an email: its text part and its HTML part as a browser shows it
    (no markup, no styles: a figure in a CSS rule is not something the email says)."""
    text = html = ""
    for part in message.walk():
        if part.get_content_type() not in ("text/plain", "text/html") or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        decoded = payload.decode(part.get_content_charset() or "utf-8")
        if part.get_content_type() == "text/plain":
            text = decoded
        else:
            html = visible(decoded)
    return text, html


def subject_of(message: EmailMessage) -> str:
    """The subject as a mail client shows it: a long one is folded over lines in the header."""
    return re.sub(r"\r?\n(?=[ \t])", "", str(message["Subject"]))


class Inbox(Message):
    """Keeps each received message; tests read them back by recipient or subject."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802  (the name aiosmtpd calls)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Refuse for good any address starting `refused-`, as a real server does an unknown box."""
        if address.startswith("refused-"):
            return "550 5.1.1 mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802  (the name aiosmtpd calls)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        """Refuse for good, after the body, mail to `rejected-...`: as a content filter does."""
        if any(address.startswith("rejected-") for address in envelope.rcpt_tos):
            return "550 5.7.1 Message content rejected as spam"
        answer: str = await super().handle_DATA(server, session, envelope)
        return answer

    def handle_message(self, message: EmailMessage) -> None:
        with self._lock:
            self.messages.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def of_sale(self, workflow_id: str, to: str | None = None) -> list[EmailMessage]:
        """The messages one sale or account sent (its `X-Salesflow-Sale` header), to `to` if given:
        addresses shared by every sale (the sales manager's) then show only this sale's mail."""
        with self._lock:
            mine = [m for m in self.messages if str(m["X-Salesflow-Sale"]) == workflow_id]
        if to is None:
            return mine
        return [m for m in mine if to.lower() in str(m["To"]).lower()]

    def steps(self, address: str) -> list[str]:
        """The `X-Salesflow-Step` header of every message to an address, in arrival order."""
        return [str(m["X-Salesflow-Step"]) for m in self.to(address)]

    async def wait_for(
        self, predicate: Callable[[list[EmailMessage]], bool], timeout: float = 20.0
    ) -> list[EmailMessage]:
        """Wait until the messages received satisfy `predicate`; fail with what arrived.

        Async so that the worker sharing the test's event loop keeps running.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                snapshot = list(self.messages)
            if predicate(snapshot):
                return snapshot
            if time.monotonic() > deadline:
                subjects = [f"{m['To']}: {m['Subject']}" for m in snapshot]
                raise AssertionError(f"expected mail did not arrive; received {subjects}")
            await asyncio.sleep(0.05)


class SmtpServer:
    """An aiosmtpd controller on a free loopback port with an `Inbox` handler."""

    def __init__(self, inbox: Inbox | None = None) -> None:
        self.inbox = inbox or Inbox()
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def restart(self) -> None:
        """Up again on the same port after `stop()`, keeping what it received."""
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
