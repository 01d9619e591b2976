"""Watching the pipeline from the command line: the catalog, sales by stage, one sale's state."""

import asyncio
import json

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import new_lead, start, wait_for


async def test_catalog_json_lists_every_sku(env: WorkflowEnvironment, settings: Settings) -> None:
    result = await run_starter(env, settings, "catalog", "--json")
    skus = [p["sku"] for p in json.loads(result.stdout)]
    assert "NW-SENSOR-100" in skus and len(skus) == 5


async def test_list_and_status_show_the_stage_from_search_attributes_and_the_query(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead(company=f"Listed {settings.task_queue}")
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await handle.signal("mark_lost", {"reason": "competitor", "notes": "chose a rival"})
    await handle.result()

    query = f'SalesStage = "LOST" AND LostReason = "competitor" AND LeadCompany = "{lead.company}"'
    for _ in range(100):  # visibility is eventually consistent
        if [w.id async for w in env.client.list_workflows(query)]:
            break
        await asyncio.sleep(0.1)
    listed = await run_starter(env, settings, "list", "--stage", "lost")
    assert handle.id in listed.stdout, listed.stdout + listed.stderr
    status = await run_starter(env, settings, "status", lead.lead_id)
    assert "stage: LOST (competitor)" in status.stdout
    assert "email intro" in status.stdout
