"""The ops command line against a real dev server: imports, duplicate leads, payload checks."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.workflows.helpers import new_lead, start, wait_for

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Ran:
    """What the command printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str


async def run_starter(env: WorkflowEnvironment, settings: Settings, *args: str) -> Ran:
    """Run `starter.py` as ops would; async, so the test's worker can answer its queries."""
    environment = {
        **os.environ,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "SALESFLOW_TASK_QUEUE": settings.task_queue,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "starter.py",
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


async def test_importing_the_same_csv_twice_starts_each_sale_once(
    env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    csv = tmp_path / "cards.csv"
    tag = settings.task_queue
    csv.write_text(
        "email,first_name,company,country\n"
        f"a-{tag}@rheinstahl.example,Anna,Rheinstahl,DE\n"
        f"b-{tag}@polderpack.example,Jeroen,PolderPack,NL\n"
        "not-a-row-with,too,many,values,here\n"
        f"A-{tag}@RHEINSTAHL.example,Anna again,Rheinstahl,DE\n",
        encoding="utf-8",
    )
    first = await run_starter(env, settings, "import", str(csv), "--source", "convention:test")
    assert "2 started, 0 already had a sale, 2 rows rejected" in first.stderr, (
        first.stdout + first.stderr
    )
    assert "line 4: more values than columns" in first.stderr
    assert "line 5: same lead as line 2" in first.stderr
    assert first.stdout.count("started  sale-") == 2
    assert first.returncode == 1

    second = await run_starter(env, settings, "import", str(csv))
    assert "0 started, 2 already had a sale" in second.stderr, second.stdout + second.stderr


async def test_lead_command_prints_the_workflow_id_and_refuses_a_second_sale(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    email = f"jane-{settings.task_queue}@acme.example"
    first = await run_starter(
        env,
        settings,
        "lead",
        "--email",
        email,
        "--company",
        "Acme",
        "--lead-id",
        f"jane-{settings.task_queue}",
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == f"sale-jane-{settings.task_queue}"
    again = await run_starter(
        env, settings, "lead", "--email", email, "--lead-id", f"jane-{settings.task_queue}"
    )
    assert "already has a sale; nothing started" in again.stderr


async def test_signal_with_a_bad_payload_is_refused_before_anything_is_sent(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    result = await run_starter(
        env,
        settings,
        "signal",
        "nobody",
        "needs_identified",
        "--json",
        '{"summary": "x", "items": []}',
    )
    assert result.returncode == 2
    assert "items: List should have at least 1 item" in result.stderr
    assert result.stdout == ""
    result = await run_starter(
        env,
        settings,
        "signal",
        "nobody",
        "needs_identified",
        "--json",
        '{"summary": "x", "items": [{"sku": "NOPE", "quantity": 1}]}',
    )
    assert "unknown sku NOPE" in result.stderr
    result = await run_starter(env, settings, "signal", "nobody", "contract_sighned")
    assert "unknown event 'contract_sighned'" in result.stderr


async def test_catalog_json_lists_every_sku(env: WorkflowEnvironment, settings: Settings) -> None:
    import json

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
