"""The command line's shape: every command, option and help text, and where data goes."""

import argparse
from collections.abc import Callable

from cli import leads
from sales.stages import SalesStage
from workflows.sale import api as sale_api
from workflows.support import api as support_api

EXIT_STATUSES = """exit status: 0 done; 1 refused by the sale, rows rejected, or a playbook with
problems; 2 bad input (nothing was sent); 3 Temporal or a worker could not be reached.
Results go to standard output, errors and progress to standard error."""


def _data_options() -> argparse.ArgumentParser:
    """`-o json` / `--json` for every command that prints data."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "-o",
        "--output",
        choices=["text", "json"],
        default="text",
        help="text for people (plain tab-separated columns when piped) or json for scripts",
    )
    options.add_argument("--json", action="store_true", help="same as -o json")
    return options


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="starter.py",
        description="The ops command line: start sales, tell them what customers did, "
        "watch the pipeline, check playbooks.",
        epilog=EXIT_STATUSES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument(
        "-o",
        "--output",
        dest="root_output",
        choices=["text", "json"],
        default=None,
        help="as -o on the command: text or json",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    data = _data_options()

    def command(
        name: str, help: str, description: str | None = None, *, prints_data: bool = True
    ) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=description or help,
            epilog=EXIT_STATUSES,
            parents=[data] if prints_data else [],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    _lead(command("lead", "start a sale for one lead"))
    _import(
        command(
            "import",
            "start a sale for each row of a card file (CSV or .xlsx)",
            description="Start a sale for each row of a card file. CSV in UTF-8 (with or "
            "without BOM) or Windows-1252, comma, semicolon or tab, or an .xlsx sheet; headers "
            "in several languages (see sales/lead_columns.py), columns that are no field kept "
            "as notes. Bad rows are skipped and written with their line and reason to "
            "FILE.errors.csv; duplicates start nothing and are counted.",
        )
    )
    _signal(
        command(
            "signal",
            "tell a sale what happened",
            description=f"Tell a sale what happened.\n\nSale events: "
            f"{', '.join(sale_api.MESSAGES.names())}.\nSupport events: "
            f"{', '.join(support_api.MESSAGES.names())}.\nSeller commands "
            f"({', '.join(sale_api.MESSAGES.commands())}) are sent as updates: the sale "
            "answers at once, accepted or refused with the reason.",
        )
    )
    status = command("status", "the state of one sale or support workflow")
    status.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID", help="lead id or workflow id")
    account = command(
        "account",
        "a customer's account: owner, health, term, value, orders, tickets, sales",
        description="A customer's account (support-LEAD_ID), from its state query: owner, "
        "health and why, term, value, orders with their promised dates (late ones flagged), "
        "open tickets with their priority and service-level clocks, open follow-ups, the "
        "renewals and upsells it started and how they ended, the next action and what needs "
        "a person. --json prints the whole state, as `status` does. A lead without an "
        "account (its sale not won) exits 2 saying where its sale stands.",
    )
    account.add_argument(
        "target", metavar="LEAD_ID", help="the lead id (or the account's or sale's workflow id)"
    )
    restart = command(
        "restart",
        "start a failed or terminated sale again, for the same lead",
        description="Run a sale whose last run failed or was terminated again, under the "
        "same workflow id. Where it stood: a reset to its last completed workflow task, so "
        "nothing it sent is sent twice and the deployed fix runs; --fresh: a new run from the "
        "lead and the playbook it started with. The old run stays in the history, linked.",
    )
    restart.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID", help="lead id or workflow id")
    restart.add_argument(
        "--fresh", action="store_true", help="start again from qualification, not where it stood"
    )
    _list(
        command(
            "list",
            "sales by stage, every one that matches; --stage customer lists the accounts",
        )
    )
    command("catalog", "the products items may name")
    _report(
        command(
            "report",
            "the pipeline: funnel, conversion, win rate, time in stage, lost reasons, value "
            "won; the customer accounts by health and their renewals won, lost and open",
        )
    )
    _suppression(command)
    _playbook(command("playbook", "check, show or simulate a playbook", prints_data=False), data)
    return root


def _lead(lead: argparse.ArgumentParser) -> None:
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
    lead.add_argument(
        "--intro-now",
        action="store_true",
        help="send the intro as the sale begins, not at the lead's next sending window "
        "(leads who asked to hear from you now); follow-ups still wait",
    )


def _import(imp: argparse.ArgumentParser) -> None:
    imp.add_argument("file", help="the card file, or - for standard input")
    imp.add_argument("--source", help="source for rows without one, e.g. convention:cebit")
    imp.add_argument("--playbook", default=None, help="playbook for rows that name none")
    imp.add_argument(
        "--intro-now",
        action="store_true",
        help="send the intro as the sale begins, not at the lead's next sending window "
        "(leads who asked to hear from you now); follow-ups still wait",
    )
    imp.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="read a column as a field (repeatable), e.g. --map 'Mail privat=email'",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="say what would be started; start nothing"
    )


def _signal(sig: argparse.ArgumentParser) -> None:
    sig.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID", help="lead id or workflow id")
    sig.add_argument("event", metavar="EVENT", help="event name, see above")
    sig.add_argument(
        "-p",
        "--payload",
        default="{}",
        metavar="JSON",
        help="the event's payload as a JSON object, or - to read it from standard input",
    )


def _list(lst: argparse.ArgumentParser) -> None:
    lst.add_argument(
        "--stage",
        choices=[s.value.lower() for s in SalesStage] + list(SalesStage),
        metavar="STAGE",
        help="only sales in this stage ("
        + ", ".join(s.value.lower() for s in SalesStage)
        + "); customer lists the customer accounts instead, with their health and open tickets",
    )
    lst.add_argument("--playbook", help="only sales (or accounts) of this playbook")
    lst.add_argument(
        "--limit",
        type=int,
        default=None,
        help="stop after this many rows, saying so on stderr (default: every match)",
    )


def _report(report: argparse.ArgumentParser) -> None:
    report.add_argument("--playbook", help="only sales (and accounts) of this playbook")
    report.add_argument(
        "--owner",
        help="only sales (and accounts) of this owner: a sale's seller, an account's owner",
    )
    report.add_argument("--source", help="only leads from this source, e.g. convention:cebit")
    report.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="only sales (and renewals of accounts) started on or after this day",
    )
    report.add_argument(
        "--until",
        metavar="YYYY-MM-DD",
        help="only sales (and renewals of accounts) started before the end of this day",
    )
    report.add_argument(
        "--html", metavar="FILE", help="also write a self-contained page with the charts"
    )


def _suppression(command: Callable[..., argparse.ArgumentParser]) -> None:
    off = command("suppress", "put an address on the opt-out list: no sale emails it again")
    off.add_argument("address", help="the email address, in any letter case")
    off.add_argument("--reason", required=True, help="why, for the record")
    off.add_argument("--by", required=True, help="who asks for it")
    on = command("unsuppress", "take an address off the opt-out list, on someone's explicit word")
    on.add_argument("address", help="the email address")
    on.add_argument("--by", required=True, help="who allows it again")
    on.add_argument("--reason", required=True, help="why, e.g. 'asked to hear from us again'")
    command("suppressed", "every address on the opt-out list")


def _playbook(book: argparse.ArgumentParser, data: argparse.ArgumentParser) -> None:
    verbs = book.add_subparsers(dest="verb", required=True, metavar="VERB")

    def verb(name: str, help: str) -> argparse.ArgumentParser:
        return verbs.add_parser(
            name,
            help=help,
            description=help,
            epilog=EXIT_STATUSES,
            parents=[data],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    check = verb("check", "validate a playbook file and what it refers to")
    check.add_argument("file", help="path of the playbook's TOML file")
    show = verb("show", "a playbook as a readable outline")
    show.add_argument("name", help="playbook name (a file under the playbooks folder)")
    sim = verb(
        "simulate", "run synthetic sales through a playbook on a time-skipping server of its own"
    )
    sim.add_argument("name", help="playbook name")
    sim.add_argument("--leads", type=int, default=20, help="how many synthetic sales (default 20)")
    sim.add_argument("--behaviour", help="TOML file of customer personas (default: a built-in mix)")
    sim.add_argument(
        "--no-accounts",
        dest="accounts",
        action="store_false",
        help="the sales only: no two years of each won sale's account (much faster)",
    )


def parse(argv: list[str]) -> argparse.Namespace:
    """The arguments, with `json` true however JSON was asked for."""
    args = parser().parse_args(argv)
    args.json = bool(
        getattr(args, "json", False)
        or getattr(args, "output", None) == "json"
        or args.root_output == "json"
    )
    return args
