"""The ops command line against a real dev server: imports, duplicate leads, payload checks."""

import os
import subprocess
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def run_starter(
    env: WorkflowEnvironment, settings: Settings, *args: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "SALESFLOW_TASK_QUEUE": settings.task_queue,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "starter.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


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
    first = run_starter(env, settings, "import", str(csv), "--source", "convention:test")
    assert "2 started, 0 already had a sale, 2 rows rejected" in first.stdout, (
        first.stdout + first.stderr
    )
    assert "line 4: more values than columns" in first.stdout
    assert "line 5: same lead as line 2" in first.stdout
    assert first.returncode == 1

    second = run_starter(env, settings, "import", str(csv))
    assert "0 started, 2 already had a sale" in second.stdout, second.stdout + second.stderr


async def test_lead_command_prints_the_workflow_id_and_refuses_a_second_sale(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    email = f"jane-{settings.task_queue}@acme.example"
    first = run_starter(
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
    again = run_starter(
        env, settings, "lead", "--email", email, "--lead-id", f"jane-{settings.task_queue}"
    )
    assert "already has a sale; nothing started" in again.stdout


def test_signal_with_a_bad_payload_is_refused_before_anything_is_sent(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    result = run_starter(
        env,
        settings,
        "signal",
        "nobody",
        "needs_identified",
        "--json",
        '{"summary": "x", "items": []}',
    )
    assert result.returncode == 2
    assert "items: List should have at least 1 item" in result.stdout
    result = run_starter(
        env,
        settings,
        "signal",
        "nobody",
        "needs_identified",
        "--json",
        '{"summary": "x", "items": [{"sku": "NOPE", "quantity": 1}]}',
    )
    assert "unknown sku NOPE" in result.stdout
    result = run_starter(env, settings, "signal", "nobody", "contract_sighned")
    assert "unknown event 'contract_sighned'" in result.stdout


def test_catalog_json_lists_every_sku(env: WorkflowEnvironment, settings: Settings) -> None:
    import json

    result = run_starter(env, settings, "catalog", "--json")
    skus = [p["sku"] for p in json.loads(result.stdout)]
    assert "NW-SENSOR-100" in skus and len(skus) == 5
