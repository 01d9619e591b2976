"""What ops see of a sale without querying it: its search attributes and the UI's details.

The sale's owner (`workflows.sale.sale`) calls these as its state changes; every upsert a
sale makes is here, of the attributes its contract lists (`api.SEARCH_ATTRIBUTES`).

From process version 5 (`workflows.versions.LEAN`) the changes are upserted together at
the sale's next wait (`flush`), leaving out what the attributes already say (those the
starter set at the start, above all), and `NextActionAt` is when the sale's one timer rings
(`workflows.alarm`): one upsert a stage instead of two or three, each billed. From version 6
`NextActionAt` is the deadline of the wait itself, so a timer ringing early (for an earlier
wait's deadline) and set again changes nothing shown and costs no upsert. From version 10 a
deadline that moves later within a stage waits for the next upsert the sale makes anyway, or
for the sale to wake at the earlier time shown (`Batch.add_later`): an upsert a stage. The
details in the UI (free) change at once; the `state` query is always current.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from sales.lead import Lead
    from sales.quote import Quote
    from sales.stages import LostReason, SalesStage
    from sales.state import SaleState

from workflows import search_attributes as sa
from workflows.alarm import Alarm
from workflows.sale.details import details_of
from workflows.versions import (
    EARLY_PATCHES,
    FILED_BY_EMAIL,
    LATER_DEADLINES_WITH_THE_STAGE,
    LEAN,
    follows,
)

# Added with playbook versions: sales begun before replay without it.
PLAYBOOK_VERSION_PATCH = "playbook-version"


class Visibility:
    """Search attributes and current details of one sale."""

    def __init__(self, state: SaleState, process_version: int | None) -> None:
        self._state = state
        self._process_version = process_version
        self._batch = Batch() if process_version is not None and process_version >= LEAN else None
        # Process version 6: `NextActionAt` is the deadline of what the sale waits for, which
        # changes with the stage (in its upsert) and not when the one timer rings early.
        self._due_shown = process_version is not None and process_version >= FILED_BY_EMAIL
        # Process version 10: a later deadline may wait while the sale wakes by the time shown.
        self._later_waits = (
            process_version is not None and process_version >= LATER_DEADLINES_WITH_THE_STAGE
        )
        self.alarm: Alarm | None = None  # the sale's one timer, once the sale has made it

    def lead(self, lead: Lead, playbook_name: str, playbook_version: str) -> None:
        """Who, where from, whose, which playbook: once, when the sale begins."""
        updates = sa.lead_attribute_updates(lead, playbook_name)
        if follows(self._process_version, EARLY_PATCHES, PLAYBOOK_VERSION_PATCH):
            updates.append(sa.PLAYBOOK_VERSION.value_set(playbook_version))
        self._upsert(*updates)

    def stage(self, stage: SalesStage) -> None:
        if self._batch is not None:
            # A stage passed without a wait (its event came ahead) is still upserted: every
            # stage a sale went through is in its history, for the report's time in stage.
            if self._batch.changes(sa.SALES_STAGE):
                self._batch.flush()
            entered = sa.STAGE_ENTERED_AT.value_set(workflow.now())
            self._upsert(sa.SALES_STAGE.value_set(stage.value), entered)
            if stage.is_final:  # else the alarm's time stands
                self._upsert(sa.NEXT_ACTION_AT.value_unset())
            return
        self._upsert(sa.SALES_STAGE.value_set(stage.value), sa.NEXT_ACTION_AT.value_unset())

    def next_action(self, due: datetime) -> None:
        update = sa.NEXT_ACTION_AT.value_set(due)
        if self._batch is None:
            self._upsert(update)
        elif self._later_waits and self._wakes_before(self._batch, due):
            self._batch.add_later(update)
        elif self._due_shown:
            self._upsert(update)

    def _wakes_before(self, batch: "Batch", due: datetime) -> bool:
        """Whether `due` is later than the `NextActionAt` shown and the sale's timer rings
        by the time shown: the sale looks again by then, so the shown time stays true."""
        shown = batch.shown(sa.NEXT_ACTION_AT)
        alarm = self.alarm
        return (
            shown is not None
            and due > shown
            and alarm is not None
            and alarm.set
            and alarm.at is not None
            and alarm.at <= shown
        )

    def alarm_set_again(self) -> None:
        """The one timer is set anew (version 10): a later deadline kept back goes now."""
        if self._batch is not None:
            self._batch.require(sa.NEXT_ACTION_AT)

    def alarm_set(self, at: datetime) -> None:
        """The sale's one timer rings at `at`: it acts by itself then at the latest."""
        self._upsert(sa.NEXT_ACTION_AT.value_set(at))

    def flush(self) -> None:
        """The changes since the last wait, in one upsert (process version 5)."""
        if self._batch is not None:
            self._batch.flush()

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
        if self._batch is not None:
            self._batch.add(updates)
        else:
            workflow.upsert_search_attributes(list(updates))


class Batch:
    """Search-attribute changes kept for one upsert, without those that change nothing."""

    def __init__(self) -> None:
        self._shown: dict[str, Any] = {
            pair.key.name: pair.value for pair in workflow.info().typed_search_attributes
        }
        self._pending: dict[str, SearchAttributeUpdate[Any]] = {}
        self._later: set[str] = set()  # pending, but not worth an upsert of their own

    def add(self, updates: Iterable[SearchAttributeUpdate[Any]]) -> None:
        for update in updates:
            self._pending[update.key.name] = update
            self._later.discard(update.key.name)

    def add_later(self, update: SearchAttributeUpdate[Any]) -> None:
        """A change that goes with the next upsert made for another, or once `require`d."""
        self._pending[update.key.name] = update
        self._later.add(update.key.name)

    def require(self, key: SearchAttributeKey[Any]) -> None:
        self._later.discard(key.name)

    def shown(self, key: SearchAttributeKey[Any]) -> Any:
        """The value the last upsert (or the start) gave `key`, None if unset."""
        return self._shown.get(key.name)

    def changes(self, key: SearchAttributeKey[Any]) -> bool:
        """Whether a change of `key` waits to be upserted."""
        pending = self._pending.get(key.name)
        return pending is not None and self._shown.get(key.name) != pending.value

    def flush(self) -> None:
        changed = {n: u for n, u in self._pending.items() if self._shown.get(n) != u.value}
        self._later &= changed.keys()
        if not changed.keys() - self._later:
            self._pending = changed  # nothing but what may wait (often nothing at all)
            return
        self._pending.clear()
        self._later.clear()
        workflow.upsert_search_attributes(list(changed.values()))
        for update in changed.values():
            if update.value is None:
                self._shown.pop(update.key.name, None)
            else:
                self._shown[update.key.name] = update.value
