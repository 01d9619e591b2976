"""Starting sales from the command line against a real dev server: leads, imports, the pipeline."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.cli.starter import ROOT, run_starter
from tests.workflows.helpers import is_night, wait_for, zone_where


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
    summary = "2 started, 0 already had a sale, 1 duplicates in the file, 1 rows rejected"
    assert summary in first.stderr, first.stdout + first.stderr
    report = (tmp_path / "cards.csv.errors.csv").read_text(encoding="utf-8").splitlines()
    assert report[0] == "line,reason,email,first_name,company,country"
    assert report[1].startswith("4,more values than columns,not-a-row-with,too,")
    assert report[2].startswith("5,same lead as line 2 (")
    assert first.stdout.count("started\tsale-") == 2
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


async def test_lead_with_items_on_the_quick_playbook_gets_its_quote_at_once(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    email = f"shop-{settings.task_queue}@werkstatt.example"
    result = await run_starter(
        env, settings, "lead", "--email", email, "--company", "Werkstatt", "--country",
        "Deutschland", "--playbook", "quick", "--item", "NW-SENSOR-100=4", "--item", "nw-manual=2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    workflow_id = result.stdout.strip()
    assert "started a quick sale" in result.stderr
    handle = env.client.get_workflow_handle(workflow_id)
    state = await wait_for(handle, lambda s: len(s.emails) == 1, "quote sent")
    assert state.emails[0].step == "proposal_v1"
    assert state.lead.country == "DE"
    assert [(line.sku, line.quantity) for line in state.quotes[0].lines] == [
        ("NW-SENSOR-100", 4),
        ("NW-MANUAL", 2),
    ]


@pytest.mark.parametrize("intro_now", [True, False], ids=["intro-now", "intro-held"])
async def test_intro_now_sends_the_intro_as_the_sale_begins_where_it_is_night(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, intro_now: bool
) -> None:
    zone = zone_where(is_night, datetime.now(UTC))
    assert zone is not None  # 27 zones an hour apart: one is between 01:00 and 05:59
    email = f"night-{intro_now}-{settings.task_queue}@acme.example"
    flag = ["--intro-now"] if intro_now else []
    result = await run_starter(
        env, settings, "lead", "--email", email, "--company", "Acme", "--country", "FR",
        "--timezone", zone, *flag,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    handle = env.client.get_workflow_handle(result.stdout.strip())
    state = await wait_for(handle, lambda s: s.next_action is not None, "the sale waits")
    assert state.next_action is not None
    if intro_now:
        assert [e.step for e in state.emails] == ["intro"]
        assert state.next_action.description == "await a reply; follow-up 1 after the wait"
    else:
        assert state.emails == []
        assert state.next_action.description.startswith("intro scheduled ")
        assert state.next_action.description.endswith(f" 09:00 {zone}")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--item", "NW-NOPE=1"], "--item: unknown sku NW-NOPE (see `starter.py catalog`)"),
        (["--item", "NW-SENSOR-100"], "is not SKU=QUANTITY"),
        (["--item", "NW-SENSOR-100=lots"], "quantity 'lots' is not a whole number"),
        (["--country", "Atlantis"], "country: unknown country 'Atlantis'"),
    ],
)
async def test_a_bad_lead_is_refused_before_anything_starts(
    env: WorkflowEnvironment, settings: Settings, args: list[str], expected: str
) -> None:
    result = await run_starter(env, settings, "lead", "--email", "x@y.example", *args)
    assert result.returncode == 2
    assert expected in " ".join(result.stderr.split())
    assert result.stdout == ""


async def test_import_takes_the_playbook_and_items_of_each_row(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    tag = settings.task_queue
    csv = tmp_path / "cards.csv"
    csv.write_text(
        "email,company,title,country,playbook,items\n"
        f"a-{tag}@shop.example,Shop,Owner,Österreich,quick,NW-MANUAL=3\n"
        f"b-{tag}@big.example,Big AG,Head of Operations,DE,enterprise,\n"
        f"c-{tag}@x.example,X,Owner,DE,quick,NW-NOPE=1\n"
        f"d-{tag}@y.example,Y,Owner,DE,nonsense,\n",
        encoding="utf-8",
    )
    result = await run_starter(env, settings, "import", str(csv))
    assert result.returncode == 1
    assert "2 started, 0 already had a sale, 0 duplicates in the file, 2 rows rejected" in (
        result.stderr
    )
    report = (tmp_path / "cards.csv.errors.csv").read_text(encoding="utf-8")
    assert "4,items: unknown sku NW-NOPE," in report
    assert "5,\"playbook: no playbook 'nonsense'" in report
    # Rows start eight at a time, so in any order: one line per started row.
    started = {words[2]: words for words in (line.split() for line in result.stdout.splitlines())}
    assert sorted(started) == ["enterprise", "quick"]
    assert {words[0] for words in started.values()} == {"started"}
    quick = env.client.get_workflow_handle(started["quick"][1])
    state = await wait_for(quick, lambda s: len(s.emails) == 1, "quick quote")
    assert state.lead.country == "AT" and state.playbook == "quick"


def test_the_example_cards_start_sales_on_four_playbooks() -> None:
    from sales.leads_csv import parse_leads

    parsed = parse_leads((ROOT / "examples" / "convention-leads.csv").read_text("utf-8"))
    assert parsed.errors == []
    assert {row.playbook or "default" for row in parsed.rows} == {
        "default",
        "enterprise",
        "quick",
        "public-sector",
    }


async def test_a_lead_no_email_can_reach_is_refused_before_anything_starts(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    for address, why in (
        ("juan@", "There must be something after the @-sign."),
        ("lucia at empresa.es", "An email address must have an @-sign."),
    ):
        ran = await run_starter(env, settings, "lead", "--email", address, "--company", "X")
        assert ran.returncode == 2, ran.stderr
        assert f"lead: email: {address!r} cannot be mailed: {why}" in ran.stderr
        assert ran.stdout == ""


async def test_a_company_written_on_two_lines_is_flattened_and_the_result_says_so(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    email = f"marta-{settings.task_queue}@ruiz.example"
    ran = await run_starter(
        env, settings, "lead", "--email", email, "--company", "Ruiz Ingeniería\r\nS.L.", "--json"
    )
    assert ran.returncode == 0, ran.stderr
    assert "note: company: line breaks flattened to one line" in ran.stderr
    started = json.loads(ran.stdout)
    assert started["flattened"] == ["company"]
    handle = env.client.get_workflow_handle(started["workflow_id"])
    state = await wait_for(handle, lambda s: bool(s.timeline), "the sale's state")
    assert state.lead.company == "Ruiz Ingeniería S.L."
