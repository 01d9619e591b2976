"""Reading and changing the opt-out list: for the activities, the CLI, the gateway, the stack."""

from collections.abc import AsyncIterator

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.service import RPCError, RPCStatusCode

from client.queries import sale_state
from sales.lead import normalise_email
from sales.suppression import Suppress, SuppressionSource, SuppressionStatus, Unsuppress
from workflows.sale import api as sale_api
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
    handle: WorkflowHandle[SuppressionWorkflow, None] = client.get_workflow_handle(
        api.workflow_id(request.address)
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


async def unsubscribe(
    client: Client, workflow_id: str, address: str, *, via: str, task_queue: str
) -> str:
    """An opt-out that came by a sale's unsubscribe link or address; what was done, in words.

    The sale ends (and lists its lead) when the address is the sale's own lead; any other
    sender, or a sale already over, is put on the list directly.
    """
    handle = client.get_workflow_handle(workflow_id)
    lead_email: str | None = None
    try:
        state = await sale_state(handle)
        if not state.stage.is_final:
            lead_email = state.lead.email
    except Exception:  # no such sale, or it is closed: list the address all the same
        lead_email = None
    if lead_email is not None and normalise_email(lead_email) == normalise_email(address):
        await handle.signal(
            sale_api.UNSUBSCRIBED.name, {"address": address, "reason": f"unsubscribed by {via}"}
        )
        return f"{workflow_id} ends: {address} unsubscribed by {via}"
    await suppress(
        client,
        Suppress(
            address=address,
            reason=f"unsubscribed by {via}",
            by=via,
            source=SuppressionSource.UNSUBSCRIBE,
            sale=workflow_id,
        ),
        task_queue,
    )
    return f"{address} put on the opt-out list ({via})"
