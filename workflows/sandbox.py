"""The workflow sandbox every worker and replayer of ours runs: the contract's models pass through.

The sandbox imports a workflow's modules afresh for each run, so a module of pydantic models
or dataclasses rebuilds its classes for every sale, continue-as-new included. The modules below
hold only models, names and pure helpers, the same for every run, so they are imported once per
worker.
"""

from dataclasses import dataclass

from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = (
    "workflows.messages",
    "workflows.search_attributes",
    "workflows.versions",
    "workflows.sale.api",
    "workflows.sale.snapshot",
    "workflows.sale.legacy",
    "workflows.support.api",
    "workflows.received",
    "workflows.sale.contract_versions",
)


# The workflow classes this process has checked in the sandbox (with PASSED_THROUGH).
_checked: set[type] = set()


@dataclass(frozen=True)
class SalesSandbox(SandboxedWorkflowRunner):
    """The SDK's sandbox, checking each workflow class once per process: every `Worker` built
    checks its workflows by running one in the sandbox, and a process may build many (the
    simulation builds one per run, the tests one per test)."""

    def prepare_workflow(self, defn: workflow._Definition) -> None:
        if defn.cls not in _checked:
            super().prepare_workflow(defn)
            _checked.add(defn.cls)


def workflow_runner() -> SalesSandbox:
    """The default sandbox with our model modules passed through."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    return SalesSandbox(restrictions=restrictions)
