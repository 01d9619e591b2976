"""The last look before an email goes out: does its workflow still want it?

A sale that ends (an opt-out, a bounce, mark_lost) cancels the send it has in flight,
but the attempt hears of the cancel only in the answer to its next heartbeat, up to a
second later, and may meanwhile hand the email to SMTP. Asking the server once the SMTP
connection is up, just before MAIL FROM, narrows that window to the time of one call.
"""

from collections.abc import Awaitable, Callable

from temporalio import activity
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.client import Client, WorkflowExecutionStatus

# Whether the calling workflow withdrew this activity (cancelled it, or closed).
Withdrawn = Callable[[activity.Info], Awaitable[bool]]
WITHDRAWN = "SendWithdrawn"


def withdrawn_by(client: Client) -> Withdrawn:
    """Asks the server (not a worker) about the activity's workflow."""

    async def withdrawn(info: activity.Info) -> bool:
        if info.workflow_id is None:  # a standalone activity: nobody to withdraw it
            return False
        handle = client.get_workflow_handle(info.workflow_id, run_id=info.workflow_run_id)
        description = await handle.describe()
        if description.status is not WorkflowExecutionStatus.RUNNING:
            return True
        return any(
            pending.activity_id == info.activity_id
            and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
            for pending in description.raw_description.pending_activities
        )

    return withdrawn
