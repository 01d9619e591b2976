"""Starting a sale for one lead from the command line (a whole card file: `cli.imports`)."""

import argparse

from rich.markup import escape
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.events import workflow_id_for
from cli.output import Refused, UsageError, err, out, print_json
from client.sales import NotRestartable, restart_sale, start_sale
from sales.catalog import Catalog, load_catalog
from sales.intake import Admitted, LeadRefused, admit_lead
from sales.items import ItemOfInterest, parse_item
from sales.lead import Lead
from sales.playbook import load_playbook
from settings import Settings

LEAD_FIELDS = [f for f in Lead.model_fields if f not in ("email", "items")]


def unknown_skus(items: list[ItemOfInterest], catalog: Catalog) -> list[str]:
    return [item.sku for item in items if catalog.get(item.sku) is None]


def lead_from_args(args: argparse.Namespace, settings: Settings) -> Admitted:
    """The lead the options describe; UsageError naming the field that is wrong, or an
    address no email can reach."""
    fields = {f: getattr(args, f) for f in LEAD_FIELDS if getattr(args, f) is not None}
    try:
        items = [parse_item(text) for text in args.item or []]
    except ValueError as error:
        raise UsageError(f"--item: {error}") from None
    try:
        admitted = admit_lead(
            {"email": args.email, "items": items, **fields}, lead_id_key=settings.lead_id_key()
        )
    except LeadRefused as error:
        raise UsageError(f"lead: {error}") from None
    unknown = unknown_skus(admitted.lead.items, load_catalog(settings.catalog_path))
    if unknown:
        raise UsageError(f"--item: unknown sku {', '.join(unknown)} (see `starter.py catalog`)")
    return admitted


async def cmd_lead(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    admitted = lead_from_args(args, settings)
    lead = admitted.lead
    playbook = load_playbook(settings.playbooks_dir, args.playbook)
    if args.intro_now:
        playbook = playbook.with_intro_at_once()
    notice = admitted.notice()
    if notice:
        err.print(escape(f"note: {notice}"))
    result = await start_sale(client, lead, playbook, settings.task_queue)
    if not result.started:
        err.print(f"lead {lead.lead_id} already has a sale; nothing started")
    else:
        who = f"{lead.contact_name} ({lead.company or lead.email})"
        err.print(f"started a {playbook.name} sale for {who}")
    return _print_sale(
        args,
        {
            "workflow_id": result.workflow_id,
            "lead_id": lead.lead_id,
            "playbook": playbook.name,
            "started": result.started,
            "flattened": list(admitted.flattened),
        },
    )


async def cmd_restart(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    workflow_id = workflow_id_for(args.target)
    try:
        restarted = await restart_sale(client, workflow_id, settings.task_queue, fresh=args.fresh)
    except NotRestartable as refused:
        raise Refused(str(refused)) from None
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise UsageError(f"{workflow_id}: no such sale") from None
        raise
    how = "afresh from qualification" if restarted.fresh else "where it stood (reset)"
    err.print(
        f"restarted {workflow_id} {how}; the {restarted.previous_status} run "
        f"{restarted.previous_run_id} stays in its history"
    )
    return _print_sale(
        args,
        {
            "workflow_id": restarted.workflow_id,
            "run_id": restarted.run_id,
            "restarted_from": restarted.previous_run_id,
            "previous_status": restarted.previous_status,
            "fresh": restarted.fresh,
        },
    )


def _print_sale(args: argparse.Namespace, result: dict[str, object]) -> int:
    """The sale started: all of `result` for scripts, its workflow id alone for people."""
    if args.json:
        print_json(result)
    else:
        out.print(result["workflow_id"])
    return 0
