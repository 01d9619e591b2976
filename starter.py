"""The ops command line: start sales, send what a customer did, and watch the pipeline.

python starter.py lead --email jane@acme.example --company "Acme" ...
python starter.py import examples/convention-leads.csv
python starter.py signal <lead-or-workflow-id> <event> --json '{...}'
python starter.py status <lead-or-workflow-id>
python starter.py list [--stage PROPOSAL]
python starter.py catalog [--json]
"""

import argparse
import asyncio
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from sales.catalog import CatalogError, load_catalog
from sales.errors import describe
from sales.events import NeedsIdentified, RevisionRequested
from sales.lead import Lead
from sales.leads_csv import LeadFileError, parse_leads
from sales.money import format_money
from sales.playbook import PlaybookError, load_playbook
from sales.stages import SalesStage
from settings import Settings
from temporal_client import connect, start_sale
from workflows import search_attributes as sa
from workflows.sale import api as sale_api
from workflows.support import api as support_api

# Piped output (scripts, CI logs) gets wide lines rather than rich's 80-column wrapping.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 240)
LEAD_FIELDS = [f for f in Lead.model_fields if f != "email"]


class UsageError(Exception):
    """Bad input from the command line: printed as one clear line, exit status 2."""


def workflow_id_for(target: str, event: str | None = None) -> str:
    """`sale-x` and `support-x` pass through; a bare lead id goes to the sale (or support)."""
    if target.startswith(("sale-", "support-")):
        return target
    if support_api.MESSAGES.get(event or "") is not None:
        return support_api.workflow_id(target)
    return sale_api.workflow_id(target)


def validate_signal(event: str, raw: str, settings: Settings) -> dict[str, Any]:
    """The payload as JSON, checked with the same model the workflow uses; UsageError if bad."""
    message = sale_api.MESSAGES.get(event) or support_api.MESSAGES.get(event)
    if message is None:
        known = ", ".join([*sale_api.MESSAGES.names(), *support_api.MESSAGES.names()])
        raise UsageError(f"unknown event {event!r}; known: {known}")
    model = message.model
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise UsageError(f"--json is not valid JSON: {err}") from None
    try:
        payload = model.model_validate(data)
    except ValidationError as err:
        raise UsageError(f"{event}: invalid payload: {describe(err)}") from None
    if isinstance(payload, NeedsIdentified | RevisionRequested) and payload.items:
        catalog = load_catalog(settings.catalog_path)
        unknown = [i.sku for i in payload.items if catalog.get(i.sku) is None]
        if unknown:
            raise UsageError(
                f"{event}: unknown sku {', '.join(unknown)} (see `starter.py catalog`)"
            )
    return dict(payload.model_dump(mode="json", exclude_none=True))


async def cmd_lead(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    fields = {f: getattr(args, f) for f in LEAD_FIELDS if getattr(args, f) is not None}
    try:
        lead = Lead.model_validate({"email": args.email, **fields})
    except ValidationError as err:
        raise UsageError(f"lead: {describe(err)}") from None
    playbook = load_playbook(settings.playbooks_dir, args.playbook)
    result = await start_sale(client, lead, playbook, settings.task_queue)
    if not result.started:
        console.print(f"lead {lead.lead_id} already has a sale; nothing started")
    else:
        console.print(f"started sale for {lead.contact_name} ({lead.company or lead.email})")
    print(result.workflow_id)
    return 0


async def cmd_import(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        parsed = parse_leads(path.read_text(encoding="utf-8-sig"), default_source=args.source)
    except (OSError, LeadFileError) as err:
        raise UsageError(f"{path}: {err}") from None
    playbook = load_playbook(settings.playbooks_dir, args.playbook)
    started = existing = 0
    for lead in parsed.leads:
        result = await start_sale(client, lead, playbook, settings.task_queue)
        if result.started:
            started += 1
            console.print(f"started  {result.workflow_id}  {lead.company or lead.email}")
        else:
            existing += 1
            console.print(f"exists   {result.workflow_id}  already has a sale; not started again")
    for error in parsed.errors:
        console.print(f"[red]skipped[/red]  {path}: {error}")
    console.print(
        f"{started} started, {existing} already had a sale, {len(parsed.errors)} rows rejected"
    )
    return 1 if parsed.errors else 0


async def cmd_signal(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    payload = validate_signal(args.event, args.json, settings)
    workflow_id = workflow_id_for(args.target, args.event)
    try:
        await client.get_workflow_handle(workflow_id).signal(args.event, payload)
    except RPCError as err:
        raise UsageError(f"{workflow_id}: {err.message}") from None
    console.print(f"sent {args.event} to {workflow_id}: {json.dumps(payload)}")
    return 0


async def cmd_status(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    workflow_id = workflow_id_for(args.target)
    handle = client.get_workflow_handle(workflow_id)
    try:
        state: dict[str, Any] = await handle.query("state", result_type=dict)
    except RPCError as err:
        hint = "" if err.status is RPCStatusCode.NOT_FOUND else " (a query needs a running worker)"
        raise UsageError(f"{workflow_id}: {err.message}{hint}") from None
    if args.json:
        print(json.dumps(state, indent=2))
        return 0
    lead = state["lead"]
    console.print(f"[bold]{workflow_id}[/bold]  {lead.get('company') or ''}  {lead['email']}")
    stage = state.get("stage", "SUPPORT")
    console.print(
        f"stage: [bold]{stage}[/bold]"
        + (f" ({state['lost_reason']})" if state.get("lost_reason") else "")
    )
    if state.get("support_workflow_id"):
        console.print(f"support: {state['support_workflow_id']}")
    if state.get("next_action"):
        action = state["next_action"]
        console.print(f"next: {action['description']}  due {action.get('due_at') or '-'}")
    for change in state.get("timeline", []):
        console.print(f"  {change['at'][:19]}  {change['stage']:<15} {change['note']}")
    for quote in state.get("quotes", []):
        total = format_money(Decimal(quote["totals"]["total"]), quote["currency"])
        console.print(f"  quote {quote['number']}  {total}  valid until {quote['valid_until']}")
    for email in state.get("emails", []):
        console.print(f"  email {email['step']:<22} {email['subject']}")
    for rejected in state.get("rejected_events", []):
        console.print(f"  [red]rejected[/red] {rejected['signal']}: {rejected['reason']}")
    return 0


async def cmd_list(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    query = 'WorkflowType = "SaleWorkflow"'
    if args.stage:
        query += f' AND SalesStage = "{SalesStage(args.stage.upper()).value}"'
    table = Table("workflow id", "stage", "company", "owner", "next action at", "deal value")
    async for execution in client.list_workflows(query, limit=args.limit):
        attrs = execution.typed_search_attributes
        value = attrs.get(sa.DEAL_VALUE)
        due = attrs.get(sa.NEXT_ACTION_AT)
        table.add_row(
            execution.id,
            attrs.get(sa.SALES_STAGE) or "",
            attrs.get(sa.LEAD_COMPANY) or "",
            attrs.get(sa.SALES_OWNER) or "",
            f"{due:%Y-%m-%d %H:%M}" if due else "",
            f"{value:,.2f}" if value is not None else "",
        )
    console.print(table)
    return 0


def cmd_catalog(settings: Settings, args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_path)
    if args.json:
        print(json.dumps([p.model_dump(mode="json") for p in catalog.products], indent=2))
        return 0
    table = Table("sku", "name", "unit", "tax", "prices")
    for p in catalog.products:
        prices = ", ".join(format_money(amount, cur) for cur, amount in p.prices.items())
        table.add_row(p.sku, p.name, p.unit, p.tax_category, prices)
    console.print(table)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="starter.py", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    lead = commands.add_parser("lead", help="start a sale for one lead")
    lead.add_argument("--email", required=True)
    for field in LEAD_FIELDS:
        lead.add_argument(f"--{field.replace('_', '-')}", dest=field)
    lead.add_argument("--playbook", default=None)

    imp = commands.add_parser("import", help="start a sale for each row of a CSV")
    imp.add_argument("file")
    imp.add_argument("--source", help="source for rows without one, e.g. convention:cebit")
    imp.add_argument("--playbook", default=None)

    sig = commands.add_parser("signal", help="tell a sale what the customer did")
    sig.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID")
    sig.add_argument("event", metavar="EVENT")
    sig.add_argument("--json", default="{}", help="the payload as a JSON object")

    status = commands.add_parser("status", help="the state of one sale or support workflow")
    status.add_argument("target", metavar="LEAD_OR_WORKFLOW_ID")
    status.add_argument("--json", action="store_true")

    lst = commands.add_parser("list", help="sales by stage")
    lst.add_argument("--stage", choices=[s.value.lower() for s in SalesStage] + list(SalesStage))
    lst.add_argument("--limit", type=int, default=200)

    cat = commands.add_parser("catalog", help="the products items may name")
    cat.add_argument("--json", action="store_true")
    return root


async def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    if getattr(args, "playbook", "x") is None:
        args.playbook = settings.playbook
    if args.command == "catalog":
        return cmd_catalog(settings, args)
    if args.command == "signal":
        validate_signal(
            args.event, args.json, settings
        )  # before connecting: bad input sends nothing
    client = await connect(settings)
    commands = {
        "lead": cmd_lead,
        "import": cmd_import,
        "signal": cmd_signal,
        "status": cmd_status,
        "list": cmd_list,
    }
    return await commands[args.command](client, settings, args)


def main(argv: list[str]) -> int:
    try:
        return asyncio.run(run(argv))
    except (UsageError, PlaybookError, CatalogError) as err:
        console.print(f"[red]error:[/red] {err}")
        return 2
    except RuntimeError as err:
        if "connect" in str(err).lower():
            console.print(f"[red]error:[/red] cannot reach Temporal: {err}")
            return 3
        raise


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
