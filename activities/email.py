"""Sending one sale email: render text and HTML from templates, then hand it to SMTP.

Temporal delivers an activity at least once, so the Message-ID is derived from
the sale and the step: a retry re-sends the same message and the receiving
side can recognise it.
"""

import asyncio
import mimetypes
import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiosmtplib
from email_validator import EmailNotValidError, validate_email
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.rendering import make_environment, render
from sales.requests import EmailReceipt, EmailRequest
from sales.text import single_line
from settings import Settings

TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")
# What RFC 5322 allows in the left part of a msg-id (dot-atom-text).
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")


def message_id(workflow_id: str, step: str, mail_domain: str) -> str:
    """`<sale-x.intro@sales.example>`: the same for every attempt of one step of one sale."""
    left = _NOT_ATEXT.sub("-", f"{workflow_id}.{step}")
    return f"<{left}@{_NOT_ATEXT.sub('-', mail_domain)}>"


def _invalid_address(problem: str) -> ApplicationError:
    return ApplicationError(problem, type="InvalidAddress", non_retryable=True)


def checked_recipient(address: str) -> str:
    """The address itself, or a non-retryable error: lead data must never inject headers."""
    if "\r" in address or "\n" in address:
        raise _invalid_address(f"recipient address {address!r} contains a line break")
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as err:
        raise _invalid_address(f"invalid recipient address {address!r}: {err}") from err
    return address


class EmailActivities:
    """Renders `templates/emails/<name>.*.j2` and sends through the configured SMTP server."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._env = make_environment(settings.templates_dir)

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        """Render and send one email; a bad or refused address is not retried."""
        to = checked_recipient(request.to)
        if not TEMPLATE_NAME.match(request.template):
            raise ApplicationError(
                f"template name {request.template!r} is not a plain name like 'follow_up'",
                type="TemplateError",
            )
        subject, text, html = self._render(request)
        message = self._message(request, to, subject, text, html)
        for path in request.attachments:
            await _attach(message, Path(path))
        settings = self._settings
        try:
            await aiosmtplib.send(
                message,
                sender=request.playbook.seller.email,
                recipients=[to],
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=30,
            )
        except aiosmtplib.SMTPRecipientsRefused as err:
            # A permanent refusal of the address is a bounce: no retry will deliver it.
            if all(refused.code >= 500 for refused in err.recipients):
                raise ApplicationError(
                    f"SMTP server refused {to}: {err}", type="RecipientRefused", non_retryable=True
                ) from err
            raise
        activity.logger.info("sent %s (%s) to %s", request.step, message["Message-ID"], to)
        return EmailReceipt(
            to=to,
            subject=subject,
            message_id=str(message["Message-ID"]),
            sent_at=datetime.now(UTC),
        )

    def _render(self, request: EmailRequest) -> tuple[str, str, str]:
        context: dict[str, Any] = {
            **request.context,
            "lead": request.lead,
            "seller": request.playbook.seller,
            "playbook": request.playbook,
            "workflow_id": request.workflow_id,
        }
        base = f"emails/{request.template}"
        playbook = request.playbook
        subject = render(self._env, playbook.template_candidates(f"{base}.subject.j2"), context)
        text = render(self._env, playbook.template_candidates(f"{base}.txt.j2"), context)
        html = render(self._env, playbook.template_candidates(f"{base}.html.j2"), context)
        subject = single_line(subject)
        return subject, text, html

    def _message(
        self, request: EmailRequest, to: str, subject: str, text: str, html: str
    ) -> EmailMessage:
        seller = request.playbook.seller
        message = EmailMessage()
        try:
            message["From"] = Address(display_name=single_line(seller.name), addr_spec=seller.email)
            message["Reply-To"] = Address(addr_spec=seller.email)
        except ValueError as err:
            raise _invalid_address(f"seller address {seller.email!r}: {err}") from err
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = message_id(
            request.workflow_id, request.step, request.playbook.mail_domain
        )
        message["X-Salesflow-Step"] = single_line(request.step)
        message["X-Salesflow-Sale"] = single_line(request.workflow_id)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message


async def _attach(message: EmailMessage, path: Path) -> None:
    # A missing document is a wiring fault (documents dir not shared by the workers):
    # retryable, so the email goes out once another worker or fixed storage has it.
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as err:
        raise ApplicationError(
            f"attachment {path} cannot be read: {err}", type="AttachmentMissing"
        ) from err
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    maintype, _, subtype = kind.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
