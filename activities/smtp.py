"""Handing one message to the SMTP server: permanent refusals named, everything else retried.

A 5xx for the recipient (at RCPT) or for the message (after DATA: content
refused, mailbox full for good) is final and says what the server answered; a
4xx, a refused connection or a timeout is retried with backoff, its reason on
the pending activity in the Temporal UI.
"""

from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import aiosmtplib
from temporalio.exceptions import ApplicationError

from settings import Settings

# Error types the workflows act on; the others are retried until the cause is fixed.
RECIPIENT_REFUSED = "RecipientRefused"
MESSAGE_REJECTED = "MessageRejected"
SMTP_UNAVAILABLE = "SmtpUnavailable"
SENDER_REFUSED = "SenderRefused"


def _answer(code: int, message: str) -> str:
    return f"{code} {' '.join(message.split())}"


async def deliver(
    message: EmailMessage,
    *,
    sender: str,
    to: str,
    settings: Settings,
    last_look: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Send `message` to `to`; ApplicationError typed by what went wrong.

    `last_look` runs once the connection is up (greeting, STARTTLS, login: the slow part)
    and just before MAIL FROM, so that a send withdrawn meanwhile can still stop.
    """
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        start_tls=settings.smtp_starttls,
        timeout=30,
    )
    try:
        async with client:
            if last_look is not None:
                await last_look()
            await client.send_message(message, sender=sender, recipients=[to])
    except aiosmtplib.SMTPRecipientsRefused as err:
        answers = "; ".join(_answer(r.code, r.message) for r in err.recipients)
        final = all(refused.code >= 500 for refused in err.recipients)
        raise ApplicationError(
            f"SMTP server refused {to}: {answers}",
            type=RECIPIENT_REFUSED if final else SMTP_UNAVAILABLE,
            non_retryable=final,
        ) from err
    except aiosmtplib.SMTPDataError as err:
        final = err.code >= 500
        raise ApplicationError(
            f"SMTP server {'rejected' if final else 'deferred'} the message to {to}: "
            f"{_answer(err.code, err.message)}",
            type=MESSAGE_REJECTED if final else SMTP_UNAVAILABLE,
            non_retryable=final,
        ) from err
    except aiosmtplib.SMTPSenderRefused as err:
        # The seller's own address: a set-up to fix, so the sale waits rather than ends.
        raise ApplicationError(
            f"SMTP server refused the sender {sender}: {_answer(err.code, err.message)}",
            type=SENDER_REFUSED,
        ) from err
    except (aiosmtplib.SMTPException, OSError) as err:
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        raise ApplicationError(
            f"SMTP server {where} unavailable: {type(err).__name__}: {err}", type=SMTP_UNAVAILABLE
        ) from err
