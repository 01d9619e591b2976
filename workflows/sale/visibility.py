"""What ops see of a sale without querying it: its search attributes and the UI's details.

The sale's owner (`workflows.sale.sale`) calls these as its state changes; every upsert a
sale makes is here, of the attributes its contract lists (`api.SEARCH_ATTRIBUTES`).
"""

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from sales.lead import Lead
    from sales.quote import Quote
    from sales.stages import LostReason, SalesStage
    from sales.state import SaleState

from workflows import search_attributes as sa
from workflows.sale.details import details_of
from workflows.versions import EARLY_PATCHES, follows

# Added with playbook versions: sales begun before replay without it.
PLAYBOOK_VERSION_PATCH = "playbook-version"


class Visibility:
    """Search attributes and current details of one sale."""

    def __init__(self, state: SaleState, process_version: int | None) -> None:
        self._state = state
        self._process_version = process_version

    def lead(self, lead: Lead, playbook_name: str, playbook_version: str) -> None:
        """Who, where from, whose, which playbook: once, when the sale begins."""
        updates = sa.lead_attribute_updates(lead, playbook_name)
        if follows(self._process_version, EARLY_PATCHES, PLAYBOOK_VERSION_PATCH):
            updates.append(sa.PLAYBOOK_VERSION.value_set(playbook_version))
        workflow.upsert_search_attributes(updates)

    def stage(self, stage: SalesStage) -> None:
        self._upsert(sa.SALES_STAGE.value_set(stage.value), sa.NEXT_ACTION_AT.value_unset())

    def next_action(self, due: datetime) -> None:
        self._upsert(sa.NEXT_ACTION_AT.value_set(due))

    def deal(self, quote: Quote) -> None:
        # The currency joined the value later in the same upsert command: replay compares a
        # command's kind, not which attributes it sets, so running sales need no patch here.
        self._upsert(
            sa.DEAL_VALUE.value_set(float(quote.totals.net)),
            sa.DEAL_CURRENCY.value_set(quote.currency),
        )

    def lost(self, reason: LostReason) -> None:
        self._upsert(sa.LOST_REASON.value_set(reason.value))

    def needs_attention(self, needed: bool) -> None:
        self._upsert(sa.NEEDS_ATTENTION.value_set(needed))

    def details(self) -> None:
        """The current details in the Temporal UI (see `workflows.sale.details`)."""
        workflow.set_current_details(details_of(self._state))

    def _upsert(self, *updates: SearchAttributeUpdate[Any]) -> None:
        workflow.upsert_search_attributes(list(updates))
