"""Stands in for the support workflow in simulations: a won sale's support ends at once.

The real one checks in on a customer for years; under time skipping it would
skip through them for ever. The simulation is about the sale.
"""

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.support import api


@workflow.defn(name=api.WORKFLOW_TYPE)
class SupportNotSimulated:
    """Accepts the support input and ends: the simulation measures the sale only."""

    @workflow.run
    async def run(self, input: Any) -> None:
        return None
