"""Sending one sale email: render text and HTML from templates, then hand it to SMTP.

Temporal delivers an activity at least once, so the Message-ID is derived from
the sale and the step: a retry re-sends the same message and the receiving
side can recognise it. The activity heartbeats from its first moment and renders
off the event loop, so a busy worker still beats and a dead one is noticed in
seconds; it records "delivered" in its last heartbeat so that a retry after a
crash does not send the message again, and an attempt the server gave up on while
it was still sending is waited for by the retry (activities/deliveries.py). No
email goes to an address on the opt-out list: that is checked here, at send time.
"""

import asyncio
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.deliveries import Deliveries
from activities.document_store import DocumentMissing, DocumentStore, name_of
from activities.documents import Filing
from activities.heartbeat import heartbeating
from activities.last_look import WITHDRAWN, Withdrawn
from activities.playbooks import store_for
from activities.rendering import make_environment, render
from activities.smtp import deliver
from activities.typesetting import Typesetter, document_bytes
from privacy.redaction import redact
from sales.lead import normalise_email
from sales.requests import ContractDocument, EmailReceipt, EmailRequest
from sales.suppression import SuppressionStatus
from sales.text import single_line
from sales.unsubscribe import unsubscribe_mailto, unsubscribe_token
from settings import Settings

# Looks an address up on the opt-out list (None: never on it).
SuppressionLookup = Callable[[str], Awaitable[SuppressionStatus | None]]
SUPPRESSED = "Suppressed"
DELIVERED = "delivered"

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

    def __init__(
        self,
        settings: Settings,
        suppression: SuppressionLookup | None = None,
        withdrawn: Withdrawn | None = None,
        *,
        typeset: bool = True,
    ) -> None:
        """`typeset=False`: a contract the email files gets no PDF (see `Filing`)."""
        self._settings = settings
        self._withdrawn = withdrawn
        self._env = make_environment(settings.templates_dir)
        self._suppression = suppression
        secret = settings.unsubscribe_secret
        self._secret = secret.get_secret_value() if secret else ""
        # With the codec on, the log says which sale and step, not to whom.
        self._shown: Callable[[str], str] = redact if settings.codec_on else str
        self._deliveries = Deliveries()
        self._filing = Filing(settings, typeset=typeset)
        self._documents = self._filing.store
        self._typeset = Typesetter(settings.worker_typesetting_processes)

    @activity.defn
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        """Render and send one email, and first the earlier one it carries (process version 7);
        a bad, refused or opted-out address is not retried."""
        return await self.complete_and_deliver(request)

    async def complete_and_deliver(
        self, request: EmailRequest, delivered: list[str] | None = None
    ) -> EmailReceipt:
        """`send_email`'s work, the playbook and lead looked up first (see `deliver_email`)."""
        request = store_for(self._settings.playbooks_dir).complete(request)
        request = await asyncio.to_thread(self._filing.with_lead, request)
        return await self.deliver_email(request, delivered)

    async def deliver_email(
        self, request: EmailRequest, delivered: list[str] | None = None
    ) -> EmailReceipt:
        """`send_email`'s work, for a request whose playbook and lead are at hand: also what
        another activity calls to send an email besides its own work (the qualification's
        intro, the first offer), heartbeating as `send_email` does. `delivered` gains the
        Message-ID of each email handed to SMTP, for a caller to know what went."""
        to = checked_recipient(request.to)
        earlier_request = request.earlier_request()
        emails = [request] if earlier_request is None else [earlier_request, request]
        for email in emails:
            if not TEMPLATE_NAME.match(email.template):
                raise ApplicationError(
                    f"template name {email.template!r} is not a plain name like 'follow_up'",
                    type="TemplateError",
                )
        # Every heartbeat names what is delivered, and one follows each delivery: a retry
        # after this worker dies (or after the second email failed) sends nothing twice.
        if delivered is None:
            delivered = []
        delivered.extend(_delivered_before())
        receipts: list[EmailReceipt] = []
        async with heartbeating(lambda: (DELIVERED, *delivered) if delivered else ()):
            for email in emails:
                receipt, sent = await self._send_one(email, to, delivered)
                receipts.append(receipt)
                if sent:
                    activity.heartbeat(DELIVERED, *delivered)
        if earlier_request is None:
            return receipts[0]
        return receipts[1].model_copy(update={"earlier": receipts[0]})

    async def _send_one(
        self, request: EmailRequest, to: str, delivered: list[str]
    ) -> tuple[EmailReceipt, bool]:
        """The receipt, and whether this attempt handed the email to SMTP; `delivered` gains
        its Message-ID once it is out, by this attempt or an earlier one."""
        carried = await self._carried(request)
        subject, text, html = await asyncio.to_thread(self._render, request, carried.context)
        message = self._message(request, to, subject, text, html)
        mid = str(message["Message-ID"])
        receipt = EmailReceipt(
            to=to,
            subject=subject,
            message_id=mid,
            sent_at=datetime.now(UTC),
            contract=carried.contract,
        )
        if mid in delivered or mid in self._deliveries:
            activity.logger.info("%s (%s) was delivered before", request.step, mid)
            if mid not in delivered:
                delivered.append(mid)
            return receipt, False
        for reference in carried.attachments:
            await _attach(message, self._documents, self._typeset, reference)
        await self._refuse_if_suppressed(request, to)
        sent = await self._deliveries.once(
            mid,
            lambda: deliver(
                message,
                sender=request.book.seller.email,
                to=to,
                settings=self._settings,
                last_look=lambda: self._refuse_if_withdrawn(request),
            ),
        )
        delivered.append(mid)
        if not sent:
            activity.logger.info("%s (%s) sent by an overlapping attempt", request.step, mid)
            return receipt, False
        activity.logger.info("sent %s (%s) to %s", request.step, mid, self._shown(to))
        return receipt, True

    async def _refuse_if_suppressed(self, request: EmailRequest, to: str) -> None:
        if self._suppression is None or _sellers_own(request, to):
            return
        status = await self._suppression(to)
        if status is not None and status.suppressed:
            raise ApplicationError(
                f"not sent: {status.describe()}", type=SUPPRESSED, non_retryable=True
            )

    async def _refuse_if_withdrawn(self, request: EmailRequest) -> None:
        if self._withdrawn is not None and await self._withdrawn(activity.info()):
            raise ApplicationError(
                f"not sent: {request.workflow_id} no longer wants {request.step}",
                type=WITHDRAWN,
                non_retryable=True,
            )

    def _unsubscribe(self, request: EmailRequest) -> dict[str, str]:
        token = unsubscribe_token(request.workflow_id, self._secret)
        return {
            "url": f"{self._settings.unsubscribe_url.rstrip('/')}/{token}",
            "mailto": unsubscribe_mailto(request.workflow_id, request.book.mail_domain),
        }

    async def _carried(self, request: EmailRequest) -> "Carried":
        """The email's context with what it reads by reference, and the contract it renders
        and files first (process version 6), attached: filed again at a retry, the same."""
        context = dict(request.context)
        for key, reference in request.context_files.items():
            context[key] = await asyncio.to_thread(self._filing.read_json, reference)
        draft = request.contract
        if draft is None:
            return Carried(context, list(request.attachments), None)
        quote, rendering = await asyncio.to_thread(self._filing.contract_request, request, draft)
        contract = await self._filing.contract(rendering)
        context.setdefault("quote", quote.model_dump(mode="json"))
        context["contract"] = contract.model_dump(mode="json")
        attachments = [*request.attachments, *([contract.pdf_path] if contract.pdf_path else [])]
        return Carried(context, attachments, contract)

    def _render(self, request: EmailRequest, carried: dict[str, Any]) -> tuple[str, str, str]:
        context: dict[str, Any] = {
            **carried,
            "lead": request.person,
            "seller": request.book.seller,
            "playbook": request.book,
            "workflow_id": request.workflow_id,
            "unsubscribe": {} if _sellers_own(request, request.to) else self._unsubscribe(request),
        }
        base = f"emails/{request.template}"
        playbook = request.book
        subject = render(self._env, playbook.template_candidates(f"{base}.subject.j2"), context)
        text = render(self._env, playbook.template_candidates(f"{base}.txt.j2"), context)
        html = render(self._env, playbook.template_candidates(f"{base}.html.j2"), context)
        subject = single_line(subject)
        return subject, text, html

    def _message(
        self, request: EmailRequest, to: str, subject: str, text: str, html: str
    ) -> EmailMessage:
        seller = request.book.seller
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
            request.workflow_id, request.step, request.book.mail_domain
        )
        message["X-Salesflow-Step"] = single_line(request.step)
        message["X-Salesflow-Sale"] = single_line(request.workflow_id)
        if not _sellers_own(request, to):
            links = self._unsubscribe(request)
            message["List-Unsubscribe"] = f"<mailto:{links['mailto']}>, <{links['url']}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message


@dataclass(frozen=True)
class Carried:
    """What an email is written from besides its request's context, and what it attaches."""

    context: dict[str, Any]
    attachments: list[str]
    contract: ContractDocument | None


async def _attach(
    message: EmailMessage, documents: DocumentStore, typeset: Typesetter, reference: str
) -> None:
    # A missing document is a wiring fault (documents not shared by the workers): retryable,
    # so the email goes out once another worker or fixed storage has it. A PDF not typeset
    # yet is typeset here, the first time it is sent.
    try:
        data = await asyncio.get_running_loop().run_in_executor(
            typeset.waiting(), document_bytes, documents, reference, typeset
        )
    except (DocumentMissing, OSError) as err:
        raise ApplicationError(
            f"attachment {reference} cannot be read: {err}", type="AttachmentMissing"
        ) from err
    name = name_of(reference)
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, _, subtype = kind.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


def _sellers_own(request: EmailRequest, to: str) -> bool:
    """Mail to the seller's own people (a manager's approval) is not outreach."""
    seller = request.book.seller
    own = {seller.email, seller.sales_manager_email, request.book.support.contact_email}
    own |= request.book.account.addresses()
    return normalise_email(to) in {normalise_email(a) for a in own}


def _delivered_before() -> list[str]:
    """The Message-IDs the last attempt's heartbeat said were delivered."""
    details = activity.info().heartbeat_details
    if not details or details[0] != DELIVERED:
        return []
    return [str(mid) for mid in details[1:]]
