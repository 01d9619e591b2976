"""Stands in for the account in simulations of the sales alone: a won sale's account ends at once.

`simulate(..., accounts=False)` (the default of the function; `playbook simulate
--no-accounts` where the parser offers it) measures the sales only, as the replay
histories and the continue-as-new comparison want. With accounts, the real
`CustomerSupportWorkflow` runs and `simulation.account_driver` moves its clock.
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
