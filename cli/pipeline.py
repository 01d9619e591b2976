"""Watching the pipeline: sales by stage (or the customer accounts) from the search attributes,
and the catalog."""

import argparse

from temporalio.client import Client

from cli.output import err, print_json, print_table
from sales.catalog import load_catalog
from sales.money import format_money
from sales.stages import SalesStage
from settings import Settings
from workflows import search_attributes as sa
from workflows.sale import api as sale_api
from workflows.support import api as support_api


async def cmd_list(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    stage = SalesStage(args.stage.upper()) if args.stage else None
    # CUSTOMER is no sale's stage: it lists the accounts won sales handed over to.
    accounts = stage is SalesStage.CUSTOMER
    workflow_type = support_api.WORKFLOW_TYPE if accounts else sale_api.WORKFLOW_TYPE
    query = f'WorkflowType = "{workflow_type}"'
    if stage is not None:
        query += f' AND {sa.SALES_STAGE.name} = "{stage.value}"'
    if accounts:
        # An account lives for years and continues as new: one row per account, not per run.
        query += ' AND ExecutionStatus != "ContinuedAsNew"'
    if args.playbook:
        query += f' AND {sa.PLAYBOOK.name} = "{args.playbook}"'
    rows: list[dict[str, object]] = []
    more = False
    # Pages through every match; with --limit, one more is read to know whether it stopped.
    async for execution in client.list_workflows(query, page_size=500):
        if args.limit is not None and len(rows) == args.limit:
            more = True
            break
        attrs = execution.typed_search_attributes
        due = attrs.get(sa.NEXT_ACTION_AT)
        rows.append(
            {
                "workflow_id": execution.id,
                "status": execution.status.name.lower() if execution.status else "",
                "stage": attrs.get(sa.SALES_STAGE) or "",
                "playbook": attrs.get(sa.PLAYBOOK) or "",
                "company": attrs.get(sa.LEAD_COMPANY) or "",
                "owner": attrs.get(sa.SALES_OWNER) or "",
                "next_action_at": due.isoformat() if due else None,
                "deal_value": attrs.get(sa.DEAL_VALUE),
                "currency": attrs.get(sa.DEAL_CURRENCY) or "",
            }
        )
        if accounts:
            rows[-1]["health"] = attrs.get(sa.ACCOUNT_HEALTH) or ""
            rows[-1]["open_tickets"] = attrs.get(sa.OPEN_TICKETS)
    if args.json:
        print_json(rows)
    else:
        headers = ["workflow id", "status", "stage", "playbook", "company", "owner",
                   "next action at", "deal value"]  # fmt: skip
        if accounts:
            headers += ["health", "open tickets"]
        print_table(headers, [_row(r, accounts=accounts) for r in rows])
    what = "accounts" if accounts else "sales"
    if more:
        err.print(f"stopped after {args.limit} {what}; more match (raise --limit or leave it out)")
    else:
        err.print(f"{len(rows)} {what}")
    return 0


def _row(row: dict[str, object], *, accounts: bool = False) -> list[str]:
    value = row["deal_value"]
    due = str(row["next_action_at"] or "")[:16].replace("T", " ")
    money = f"{row['currency']} {value:,.2f}".strip() if isinstance(value, float) else ""
    cells = [
        str(row["workflow_id"]), str(row["status"]), str(row["stage"]), str(row["playbook"]),
        str(row["company"]), str(row["owner"]), due, money,
    ]  # fmt: skip
    if accounts:
        tickets = row["open_tickets"]
        cells += [str(row["health"]), str(tickets) if tickets is not None else ""]
    return cells


def cmd_catalog(settings: Settings, args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_path)
    if args.json:
        print_json([p.model_dump(mode="json") for p in catalog.products])
        return 0
    rows = []
    for p in catalog.products:
        prices = ", ".join(format_money(amount, cur) for cur, amount in p.prices.items())
        dual = (p.export_classification or "yes") if p.dual_use else ""
        rows.append([p.sku, p.name, p.unit, p.tax_category, dual, prices])
    print_table(["sku", "name", "unit", "tax", "dual use", "prices"], rows)
    return 0
