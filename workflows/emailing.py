"""Sending one email through the email activity and recording it for the workflow's state.

A send can be stopped: when the sale ends (an opt-out, a bounce, mark_lost) while
an email waits for its next retry, it never goes out; one being handed to the SMTP
server at that moment is cancelled, and if it went out all the same it is recorded.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError
from temporalio.exceptions import TimeoutError as ActivityTimeout
from temporalio.workflow import ActivityCancellationType

from workflows.versions import EARLY_PATCHES, follows

with workflow.unsafe.imports_passed_through():
    from activities.email import SUPPRESSED, EmailActivities
    from activities.smtp import MESSAGE_REJECTED, RECIPIENT_REFUSED
    from sales.requests import CarriedEmail, EmailReceipt, EmailRequest
    from sales.state import DocumentRecord, EmailRecord

# Heartbeats every second: a worker killed mid-send is noticed within seconds and the
# email retried elsewhere, instead of waiting out a long timeout. The margin is wide
# because an attempt the server gives up on may still be sending: a busy worker's
# event loop can stall for seconds, and every spurious timeout risks a second copy.
ACTIVITY_TIMEOUT = timedelta(minutes=1)
HEARTBEAT_TIMEOUT = timedelta(seconds=15)
# SMTP down, a template being fixed, storage not mounted: retried without end, so
# a sale waits rather than fails; the error stays visible on the pending activity.
EMAIL_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=10))
UNDELIVERABLE = (RECIPIENT_REFUSED, MESSAGE_REJECTED, "InvalidAddress")


class Undeliverable(Exception):
    """The recipient's address or this message is refused for good; no retry will deliver it."""


class Suppressed(Exception):
    """The recipient is on the opt-out list: nothing was sent."""


class Stopped(Exception):
    """The caller stopped the send (the sale ended) before the email went out."""


class MissedDeadline(Exception):
    """An email with a deadline (a tender bid) could not be sent before it."""


T = TypeVar("T")


async def carried_until_done(
    handle: workflow.ActivityHandle[T], ending: Callable[[], BaseException | None]
) -> T:
    """The result of an activity that sends an email besides its own work (the qualification's
    intro, the first offer with its quote): cancelled when the sale ends meanwhile, as an
    email's send is, and waited for (started with WAIT_CANCELLATION_COMPLETED), so an email
    that went out all the same comes back in its result; `ending()` raised if it did not."""
    await workflow.wait_condition(lambda: handle.done() or ending() is not None)
    if not handle.done():
        handle.cancel()
    try:
        return await handle
    except ActivityError:
        ended = ending()
        if ended is not None:
            raise ended from None
        raise


async def send_email(
    request: EmailRequest,
    *,
    process_version: int | None,
    within: timedelta | None = None,
    stop: Callable[[], bool] | None = None,
) -> EmailRecord:
    """Send (at least once, same Message-ID every attempt) and return what the state keeps.

    Undeliverable when the address cannot receive mail; Suppressed when it opted out;
    Stopped when `stop()` turns true first; MissedDeadline when `within` runs out;
    other failures are retried.
    """
    sent = await send_emails(request, process_version=process_version, within=within, stop=stop)
    return sent[-1]


async def send_emails(
    request: EmailRequest,
    *,
    process_version: int | None,
    within: timedelta | None = None,
    stop: Callable[[], bool] | None = None,
) -> list[EmailRecord]:
    """As `send_email`, with the earlier email the request carries (`EmailRequest.earlier`)
    sent first by the same activity: the records of both, in the order they went out."""
    # An attempt already talking to the SMTP server when the sale ends learns of the cancel
    # only at its next heartbeat and may deliver: wait for it to finish, so that an email
    # that went out is recorded (and counted) instead of vanishing from the sale's state.
    # Behind a patch for workflows begun before process version 3: sales that ended while a
    # send was cancelled replay as they ran.
    waits = follows(process_version, EARLY_PATCHES, "email-cancel-waits")
    steps = f"{request.earlier.step} + {request.step}" if request.earlier else request.step
    handle = workflow.start_activity_method(
        EmailActivities.send_email,
        request,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
        schedule_to_close_timeout=within,
        retry_policy=EMAIL_RETRY,
        summary=f"email: {steps}",
        cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        if waits
        else ActivityCancellationType.TRY_CANCEL,
    )
    if stop is not None:
        await workflow.wait_condition(lambda: handle.done() or stop())
        if not handle.done():
            handle.cancel()
            try:
                await handle
            except (ActivityError, CancelledError):
                pass
            else:  # it finished in the same moment: it was sent after all
                return records(request, handle.result())
            raise Stopped(f"{request.step} was not sent: the sale ended first")
    try:
        receipt = await handle
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in UNDELIVERABLE:
            raise Undeliverable(cause.message) from err
        if isinstance(cause, ApplicationError) and cause.type == SUPPRESSED:
            raise Suppressed(cause.message) from err
        if within is not None and isinstance(cause, ActivityTimeout):
            raise MissedDeadline(f"{request.step} could not be sent in time: {cause}") from err
        raise
    return records(request, receipt)


def records(request: EmailRequest, receipt: EmailReceipt) -> list[EmailRecord]:
    """What the state keeps of an email sent and of the earlier one it carried, in the order
    they went: by `send_email`, or by another activity (the offer its quote's, version 11)."""
    earlier = request.earlier_request()
    if earlier is None or receipt.earlier is None:
        return [record(request, receipt)]
    return [record(earlier, receipt.earlier), record(request, receipt)]


def record(request: EmailRequest | CarriedEmail, receipt: EmailReceipt) -> EmailRecord:
    """What the state keeps of an email sent: by its own activity or by another's (the intro
    its qualification sent, process version 8)."""
    now = workflow.now()
    contract = receipt.contract
    filed = (
        DocumentRecord(
            kind="contract",
            number=contract.number,
            version=contract.version,
            html_path=contract.html_path,
            pdf_path=contract.pdf_path,
            created_at=now,
        )
        if contract is not None
        else None
    )
    carried = [contract.pdf_path] if contract is not None and contract.pdf_path else []
    return EmailRecord(
        step=request.step,
        template=request.template,
        to=receipt.to,
        subject=receipt.subject,
        message_id=receipt.message_id,
        sent_at=now,
        attachments=[*request.attachments, *carried],
        filed=filed,
    )
