"""A sale terminated by mistake shows so in `list`, and `starter.py restart` runs it again for
the same lead: where it stood (nothing sent twice) or afresh; a running sale is refused."""

import json
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from sales.state import SaleOutcome
from settings import Settings
from tests.cli.starter import run_starter
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import drive_to_proposal, new_lead, sent, start, wait_for
from workflows.sale import api


async def listed(env: WorkflowEnvironment, settings: Settings, workflow_id: str) -> dict[str, Any]:
    ran = await run_starter(env, settings, "list", "--json", "--playbook", "default")
    assert ran.returncode == 0, ran.stderr
    rows: list[dict[str, Any]] = json.loads(ran.stdout)
    return next(row for row in rows if row["workflow_id"] == workflow_id)


async def test_a_terminated_sale_shows_so_and_restarts_where_it_stood(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    before = sent(await drive_to_proposal(handle))
    first_run = (await handle.describe()).run_id
    await handle.terminate("terminated by mistake")

    row = await listed(env, settings, handle.id)
    assert (row["status"], row["stage"]) == ("terminated", SalesStage.PROPOSAL.value)

    ran = await run_starter(env, settings, "restart", lead.lead_id, "--json")
    assert ran.returncode == 0, ran.stderr
    answer = json.loads(ran.stdout)
    assert answer["restarted_from"] == first_run and answer["previous_status"] == "terminated"
    assert not answer["fresh"] and answer["run_id"] != first_run
    assert "where it stood" in ran.stderr

    latest = env.client.get_workflow_handle(handle.id, result_type=SaleOutcome)
    state = await wait_for(latest, lambda s: s.stage is SalesStage.PROPOSAL, "proposal again")
    assert sent(state) == before  # kept from the old run, not sent again
    assert (await latest.describe()).run_id == answer["run_id"]
    assert (await listed(env, settings, handle.id))["status"] == "running"

    await latest.signal(api.PROPOSAL_ACCEPTED.name, {"accepted_by": "Jeroen de Vries"})
    state = await wait_for(latest, lambda s: "contract_v1" in sent(s), "contract sent")
    steps = smtp.inbox.steps(lead.email)
    assert all(steps.count(step) == 1 for step in before), steps


async def test_restart_afresh_names_the_run_it_replaces(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: "intro" in sent(s), "intro sent")
    first_run = (await handle.describe()).run_id
    await handle.terminate("the playbook was wrong")

    ran = await run_starter(env, settings, "restart", handle.id, "--fresh", "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["fresh"] is True
    latest = env.client.get_workflow_handle(handle.id, result_type=SaleOutcome)
    state = await wait_for(latest, lambda s: "intro" in sent(s), "intro of the new run")
    assert state.restarted_from == first_run
    described = await latest.describe()
    assert described.status is WorkflowExecutionStatus.RUNNING
    memo = await described.memo_value("restarted_from")
    assert memo == {"run_id": first_run, "status": "terminated"}


async def test_a_running_sale_is_not_restarted(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: "intro" in sent(s), "intro sent")
    ran = await run_starter(env, settings, "restart", lead.lead_id)
    assert ran.returncode == 1
    assert f"refused: {handle.id} is still running" in ran.stderr
    missing = await run_starter(env, settings, "restart", "no-such-lead-123")
    assert missing.returncode == 2 and "no such sale" in missing.stderr
