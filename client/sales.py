"""Starting and restarting sales: for the starter, the gateway, the simulation and tests."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import ResetWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from client.connection import codec_on
from sales.lead import Lead
from sales.playbook import Playbook
from sales.stages import SalesStage
from sales.state import SaleOutcome
from workflows import search_attributes as sa
from workflows.sale import api as sale_api
from workflows.sale.api import SaleInput
from workflows.sale.workflow import SaleWorkflow
from workflows.versions import PROCESS_VERSION


@dataclass(frozen=True)
class StartResult:
    """A sale started now, or the sale that already existed for the lead."""

    workflow_id: str
    started: bool


def lead_search_attributes(lead: Lead, playbook: Playbook) -> TypedSearchAttributes:
    """What ops filter by from the first second; the workflow keeps them up to date after."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.SALES_STAGE, SalesStage.QUALIFICATION.value),
            SearchAttributePair(sa.PLAYBOOK_VERSION, playbook.version),
            *sa.lead_attributes(lead, playbook.name),
        ]
    )


def sale_summary(lead: Lead, *, private: bool = False) -> str:
    """The static summary in the Temporal UI's workflow list: who, but not their address.

    `private` (the codec is on): the company only, neither the person's name nor the
    address's domain (a personal domain can be a name).
    """
    source = f", {lead.source}" if lead.source else ""
    if private:
        return (lead.company or "no company given") + source
    who = lead.company or lead.email_domain
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
    return who + (f": {name}" if name else "") + source


async def start_sale(
    client: Client,
    lead: Lead,
    playbook: Playbook,
    task_queue: str,
    *,
    history_limit: int | None = None,
    start_delay: timedelta | None = None,
) -> StartResult:
    """Start `sale-<lead_id>` unless that lead already has a sale, running or finished.

    `history_limit`: events in a run before it continues as new (tests make it small);
    `start_delay`: the sale begins that much later (tests start one at a chosen hour)."""
    sale = SaleInput(lead=lead, playbook=playbook, process_version=PROCESS_VERSION)
    if history_limit is not None:
        sale.history_limit = history_limit
    try:
        handle = await _start(
            client,
            sale,
            task_queue,
            WorkflowIDReusePolicy.REJECT_DUPLICATE,
            start_delay=start_delay,
        )
    except WorkflowAlreadyStartedError:
        return StartResult(workflow_id=sale_api.workflow_id(lead.lead_id), started=False)
    return StartResult(workflow_id=handle.id, started=True)


# A run that ended this way did not end the sale: it may be started again for the same lead.
RESTARTABLE = frozenset(
    {
        WorkflowExecutionStatus.FAILED,
        WorkflowExecutionStatus.TERMINATED,
        WorkflowExecutionStatus.CANCELED,
        WorkflowExecutionStatus.TIMED_OUT,
    }
)


class NotRestartable(Exception):
    """The sale is running or ended as a sale does (won or lost): nothing to restart."""


@dataclass(frozen=True)
class Restarted:
    """A new run of a failed or terminated sale, linked to the run it replaces."""

    workflow_id: str
    run_id: str
    previous_run_id: str
    previous_status: str
    fresh: bool


async def restart_sale(
    client: Client, workflow_id: str, task_queue: str, *, fresh: bool = False
) -> Restarted:
    """Run `workflow_id` again after its last run failed or was terminated.

    Where it stood: a Temporal reset to the run's last completed workflow task, so the
    new run keeps every email, timer and event of the old one (none sent twice) and runs
    that task's code again, fixed by then; the UI links the two runs. `fresh`, or a run
    that never completed a task: a new run from the last run's input (the lead, the
    playbook it started with), the old run named in its state, memo and details.
    """
    handle = client.get_workflow_handle(workflow_id)
    described = await handle.describe()
    status = described.status
    if status not in RESTARTABLE:
        word = status.name.lower() if status else "unknown"
        why = "is still running" if status is WorkflowExecutionStatus.RUNNING else f"is {word}"
        raise NotRestartable(f"{workflow_id} {why}; only a failed or terminated sale restarts")
    assert status is not None
    previous, word = described.run_id, status.name.lower()
    started: HistoryEvent | None = None
    last_task: int | None = None
    async for event in handle.fetch_history_events():
        started = started or event
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            last_task = event.event_id
    if not fresh and last_task is not None:
        reset = await client.workflow_service.reset_workflow_execution(
            ResetWorkflowExecutionRequest(
                namespace=client.namespace,
                workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=previous),
                reason=f"restarted with starter.py: the run was {word}",
                workflow_task_finish_event_id=last_task,
                request_id=str(uuid.uuid4()),
                identity=client.identity,
            )
        )
        return Restarted(workflow_id, reset.run_id, previous, word, fresh=False)
    assert started is not None
    payloads = started.workflow_execution_started_event_attributes.input.payloads
    [last] = await client.data_converter.decode(payloads, [SaleInput])
    sale = SaleInput(
        lead=last.lead,
        playbook=last.playbook,
        history_limit=last.history_limit,
        restarted_from=previous,
    )
    new = await _start(
        client,
        sale,
        task_queue,
        WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        memo={"restarted_from": {"run_id": previous, "status": word}},
        details=f"; started afresh after run `{previous}` was {word}",
    )
    assert new.result_run_id is not None
    return Restarted(workflow_id, new.result_run_id, previous, word, fresh=True)


async def _start(
    client: Client,
    sale: SaleInput,
    task_queue: str,
    id_reuse: WorkflowIDReusePolicy,
    *,
    memo: dict[str, object] | None = None,
    details: str = "",
    start_delay: timedelta | None = None,
) -> WorkflowHandle[SaleWorkflow, SaleOutcome]:
    """Start `sale-<lead_id>` with what ops filter by and see in the UI from its first second."""
    lead, playbook = sale.lead, sale.playbook
    return await client.start_workflow(
        SaleWorkflow.run,
        sale,
        id=sale_api.workflow_id(lead.lead_id),
        task_queue=task_queue,
        id_reuse_policy=id_reuse,
        search_attributes=lead_search_attributes(lead, playbook),
        memo=memo,
        static_summary=sale_summary(lead, private=codec_on(client)),
        static_details=f"Playbook `{playbook.name}`; owner {lead.owner or 'unassigned'}{details}",
        start_delay=start_delay,
    )
