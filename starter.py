"""The ops command line: start sales, tell them what customers did, watch the pipeline, playbooks.

python starter.py lead --email jane@acme.example --company "Acme" --item NW-SENSOR-100=10 ...
python starter.py import examples/convention-leads.csv
python starter.py signal <lead-or-workflow-id> <event> --json '{...}'
python starter.py status <lead-or-workflow-id>
python starter.py list [--stage PROPOSAL] [--playbook quick]
python starter.py catalog [--json]
python starter.py suppress | unsuppress ADDRESS --by WHO --reason WHY; python starter.py suppressed
python starter.py playbook check FILE | show NAME | simulate NAME [--leads N] [--behaviour FILE]
"""

import argparse
import asyncio
import os
import sys

from rich.markup import escape

from cli import events, imports, leads, pipeline, playbooks, suppression
from cli.output import Refused, UsageError, err
from sales.catalog import CatalogError
from sales.playbook import PlaybookError
from sales.stages import SalesStage
from settings import Settings
from temporal_client import connect
from workflows.sale import api as sale_api
from workflows.support import api as support_api

EXIT_STATUSES = """exit status: 0 done; 1 refused by the sale, rows rejected, or a playbook with
problems; 2 bad input (nothing was sent); 3 Temporal or a worker could not be reached."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="starter.py",
        description=__doc__.splitlines()[0] if __doc__ else None,
        epilog=EXIT_STATUSES,
    )
    commands = root.add_subparsers(dest="command", required=True)

    lead = commands.add_parser("lead", help="start a sale for one lead", epilog=EXIT_STATUSES)
    lead.add_argument("--email", required=True, help="the lead's address; derives the lead id")
    for field in leads.LEAD_FIELDS:
        lead.add_argument(f"--{field.replace('_', '-')}", dest=field, help=f"the lead's {field}")
    lead.add_argument(
        "--item",
        action="append",
        metavar="SKU=QTY",
        help="an item the lead ordered (repeatable); quick sales quote them at once",
    )
    lead.add_argument("--playbook", default=None, help="playbook name (default: settings)")

    imp = commands.add_parser(
        "import",
        help="start a sale for each row of a card file (CSV or .xlsx)",
        description="CSV in UTF-8 (with or without BOM) or Windows-1252, comma, semicolon or "
        "tab, or an .xlsx sheet; headers in several languages (see sales/lead_columns.py), "
        "columns that are no field kept as notes. Bad rows are skipped and written with their "
        "line and reason to FILE.errors.csv; duplicates start nothing and are counted.",
        epilog=EXIT_STATUSES,
    )
    imp.add_argument("file", help="the card file, or - for standard input")
    imp.add_argument("--source", help="source for rows without one, e.g. convention:cebit")
    imp.add_argument("--playbook", default=None, help="playbook for rows that name none")
    imp.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="read a column as a field (repeatable), e.g. --map 'Mail privat=email'",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="say what would be started; start nothing"
    )

    names = ", ".join(sale_api.MESSAGES.names())
    commands_only = ", ".join(sale_api.MESSAGES.commands())
    sig = commands.add_parser(
        "signal",
        help="tell a sale what happened",
        description=f"Sale events: {names}. Support events: "
        f"{', '.join(support_api.MESSAGES.names())}. Seller commands ({commands_only}) are "
        "sent as updates: the sale answers at once, accepted or refused with the reason.",
        epilog=EXIT_STATUSES,
    )
    sig.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID", help="lead id or workflow id")
    sig.add_argument("event", metavar="EVENT", help="event name, see above")
    sig.add_argument("--json", default="{}", help="the payload as a JSON object")

    status = commands.add_parser("status", help="the state of one sale or support workflow")
    status.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID", help="lead id or workflow id")
    status.add_argument("--json", action="store_true", help="the whole state as JSON")

    lst = commands.add_parser("list", help="sales by stage")
    lst.add_argument(
        "--stage",
        choices=[s.value.lower() for s in SalesStage] + list(SalesStage),
        help="only sales in this stage",
    )
    lst.add_argument("--playbook", help="only sales of this playbook")
    lst.add_argument("--limit", type=int, default=200, help="at most this many rows")

    cat = commands.add_parser("catalog", help="the products items may name")
    cat.add_argument("--json", action="store_true", help="as JSON")

    off = commands.add_parser(
        "suppress", help="put an address on the opt-out list: no sale emails it again"
    )
    off.add_argument("address", help="the email address, in any letter case")
    off.add_argument("--reason", required=True, help="why, for the record")
    off.add_argument("--by", required=True, help="who asks for it")
    on = commands.add_parser(
        "unsuppress", help="take an address off the opt-out list, on someone's explicit word"
    )
    on.add_argument("address", help="the email address")
    on.add_argument("--by", required=True, help="who allows it again")
    on.add_argument("--reason", required=True, help="why, e.g. 'asked to hear from us again'")
    listed = commands.add_parser("suppressed", help="every address on the opt-out list")
    listed.add_argument("--json", action="store_true", help="as a JSON list")

    book = commands.add_parser("playbook", help="check, show or simulate a playbook")
    verbs = book.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("check", help="validate a playbook file and what it refers to")
    check.add_argument("file", help="path of the playbook's TOML file")
    show = verbs.add_parser("show", help="a playbook as a readable outline")
    show.add_argument("name", help="playbook name (a file under the playbooks folder)")
    show.add_argument("--json", action="store_true", help="the validated playbook as JSON")
    sim = verbs.add_parser(
        "simulate",
        help="run synthetic sales through a playbook on a time-skipping server of its own",
    )
    sim.add_argument("name", help="playbook name")
    sim.add_argument("--leads", type=int, default=20, help="how many synthetic sales (default 20)")
    sim.add_argument("--behaviour", help="TOML file of customer personas (default: a built-in mix)")
    sim.add_argument("--json", action="store_true", help="the figures as JSON")
    return root


async def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    if getattr(args, "playbook", "x") is None:
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
        events.validate_payload(args.event, args.json, settings)
    if args.command == "lead":
        leads.lead_from_args(args, settings)
    client = await connect(settings)
    commands = {
        "lead": leads.cmd_lead,
        "import": imports.cmd_import,
        "signal": events.cmd_signal,
        "status": events.cmd_status,
        "list": pipeline.cmd_list,
        "suppress": suppression.cmd_suppress,
        "unsuppress": suppression.cmd_unsuppress,
        "suppressed": suppression.cmd_suppressed,
    }
    return await commands[args.command](client, settings, args)


def main(argv: list[str]) -> int:
    try:
        return asyncio.run(run(argv))
    except Refused as refused:
        err.print(f"[red]refused:[/red] {escape(str(refused))}", soft_wrap=True)
        return 1
    except (UsageError, PlaybookError, CatalogError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        return 2
    except RuntimeError as error:
        if "connect" in str(error).lower():
            err.print(
                f"[red]error:[/red] cannot reach Temporal: {escape(str(error))}", soft_wrap=True
            )
            return 3
        raise


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
