"""The local SMTP server's mailbox: every message once, and mail to an unsubscribe address
recorded as an opt-out.

Temporal sends an email at least once: a worker that dies after the server stored
a message but before it heard so sends it again, with the same Message-ID. A
receiving mailbox keeps one copy per Message-ID, as large mail providers do.
Mail to `unsubscribe+<sale>@...` (the RFC 2369 address in every outreach email)
opts its sender out, through Temporal like any other opt-out.
"""

import logging
import mailbox
from collections.abc import Awaitable, Callable
from email.message import Message as EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from aiosmtpd.handlers import Mailbox

from sales.unsubscribe import mailto_workflow_id

log = logging.getLogger(__name__)

# Records that `sender` asked to hear no more from the sale named by its workflow id.
OptOut = Callable[[str, str], Awaitable[None]]


class LocalMailbox(Mailbox):
    """aiosmtpd's maildir handler, keeping one copy per Message-ID and acting on opt-outs."""

    def __init__(self, mail_dir: Path, opt_out: OptOut | None = None) -> None:
        super().__init__(mail_dir)
        self._opt_out = opt_out
        self._seen = {
            str(message["Message-ID"]).strip()
            for message in self.mailbox
            if message["Message-ID"] is not None
        } if mail_dir.is_dir() else set()  # fmt: skip

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer: str = await super().handle_DATA(server, session, envelope)
        if self._opt_out is not None:
            sender = parseaddr(str(envelope.mail_from))[1]
            for recipient in envelope.rcpt_tos:
                workflow_id = mailto_workflow_id(recipient)
                if workflow_id is not None:
                    try:
                        await self._opt_out(sender, workflow_id)
                    except Exception:  # the mail is kept; the log says what failed
                        # The sale, not the sender: no address in the log.
                        log.exception("could not record an opt-out from %s", workflow_id)
        return answer

    def handle_message(self, message: EmailMessage) -> None:
        message_id = str(message["Message-ID"] or "").strip()
        if message_id and message_id in self._seen:
            log.info("kept once: %s arrived again", message_id)
            return
        if message_id:
            self._seen.add(message_id)
        self.mailbox.add(message)


def maildir_count(mail_dir: Path) -> int:
    """How many messages the maildir holds (new and seen)."""
    return len(mailbox.Maildir(mail_dir, create=False))
