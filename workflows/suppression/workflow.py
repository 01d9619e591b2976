"""SuppressionWorkflow: one address's standing on the opt-out list, for as long as it matters.

An entity workflow: it runs until terminated, outliving the namespace's retention
of the sales that put the address there; it continues as new before its history
grows long.
"""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.suppression import (
        Suppress,
        SuppressionChange,
        SuppressionSource,
        SuppressionStatus,
        Unsuppress,
    )

from workflows.suppression import api

HISTORY_LIMIT = 2_000


@workflow.defn(name=api.WORKFLOW_TYPE)
class SuppressionWorkflow:
    """Holds whether an address may be emailed, with who changed that, when and why."""

    @workflow.init
    def __init__(self, status: SuppressionStatus) -> None:
        self._status = status
        self._changed = False

    @workflow.query(name=api.STATUS_QUERY)
    def status(self) -> SuppressionStatus:
        return self._status

    @workflow.update(name=api.SUPPRESS)
    def suppress(self, request: Suppress) -> SuppressionStatus:
        """Onto the list; a repeat keeps the first opt-out and records nothing new."""
        if not self._status.suppressed:
            self._record(True, request.by, request.reason, request.source, request.sale)
        return self._status

    @workflow.update(name=api.UNSUPPRESS)
    def unsuppress(self, request: Unsuppress) -> SuppressionStatus:
        """Off the list, on someone's explicit word."""
        self._record(False, request.by, request.reason, SuppressionSource.OPS, None)
        return self._status

    @unsuppress.validator
    def _only_if_suppressed(self, request: Unsuppress) -> None:
        if not self._status.suppressed:
            raise ApplicationError(f"{request.address} is not on the opt-out list")

    def _record(
        self, suppressed: bool, by: str, reason: str, source: SuppressionSource, sale: str | None
    ) -> None:
        self._status.suppressed = suppressed
        self._status.changes.append(
            SuppressionChange(
                suppressed=suppressed, by=by, reason=reason, source=source, sale=sale,
                at=workflow.now(),
            )
        )  # fmt: skip
        self._changed = True

    @workflow.run
    async def run(self, status: SuppressionStatus) -> None:
        """Waits for changes for ever; continues as new before the history grows long."""
        while True:
            await workflow.wait_condition(lambda: self._changed)
            self._changed = False
            workflow.upsert_search_attributes([api.SUPPRESSED.value_set(self._status.suppressed)])
            info = workflow.info()
            if (
                info.is_continue_as_new_suggested()
                or info.get_current_history_length() > HISTORY_LIMIT
            ):
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._status)
