"""Reading and changing the opt-out list from a client: the activities, the CLI, the gateway."""

from collections.abc import AsyncIterator

from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from sales.lead import normalise_email
from sales.suppression import Suppress, SuppressionStatus, Unsuppress
from workflows.suppression import api
from workflows.suppression.workflow import SuppressionWorkflow


async def suppress(client: Client, request: Suppress, task_queue: str) -> SuppressionStatus:
    """Put the address on the list, creating its entry on first use."""
    address = normalise_email(request.address)
    start = WithStartWorkflowOperation(
        SuppressionWorkflow.run,
        SuppressionStatus(address=address),
        id=api.workflow_id(address),
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        task_queue=task_queue,
        memo={api.ADDRESS_MEMO: address},
        search_attributes=TypedSearchAttributes([SearchAttributePair(api.SUPPRESSED, True)]),
        static_summary="opt-out list entry",
    )
    status: SuppressionStatus = await client.execute_update_with_start_workflow(
        SuppressionWorkflow.suppress,
        request.model_copy(update={"address": address}),
        start_workflow_operation=start,
    )
    return status


async def unsuppress(client: Client, request: Unsuppress) -> SuppressionStatus:
    """Take the address off the list; LookupError when it was never on it."""
    handle = client.get_workflow_handle_for(
        SuppressionWorkflow.run, api.workflow_id(request.address)
    )
    try:
        status: SuppressionStatus = await handle.execute_update(
            SuppressionWorkflow.unsuppress,
            request.model_copy(update={"address": normalise_email(request.address)}),
        )
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            raise LookupError(f"{request.address} is not on the opt-out list") from None
        raise
    return status


async def status_of(client: Client, address: str) -> SuppressionStatus | None:
    """The address's entry, or None when it never had one."""
    handle = client.get_workflow_handle(api.workflow_id(address))
    try:
        status: SuppressionStatus = await handle.query(
            api.STATUS_QUERY, result_type=SuppressionStatus
        )
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return None
        raise
    return status


async def suppressed_addresses(client: Client) -> AsyncIterator[str]:
    """Every address on the list now, from the search attributes and memo (no worker needed)."""
    query = f'WorkflowType = "{api.WORKFLOW_TYPE}" AND {api.SUPPRESSED.name} = true'
    async for execution in client.list_workflows(query):
        address = await execution.memo_value(api.ADDRESS_MEMO, default=None, type_hint=str)
        if address:
            yield address
