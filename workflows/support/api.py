"""The contract of `CustomerSupportWorkflow`: id scheme, query, messages, search attributes."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales import events as ev

from workflows import search_attributes as sa
from workflows.messages import Message, Messages

WORKFLOW_TYPE = "CustomerSupportWorkflow"
STATE_QUERY = "state"
STAGE = "SUPPORT"
# The patch that made check-ins wait for the customer's sending window.
CHECK_IN_WINDOW = "check-in-window"


def workflow_id(lead_id: str) -> str:
    """`support-<lead_id>`: the customer's support, started when the sale is won."""
    return f"support-{lead_id}"


ORDER_FULFILLED = Message("order_fulfilled", ev.OrderFulfilled)
TICKET_OPENED = Message("ticket_opened", ev.TicketOpened)
TICKET_RESOLVED = Message("ticket_resolved", ev.TicketResolved)
FEEDBACK_RECEIVED = Message("feedback_received", ev.FeedbackReceived)
ACCOUNT_CLOSED = Message("account_closed", ev.AccountClosed)

MESSAGES = Messages(
    ORDER_FULFILLED, TICKET_OPENED, TICKET_RESOLVED, FEEDBACK_RECEIVED, ACCOUNT_CLOSED
)

SEARCH_ATTRIBUTES = (
    sa.SALES_STAGE,
    sa.LEAD_SOURCE,
    sa.SALES_OWNER,
    sa.INDUSTRY,
    sa.PLAYBOOK,
    sa.LEAD_COMPANY,
    sa.NEXT_ACTION_AT,
)
