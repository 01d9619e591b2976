"""What ops see of an account without querying it: search attributes and the UI's details.

Upserts are coalesced: the account asks for the values it should show after each round of
events and deadlines, and only those that changed go out, in one command (an upsert is a
billable action; an account lives for years).
"""

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from sales.account.state import AccountState
    from sales.sending import scheduled

from workflows import search_attributes as sa
from workflows.support import api


class AccountVisibility:
    """The account's search attributes as last upserted, and its details in the UI."""

    def __init__(self) -> None:
        # A run continued as new keeps its attributes: start from what the server has.
        self._shown: dict[str, Any] = {
            key.name: value
            for key in api.SEARCH_ATTRIBUTES
            if (value := workflow.info().typed_search_attributes.get(key)) is not None
        }

    def show(self, state: AccountState, playbook_name: str, zone: Any) -> None:
        """Upsert what changed since the last call; set the details."""
        wanted: dict[SearchAttributeKey[Any], Any] = {
            sa.SALES_STAGE: api.STAGE,
            sa.PLAYBOOK: playbook_name,
            sa.NEXT_ACTION_AT: state.next_action.due_at if state.next_action else None,
            sa.DEAL_VALUE: float(state.value),
            sa.DEAL_CURRENCY: state.currency,
            sa.NEEDS_ATTENTION: bool(state.concerns),
            sa.ACCOUNT_HEALTH: str(state.health),
            sa.OPEN_TICKETS: state.open_tickets,
        }
        lead = state.lead
        owner = state.owner.name if state.owner else lead.owner
        for key, value in (
            (sa.LEAD_SOURCE, lead.source),
            (sa.SALES_OWNER, owner),
            (sa.INDUSTRY, lead.industry),
            (sa.LEAD_COMPANY, lead.company),
        ):
            wanted[key] = value
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in wanted.items():
            if self._shown.get(key.name) == value or (
                value is None and key.name not in self._shown
            ):
                continue
            updates.append(key.value_set(value) if value is not None else key.value_unset())
            if value is None:
                self._shown.pop(key.name, None)
            else:
                self._shown[key.name] = value
        if updates:
            workflow.upsert_search_attributes(updates)
        workflow.set_current_details(details_of(state, zone))

    def ended(self) -> None:
        """A closed account waits for nothing."""
        if self._shown.pop(sa.NEXT_ACTION_AT.name, None) is not None:
            workflow.upsert_search_attributes([sa.NEXT_ACTION_AT.value_unset()])


def details_of(state: AccountState, zone: Any) -> str:
    """Markdown for the Temporal UI: owner, health and why, the next deadline, open work.
    Nothing of the customer's (no name, no address): the UI shows details unencrypted."""
    owner = state.owner.name if state.owner else "the support team"
    lines = [f"**Account owner:** {owner}"]
    health = str(state.health).replace("_", " ")
    reasons = "; ".join(state.health_reasons)
    lines.append(f"**Health:** {health}" + (f" ({reasons})" if reasons else ""))
    if state.closed_reason:
        lines.append(f"**Closed:** {state.closed_reason}")
    elif state.next_action is not None:
        when = state.next_action.due_at
        at = f" by {scheduled(when, zone)}" if when else ""
        lines.append(f"**Next:** {state.next_action.description}{at}")
    if state.concerns:
        lines.append("**Needs attention:** " + "; ".join(c.what for c in state.concerns))
    lines.append(f"**Open tickets:** {state.open_tickets}")
    if state.term_ends_on:
        lines.append(f"**Term ends:** {state.term_ends_on:%d %b %Y}")
    return "\n\n".join(lines)
