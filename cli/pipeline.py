"""Watching the pipeline: sales by stage from the search attributes, and the catalog."""

import argparse
import json

from rich.table import Table
from temporalio.client import Client

from cli.output import out
from sales.catalog import load_catalog
from sales.money import format_money
from sales.stages import SalesStage
from settings import Settings
from workflows import search_attributes as sa
from workflows.sale import api as sale_api


async def cmd_list(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    query = f'WorkflowType = "{sale_api.WORKFLOW_TYPE}"'
    if args.stage:
        query += f' AND {sa.SALES_STAGE.name} = "{SalesStage(args.stage.upper()).value}"'
    if args.playbook:
        query += f' AND {sa.PLAYBOOK.name} = "{args.playbook}"'
    table = Table(
        "workflow id", "stage", "playbook", "company", "owner", "next action at", "deal value"
    )
    async for execution in client.list_workflows(query, limit=args.limit):
        attrs = execution.typed_search_attributes
        value = attrs.get(sa.DEAL_VALUE)
        due = attrs.get(sa.NEXT_ACTION_AT)
        table.add_row(
            execution.id,
            attrs.get(sa.SALES_STAGE) or "",
            attrs.get(sa.PLAYBOOK) or "",
            attrs.get(sa.LEAD_COMPANY) or "",
            attrs.get(sa.SALES_OWNER) or "",
            f"{due:%Y-%m-%d %H:%M}" if due else "",
            f"{value:,.2f}" if value is not None else "",
        )
    out.print(table)
    return 0


def cmd_catalog(settings: Settings, args: argparse.Namespace) -> int:
    catalog = load_catalog(settings.catalog_path)
    if args.json:
        print(json.dumps([p.model_dump(mode="json") for p in catalog.products], indent=2))
        return 0
    table = Table("sku", "name", "unit", "tax", "dual use", "prices")
    for p in catalog.products:
        prices = ", ".join(format_money(amount, cur) for cur, amount in p.prices.items())
        dual = p.export_classification or "yes" if p.dual_use else ""
        table.add_row(p.sku, p.name, p.unit, p.tax_category, dual, prices)
    out.print(table)
    return 0
