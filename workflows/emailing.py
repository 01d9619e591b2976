"""Sending one email through the email activity and recording it for the workflow's state."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as ActivityTimeout

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from sales.requests import EmailRequest
    from sales.state import EmailRecord

ACTIVITY_TIMEOUT = timedelta(minutes=2)
# SMTP down, a template being fixed, storage not mounted: retried without end, so
# a sale waits rather than fails; the error stays visible on the pending activity.
EMAIL_RETRY = RetryPolicy(maximum_interval=timedelta(minutes=10))
UNDELIVERABLE = ("RecipientRefused", "InvalidAddress")


class Undeliverable(Exception):
    """The recipient's address is refused for good or invalid; no retry will deliver it."""


class MissedDeadline(Exception):
    """An email with a deadline (a tender bid) could not be sent before it."""


async def send_email(request: EmailRequest, *, within: timedelta | None = None) -> EmailRecord:
    """Send (at least once, same Message-ID every attempt) and return what the state keeps.

    Undeliverable when the address cannot receive mail; MissedDeadline when `within`
    is given and runs out; other failures are retried.
    """
    try:
        receipt = await workflow.execute_activity_method(
            EmailActivities.send_email,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            schedule_to_close_timeout=within,
            retry_policy=EMAIL_RETRY,
            summary=f"email: {request.step}",
        )
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in UNDELIVERABLE:
            raise Undeliverable(cause.message) from err
        if within is not None and isinstance(cause, ActivityTimeout):
            raise MissedDeadline(f"{request.step} could not be sent in time: {cause}") from err
        raise
    return EmailRecord(
        step=request.step,
        template=request.template,
        to=receipt.to,
        subject=receipt.subject,
        message_id=receipt.message_id,
        sent_at=workflow.now(),
        attachments=request.attachments,
    )
