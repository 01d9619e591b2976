"""The contract of `CustomerSupportWorkflow`, the customer account: id scheme, input, query,
messages (events, the upsell command, a sale's report), search attributes."""

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales import events as ev
    from sales.account import events as account_events
    from sales.account.records import Handoff
    from sales.account.state import CUSTOMER, AccountState
    from sales.lead import Lead
    from sales.playbook import CarriedPlaybook

from workflows import search_attributes as sa
from workflows import versions
from workflows.messages import Message, Messages

WORKFLOW_TYPE = "CustomerSupportWorkflow"
STATE_QUERY = "state"
# The stage an account shows; support workflows of process versions before 4 show SUPPORT.
STAGE = CUSTOMER
LEGACY_STAGE = "SUPPORT"
# The patch that made check-ins wait for the customer's sending window.
CHECK_IN_WINDOW = "check-in-window"


class SupportInput(BaseModel):
    """Starts (or continues) a `CustomerSupportWorkflow` for a customer just won."""

    lead: Lead
    playbook: CarriedPlaybook
    sale_workflow_id: str
    order_number: str | None = None
    handoff: Handoff | None = Field(
        default=None, description="the deal as the sale closed it (process version 4)"
    )
    carried_state: AccountState | None = None
    history_limit: int = Field(
        default=10_000, gt=0, description="events before continuing as new, if the server asks not"
    )
    process_version: int | None = Field(
        default=None, description="the process version its starter runs (PROCESS_VERSION)"
    )


def workflow_id(lead_id: str) -> str:
    """`support-<lead_id>`: the customer's account, started when the sale is won."""
    return f"support-{lead_id}"


def runs_account(process_version: int | None) -> bool:
    """Whether a support workflow runs the account (version 4) or the support of old.

    No patch: the version is in the input, so a workflow begun before replays as it ran."""
    return process_version is not None and process_version >= versions.ACCOUNT


ORDER_PLACED = Message("order_placed", ev.OrderPlaced)
ORDER_SHIPPED = Message("order_shipped", account_events.OrderShipped)
ORDER_FULFILLED = Message("order_fulfilled", ev.OrderFulfilled)
TICKET_OPENED = Message("ticket_opened", ev.TicketOpened)
TICKET_RESPONDED = Message("ticket_responded", account_events.TicketResponded)
TICKET_RESOLVED = Message("ticket_resolved", ev.TicketResolved)
FEEDBACK_RECEIVED = Message("feedback_received", ev.FeedbackReceived)
FOLLOW_UP_DONE = Message("follow_up_done", account_events.FollowUpDone)
UPSELL_REQUESTED = Message("upsell_requested", account_events.UpsellRequested, command=True)
SALE_CONCLUDED = Message("sale_concluded", account_events.SaleConcluded)
ACCOUNT_CLOSED = Message("account_closed", ev.AccountClosed)

MESSAGES = Messages(
    ORDER_PLACED,
    ORDER_SHIPPED,
    ORDER_FULFILLED,
    TICKET_OPENED,
    TICKET_RESPONDED,
    TICKET_RESOLVED,
    FEEDBACK_RECEIVED,
    FOLLOW_UP_DONE,
    UPSELL_REQUESTED,
    SALE_CONCLUDED,
    ACCOUNT_CLOSED,
)
# What the support workflow of process versions before 4 takes; anything else is unknown there.
LEGACY_MESSAGES = Messages(
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
    sa.DEAL_VALUE,
    sa.DEAL_CURRENCY,
    sa.NEEDS_ATTENTION,
    sa.ACCOUNT_HEALTH,
    sa.OPEN_TICKETS,
)
