"""Connecting to Temporal and starting sales: shared by the worker, the starter and tests."""

from dataclasses import dataclass

from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.exceptions import WorkflowAlreadyStartedError

from sales.lead import Lead
from sales.playbook import Playbook
from sales.requests import SaleInput
from sales.stages import SalesStage
from sales.state import SaleOutcome
from settings import Settings
from workflows import search_attributes as sa
from workflows.sale import api as sale_api
from workflows.sale.workflow import SaleWorkflow


async def connect(settings: Settings) -> Client:
    """A client from `TEMPORAL_*` variables / the envconfig file, else the embedded server."""
    config = ClientConfig.load_client_connect_config()
    config.setdefault("target_host", settings.temporal_address)
    return await Client.connect(**config, data_converter=pydantic_data_converter)


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


def sale_summary(lead: Lead) -> str:
    """The static summary in the Temporal UI's workflow list: who, but not their address."""
    who = lead.company or lead.email_domain
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part)
    return who + (f": {name}" if name else "") + (f", {lead.source}" if lead.source else "")


async def start_sale(
    client: Client, lead: Lead, playbook: Playbook, task_queue: str
) -> StartResult:
    """Start `sale-<lead_id>` unless that lead already has a sale, running or finished."""
    try:
        handle: WorkflowHandle[SaleWorkflow, SaleOutcome] = await client.start_workflow(
            SaleWorkflow.run,
            SaleInput(lead=lead, playbook=playbook),
            id=sale_api.workflow_id(lead.lead_id),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=lead_search_attributes(lead, playbook),
            static_summary=sale_summary(lead),
            static_details=f"Playbook `{playbook.name}`; owner {lead.owner or 'unassigned'}",
        )
    except WorkflowAlreadyStartedError:
        return StartResult(workflow_id=sale_api.workflow_id(lead.lead_id), started=False)
    return StartResult(workflow_id=handle.id, started=True)
