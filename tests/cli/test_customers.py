"""A won sale's account is where ops look for customers: `starter.py list --stage customer`
and the Temporal CLI's `SalesStage='CUSTOMER'`, on the real dev server and worker."""

import asyncio
import json
import subprocess

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.services import temporal_binary
from sales.items import ItemOfInterest
from sales.stages import SalesStage
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import new_lead, playbook_named, start, wait_for, wait_for_support
from workflows.support import api as support_api


@pytest.mark.timeout(120)
async def test_a_won_sales_account_is_listed_as_a_customer_by_our_cli_and_temporals(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead(items=[ItemOfInterest(sku="NW-SENSOR-100", quantity=4)])
    handle = await start(env.client, settings, lead, playbook_named("quick"))
    await wait_for(handle, lambda s: bool(s.quotes), "quote sent")
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await handle.signal("order_placed", {"order_number": "WEB-4711"})
    assert (await handle.result()).stage == SalesStage.WON
    account_id = support_api.workflow_id(lead.lead_id)
    support = env.client.get_workflow_handle(account_id)
    await wait_for_support(support, lambda s: bool(s.emails), "account welcomed")

    rows: list[dict[str, object]] = []
    for _ in range(100):  # visibility follows the workflow by a moment
        ran = await run_starter(env, settings, "list", "--stage", "customer", "--json")
        assert ran.returncode == 0, ran.stderr
        rows = [row for row in json.loads(ran.stdout) if row["workflow_id"] == account_id]
        if rows and rows[0]["health"]:
            break
        await asyncio.sleep(0.1)
    (row,) = rows
    assert (row["stage"], row["playbook"], row["health"]) == ("CUSTOMER", "quick", "good")
    assert row["deal_value"] == 596.0  # 4 x 149.00, the first order's value

    listed = await asyncio.to_thread(
        subprocess.run,
        [
            str(temporal_binary()),
            "workflow",
            "list",
            "--address",
            env.client.service_client.config.target_host,
            "--query",
            f"SalesStage='CUSTOMER' AND WorkflowId='{account_id}'",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert listed.returncode == 0, listed.stderr
    (found,) = json.loads(listed.stdout)
    assert found["execution"]["workflowId"] == account_id
    assert found["type"]["name"] == support_api.WORKFLOW_TYPE
