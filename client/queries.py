"""The `state` query of a sale or a customer's support, as the typed models the workflows return."""

from typing import Any

from temporalio.client import WorkflowHandle

from sales.account.state import AccountState
from sales.state import SaleState
from workflows.sale import api as sale_api
from workflows.support import api as support_api


async def sale_state(handle: WorkflowHandle[Any, Any]) -> SaleState:
    """The whole sale: stage, timeline, quotes, documents, emails, next action, events."""
    state: SaleState = await handle.query(sale_api.STATE_QUERY, result_type=SaleState)
    return state


async def support_state(handle: WorkflowHandle[Any, Any]) -> AccountState:
    """The customer's support: orders, tickets, feedback, emails, next check-in."""
    state: AccountState = await handle.query(support_api.STATE_QUERY, result_type=AccountState)
    return state
