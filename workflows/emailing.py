"""Sending one email through the email activity and recording it for the workflow's state."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from sales.requests import EmailRequest
    from sales.state import EmailRecord

ACTIVITY_TIMEOUT = timedelta(minutes=2)


async def send_email(request: EmailRequest) -> EmailRecord:
    """Send (at least once, same Message-ID every attempt) and return what the state keeps."""
    receipt = await workflow.execute_activity_method(
        EmailActivities.send_email,
        request,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        summary=f"email: {request.step}",
    )
    return EmailRecord(
        step=request.step,
        template=request.template,
        to=receipt.to,
        subject=receipt.subject,
        message_id=receipt.message_id,
        sent_at=workflow.now(),
        attachments=request.attachments,
    )
