"""The ops command line: start sales, tell them what customers did, watch the pipeline, playbooks.

python starter.py lead --email jane@acme.example --company "Acme" --item NW-SENSOR-100=10 ...
python starter.py import examples/convention-leads.csv
python starter.py signal <lead-or-workflow-id> <event> --payload '{...}'
python starter.py status <lead-or-workflow-id>
python starter.py account <lead-id>
python starter.py list [--stage PROPOSAL | --stage customer] [--playbook quick] [--limit N]
python starter.py report [--playbook P] [--owner O] [--source S] [--since D] [--until D] [--html F]
python starter.py catalog
python starter.py suppress | unsuppress ADDRESS --by WHO --reason WHY; python starter.py suppressed
python starter.py playbook check FILE | show NAME | simulate NAME [--leads N] [--behaviour FILE]

Every command that prints data takes -o json (or --json); see `starter.py COMMAND --help`.
"""

import asyncio
import os
import sys

from rich.markup import escape

from cli import account, events, imports, leads, pipeline, playbooks, report, suppression
from cli.output import Refused, UsageError, err
from cli.parser import parse
from client.connection import connect
from privacy.keys import CodecSettingsError
from sales.catalog import CatalogError
from sales.playbook import PlaybookError
from settings import Settings


async def run(argv: list[str]) -> int:
    args = parse(argv)
    settings = Settings()
    if args.command in ("lead", "import") and args.playbook is None:
        args.playbook = settings.playbook
    if args.command == "catalog":
        return pipeline.cmd_catalog(settings, args)
    if args.command == "playbook":
        if args.verb == "check":
            return playbooks.cmd_check(settings, args)
        if args.verb == "show":
            return playbooks.cmd_show(settings, args)
        from simulation.command import cmd_simulate

        return await cmd_simulate(settings, args)
    if args.command == "signal":
        # Before connecting: bad input sends nothing.
        args.payload = events.read_payload(args.payload)
        events.validate_payload(args.event, args.payload, settings)
    if args.command == "lead":
        leads.lead_from_args(args, settings)
    client = await connect(settings)
    commands = {
        "lead": leads.cmd_lead,
        "restart": leads.cmd_restart,
        "import": imports.cmd_import,
        "signal": events.cmd_signal,
        "status": events.cmd_status,
        "account": account.cmd_account,
        "list": pipeline.cmd_list,
        "report": report.cmd_report,
        "suppress": suppression.cmd_suppress,
        "unsuppress": suppression.cmd_unsuppress,
        "suppressed": suppression.cmd_suppressed,
    }
    return await commands[args.command](client, settings, args)


async def run_command(argv: list[str]) -> int:
    """One command, its errors on stderr: the exit status (tests run commands in-process)."""
    try:
        return await run(argv)
    except Refused as refused:
        err.print(f"[red]refused:[/red] {escape(str(refused))}", soft_wrap=True)
        return 1
    except (UsageError, PlaybookError, CatalogError, CodecSettingsError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        return 2
    except RuntimeError as error:
        if "connect" in str(error).lower():
            err.print(
                f"[red]error:[/red] cannot reach Temporal: {escape(str(error))}", soft_wrap=True
            )
            return 3
        raise


def main(argv: list[str]) -> int:
    return asyncio.run(run_command(argv))


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
