"""The contract of `CustomerSupportWorkflow`: id scheme, query, messages, search attributes."""

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales import events as ev
    from sales.lead import Lead
    from sales.playbook import Playbook
    from sales.state import SupportState

from workflows import search_attributes as sa
from workflows.messages import Message, Messages

WORKFLOW_TYPE = "CustomerSupportWorkflow"
STATE_QUERY = "state"
STAGE = "SUPPORT"
# The patch that made check-ins wait for the customer's sending window.
CHECK_IN_WINDOW = "check-in-window"


class SupportInput(BaseModel):
    """Starts (or continues) a `CustomerSupportWorkflow` for a customer just won."""

    lead: Lead
    playbook: Playbook
    sale_workflow_id: str
    order_number: str | None = None
    carried_state: SupportState | None = None
    history_limit: int = Field(
        default=10_000, gt=0, description="events before continuing as new, if the server asks not"
    )
    process_version: int | None = Field(
        default=None, description="the process version its starter runs (PROCESS_VERSION)"
    )


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
