"""The conventions scripts rely on, for every command: results on stdout and nothing else
there, errors on stderr, documented exit statuses, JSON wherever data is printed, plain
columns in pipes."""

import argparse
import json
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cli.parser import parser
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import new_lead, start, wait_for
from workflows.sale import api as sale_api
from workflows.support import api as support_api

BOX = set("─│┃━┏┓┗┛╭╮╰╯┌┐└┘")


def every_command(root: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command (and playbook verb) by its words, e.g. `playbook check`."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = every_command(sub)
                if nested:
                    found.update({f"{name} {verb}": p for verb, p in nested.items()})
                else:
                    found[name] = sub
    return found


COMMANDS = every_command(parser())


def test_every_command_documents_its_exit_statuses_and_every_option_says_what_it_is_for() -> None:
    assert len(COMMANDS) == 15
    for name, command in COMMANDS.items():
        assert command.epilog and "exit status: 0 done" in command.epilog, name
        assert "2 bad input" in command.epilog and "3 Temporal" in command.epilog, name
        for action in command._actions:
            assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


def test_every_command_that_prints_data_takes_o_json_and_json() -> None:
    for name, command in COMMANDS.items():
        options = {o for action in command._actions for o in action.option_strings}
        assert {"-o", "--json"} <= options, name


async def test_signal_help_lists_every_event_on_stdout() -> None:
    helped = await run_starter(None, None, "signal", "--help")
    assert helped.returncode == 0
    text = " ".join(helped.stdout.split())
    for event in [*sale_api.MESSAGES.names(), *support_api.MESSAGES.names()]:
        assert event in text, event
    assert "exit status: 0 done" in text


@pytest.mark.parametrize(
    "args",
    [
        ["catalog"],
        ["playbook", "show", "quick"],
        ["playbook", "check", "playbooks/enterprise.toml"],
        ["suppressed"],
        ["list"],
        ["report"],
    ],
    ids=lambda args: " ".join(args),
)
async def test_data_commands_print_json_on_stdout_and_only_json(
    env: WorkflowEnvironment, settings: Settings, args: list[str]
) -> None:
    for form in (["--json"], ["-o", "json"]):
        ran = await run_starter(env, settings, *args, *form)
        assert ran.returncode == 0, ran.stderr
        json.loads(ran.stdout)  # nothing but the JSON
    root = await run_starter(env, settings, "-o", "json", *args)
    json.loads(root.stdout)


async def test_piped_tables_are_plain_tab_separated_columns(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    for args in (["catalog"], ["list"], ["report"]):
        ran = await run_starter(env, settings, *args)
        assert ran.returncode == 0, ran.stderr
        assert not BOX & set(ran.stdout), f"{args}: box drawing in a pipe:\n{ran.stdout}"
        header = ran.stdout.splitlines()[0].split("\t")
        assert len(header) > 3, header
    catalog = await run_starter(env, settings, "catalog")
    rows = [line.split("\t") for line in catalog.stdout.splitlines()]
    assert rows[0] == ["sku", "name", "unit", "tax", "dual use", "prices"]
    assert len({len(row) for row in rows}) == 1 and len(rows) == 6


async def test_a_sale_from_start_to_opt_out_in_json_for_a_script(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    started = await run_starter(
        env, settings, "lead", "--email", lead.email, "--company", "Scripted B.V.", "--json"
    )
    assert started.returncode == 0, started.stderr
    sale = json.loads(started.stdout)
    assert sale == {
        "workflow_id": f"sale-{lead.lead_id}",
        "lead_id": lead.lead_id,
        "playbook": "default",
        "started": True,
        "flattened": [],
    }
    assert "started a default sale" in started.stderr
    handle = env.client.get_workflow_handle(sale["workflow_id"])
    # The shipped playbook waits for the lead's office hours to email; the sale is in CONTACT.
    await wait_for(handle, lambda s: s.stage == "CONTACT", "contact")

    again = await run_starter(env, settings, "lead", "--email", lead.email, "-o", "json")
    assert json.loads(again.stdout)["started"] is False

    kept = await run_starter(
        env, settings, "signal", lead.lead_id, "discount_approved",
        "--payload", '{"approver": "x"}', "--json",
    )  # fmt: skip
    assert json.loads(kept.stdout) == {
        "workflow_id": sale["workflow_id"],
        "event": "discount_approved",
        "accepted": True,
        "status": "kept",
        "detail": "kept until the sale reaches proposal",
    }
    sent = await run_starter(env, settings, "signal", lead.lead_id, "interest_expressed", "--json")
    assert json.loads(sent.stdout) == {
        "workflow_id": sale["workflow_id"], "event": "interest_expressed", "sent": True
    }  # fmt: skip
    status = await run_starter(env, settings, "status", lead.lead_id, "-o", "json")
    assert json.loads(status.stdout)["lead"]["company"] == "Scripted B.V."

    off = await run_starter(
        env, settings, "suppress", lead.email.upper(), "--by", "ops", "--reason", "asked", "--json"
    )
    assert off.returncode == 0, off.stderr
    listed = json.loads(off.stdout)
    assert (listed["address"], listed["suppressed"]) == (lead.email, True)
    on = await run_starter(
        env, settings, "unsuppress", lead.email, "--by", "ops", "--reason", "back", "--json"
    )
    assert json.loads(on.stdout)["suppressed"] is False


async def test_an_import_in_json_says_what_happened_to_every_row(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    lead = new_lead()
    rows = f"email;company\n{lead.email};Rows B.V.\n;No Address B.V.\n{lead.email};Again\n"
    ran = await run_starter(
        env, settings, "import", "-", "--json", stdin=rows.encode(), cwd=tmp_path
    )
    assert ran.returncode == 1  # a row was rejected
    result = json.loads(ran.stdout)
    assert (result["started"], result["duplicates"], result["rejected"]) == (1, 1, 1)
    assert [(row["line"], row["outcome"]) for row in result["rows"]] == [
        (2, "started"), (3, "rejected"), (4, "duplicate"),
    ]  # fmt: skip
    assert "email" in result["rows"][1]["reason"]
    assert result["error_report"] == "import.errors.csv"
    assert "1 started, 0 already had a sale, 1 duplicates in the file, 1 rows rejected" in (
        ran.stderr
    )
    assert "No Address B.V." in (tmp_path / "import.errors.csv").read_text()


async def test_errors_go_to_stderr_with_their_exit_status_and_nothing_on_stdout(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    # In this process, and (the statuses and streams of `starter.py` itself) in its own.
    cases = [
        (["signal", "x", "contract_sighned"], 2, "unknown event 'contract_sighned'"),
        (["signal", "x", "mark_lost", "--payload", "{"], 2, "--payload is not valid JSON"),
        (["lead", "--email", "a@b.example", "--company", "C" * 300], 2, "company"),
        (["report", "--until", "tomorrow"], 2, "--until: 'tomorrow' is not a date"),
        (["list", "--stage", "nowhere"], 2, "invalid choice: 'nowhere'"),
        (["status", "nobody-at-all"], 2, "sale-nobody-at-all"),
        (["account", "nobody-at-all"], 2, "no account for lead nobody-at-all"),
        (["playbook", "show", "nope"], 2, "nope"),
    ]
    for args, status, message in cases:
        ran = await run_starter(env, settings, *args, "--json")
        assert (ran.returncode, ran.stdout) == (status, ""), f"{args}: {ran!r}"
        assert message in ran.stderr, f"{args}: {ran.stderr!r}"
    usage = await run_starter(env, settings, "frobnicate", own_process=True)
    refused = await run_starter(env, settings, "status", "nobody-at-all", own_process=True)
    assert (refused.returncode, refused.stdout) == (2, "") and "sale-nobody" in refused.stderr
    assert usage.returncode == 2 and "invalid choice: 'frobnicate'" in usage.stderr

    # A playbook with problems: the problems on stderr, the verdict as data on stdout.
    broken = await run_starter(
        env, settings, "playbook", "check", "catalog/products.toml", "--json", own_process=True
    )
    assert broken.returncode == 1
    assert "error:" in broken.stderr
    verdict = json.loads(broken.stdout)
    assert verdict["ok"] is False and verdict["problems"]
    unreachable = await run_starter(
        None, settings, "list", environ={"TEMPORAL_ADDRESS": "127.0.0.1:1"}, own_process=True
    )
    assert unreachable.returncode == 3
    assert "cannot reach Temporal" in unreachable.stderr and unreachable.stdout == ""


async def test_list_reads_every_page_and_a_limit_says_it_stopped(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    company = f"Paged {settings.task_queue}"
    handles = [await start(env.client, settings, new_lead(company=company)) for _ in range(3)]
    for handle in handles:
        await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    every = await run_starter(env, settings, "list", "--stage", "contact", "--json")
    ids = {row["workflow_id"] for row in json.loads(every.stdout)}
    assert {h.id for h in handles} <= ids
    cut = await run_starter(env, settings, "list", "--stage", "contact", "--limit", "2")
    assert len(cut.stdout.splitlines()) == 3  # the header and two sales
    assert "stopped after 2 sales; more match" in cut.stderr
