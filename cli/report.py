"""`starter.py report`: the pipeline read from Temporal, counted, printed or written as a page.

Which sales and where they stand come from visibility (search attributes); when each
stage was entered comes from each sale's history: the `SalesStage` upserts, timed by
the workflow task that made them (the same clock as the `state` query's timeline). No
worker is needed, and finished sales are read without replaying them.

The accounts section is visibility only, too: the accounts (`SalesStage = "CUSTOMER"`) as
they stand now, with their `AccountHealth`, and the renewal sales, which are the accounts'
child workflows (`ParentWorkflowId`) of id `sale-<lead_id>-r<N>`, with their `SalesStage`
(WON, LOST, or where an open one stands). Two list calls, no query per account (a query
wants a worker and, for a closed account, replays its history); what it cannot see is a
renewal closed longer ago than the namespace's retention, as for every sale the report
counts. Playbook, owner and source filter the accounts (and so their renewals); the period
filters the renewals by the day they started: an account continues as new, and a run's
StartTime is not the day the account began.
"""

import argparse
import asyncio
import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus

from cli.output import UsageError, err, print_json, print_table
from cli.report_page import write_page
from sales.account.records import Health
from sales.account_report import (
    AccountRecord,
    AccountReport,
    RenewalRecord,
    build_account_report,
)
from sales.money import format_money
from sales.pipeline_report import (
    PIPELINE,
    PipelineReport,
    SaleRecord,
    StageVisit,
    build_report,
    duration_words,
)
from sales.stages import SalesStage
from settings import Settings
from workflows import search_attributes as sa
from workflows.sale import api as sale_api
from workflows.support import api as support_api

# Histories read at once: enough to keep the server busy, not enough to flood it.
CONCURRENCY = 16


def query_of(args: argparse.Namespace) -> str:
    """The visibility query for the filters; UsageError for a date that is no date."""
    clauses = [f'WorkflowType = "{sale_api.WORKFLOW_TYPE}"', *who_of(args), *period_of(args)]
    return " AND ".join(clauses)


def who_of(args: argparse.Namespace) -> list[str]:
    """The clauses of the playbook, owner and source filters."""
    clauses = []
    for key, value in (
        (sa.PLAYBOOK, args.playbook),
        (sa.SALES_OWNER, args.owner),
        (sa.LEAD_SOURCE, args.source),
    ):
        if value:
            clauses.append(f"{key.name} = {quoted(value)}")
    return clauses


def period_of(args: argparse.Namespace) -> list[str]:
    """The clauses of --since and --until, on the day a workflow started."""
    clauses = []
    if args.since:
        clauses.append(f'StartTime >= "{_day(args.since, "--since").isoformat()}"')
    if args.until:
        end = _day(args.until, "--until") + timedelta(days=1)
        clauses.append(f'StartTime < "{end.isoformat()}"')
    return clauses


def quoted(value: str) -> str:
    """A filter value as a visibility string literal."""
    if any(c in value for c in "\"'\\\n"):
        raise UsageError(f"filter value {value!r} may not contain quotes or backslashes")
    return f'"{value}"'


def _day(text: str, option: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a date like 2026-11-27") from None


async def read_sales(client: Client, query: str) -> list[SaleRecord]:
    """Every matching sale with its stage visits."""
    executions = [e async for e in client.list_workflows(query, page_size=500)]
    limit = asyncio.Semaphore(CONCURRENCY)

    async def record(execution: WorkflowExecution) -> SaleRecord:
        async with limit:
            visits = await stage_visits(client, execution.id, execution.run_id)
        attrs = execution.typed_search_attributes
        value = attrs.get(sa.DEAL_VALUE)
        return SaleRecord(
            workflow_id=execution.id,
            stage=SalesStage(attrs.get(sa.SALES_STAGE) or SalesStage.QUALIFICATION),
            visits=visits,
            lost_reason=attrs.get(sa.LOST_REASON),
            deal_value=Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None,
            currency=attrs.get(sa.DEAL_CURRENCY),
        )

    return list(await asyncio.gather(*(record(e) for e in executions)))


async def stage_visits(client: Client, workflow_id: str, run_id: str | None) -> list[StageVisit]:
    """The stages a sale entered, in order, each at the time it entered it: `StageEnteredAt`
    where the upsert carries it (process version 5, whose upserts wait for the sale's next
    wait), else the time of the task that upserted the stage. A stage the starter set (the
    first) was entered at the sale's first task."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    visits: list[StageVisit] = []
    task_time: datetime | None = None
    started_in: SalesStage | None = None
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            attributes = event.workflow_execution_started_event_attributes.search_attributes
            started_in = _stage_of(attributes.indexed_fields)
            continue
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            task_time = event.event_time.ToDatetime(tzinfo=UTC)
            if started_in is not None and not visits:
                visits.append(StageVisit(stage=started_in, entered_at=task_time))
            continue
        if event.event_type != EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            continue
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes
        stage = _stage_of(fields.indexed_fields)
        if stage is None or task_time is None:
            continue
        entered = fields.indexed_fields.get(sa.STAGE_ENTERED_AT.name)
        entered_at = datetime.fromisoformat(json.loads(entered.data)) if entered else task_time
        if not visits or visits[-1].stage is not stage:
            visits.append(StageVisit(stage=stage, entered_at=entered_at))
    return visits


def _stage_of(fields: Mapping[str, Payload]) -> SalesStage | None:
    payload = fields.get(sa.SALES_STAGE.name)
    return SalesStage(json.loads(payload.data)) if payload is not None else None


# An account's renewal sale: `sale-<lead_id>-r<N>` (an upsell is `-u<N>`), started by it.
RENEWAL_ID = re.compile(r"^" + re.escape(sale_api.workflow_id("")) + r".+-r\d+$")


# A workflow's latest run: one that continued as new is listed too, under the same id.
LATEST_RUN = 'ExecutionStatus != "ContinuedAsNew"'


def accounts_query(args: argparse.Namespace) -> str:
    """The accounts of the playbook, owner and source filters as they stand now, one run each
    (an account continues as new). Not the period: a run's StartTime is not the account's."""
    clauses = [
        f'WorkflowType = "{support_api.WORKFLOW_TYPE}"',
        f'{sa.SALES_STAGE.name} = "{SalesStage.CUSTOMER.value}"',
        LATEST_RUN,
        *who_of(args),
    ]
    return " AND ".join(clauses)


def renewals_query(args: argparse.Namespace) -> str:
    """The sales accounts started (their children: renewals and upsells) in the period."""
    clauses = [
        f'WorkflowType = "{sale_api.WORKFLOW_TYPE}"',
        f'ParentWorkflowId STARTS_WITH "{support_api.workflow_id("")}"',
        LATEST_RUN,
        *period_of(args),
    ]
    return " AND ".join(clauses)


async def read_accounts(client: Client, query: str) -> list[AccountRecord]:
    """Every matching account: open (running) or not, and the health it shows."""
    records = []
    async for execution in client.list_workflows(query, page_size=500):
        health = execution.typed_search_attributes.get(sa.ACCOUNT_HEALTH)
        records.append(
            AccountRecord(
                workflow_id=execution.id,
                open=execution.status is WorkflowExecutionStatus.RUNNING,
                health=Health(health) if health in set(Health) else None,
            )
        )
    return records


async def read_renewals(client: Client, query: str) -> list[RenewalRecord]:
    """Every renewal sale an account started, with the stage it stands in or ended."""
    records = []
    async for execution in client.list_workflows(query, page_size=500):
        if not RENEWAL_ID.match(execution.id) or execution.parent_id is None:
            continue  # an upsell
        stage = execution.typed_search_attributes.get(sa.SALES_STAGE)
        records.append(
            RenewalRecord(
                workflow_id=execution.id,
                account_workflow_id=execution.parent_id,
                stage=SalesStage(stage) if stage in set(SalesStage) else None,
            )
        )
    return records


async def cmd_report(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    query = query_of(args)
    records, accounts, renewals = await asyncio.gather(
        read_sales(client, query),
        read_accounts(client, accounts_query(args)),
        read_renewals(client, renewals_query(args)),
    )
    report = build_report(records)
    account_report = build_account_report(accounts, renewals)
    if args.html:
        path = Path(args.html)
        write_page(
            path,
            report,
            templates_dir=settings.templates_dir,
            filters=filters_of(args),
            generated_at=datetime.now(UTC),
            accounts=account_report,
        )
        err.print(f"wrote {path}")
    if args.json:
        print_json(report_json(report, filters_of(args), account_report))
    else:
        print_report(report, account_report)
    err.print(f"{report.sales} sales, {account_report.open + account_report.closed} accounts")
    return 0


def filters_of(args: argparse.Namespace) -> dict[str, str]:
    names = ("playbook", "owner", "source", "since", "until")
    return {name: getattr(args, name) for name in names if getattr(args, name)}


def report_json(
    report: PipelineReport, filters: dict[str, str], accounts: AccountReport | None = None
) -> dict[str, Any]:
    """The report for scripts; money as strings so no cent is lost to floats."""
    data: dict[str, Any] = report.model_dump(mode="json")
    data["filters"] = filters
    if accounts is not None:
        data["accounts"] = accounts.model_dump(mode="json")
    return data


def print_report(report: PipelineReport, accounts: AccountReport | None = None) -> None:
    rows = []
    conversion = {c.from_stage: c.rate for c in report.conversion}
    for stage in [*PIPELINE, SalesStage.LOST]:
        time_in = report.time_in_stage.get(stage)
        rate = conversion.get(stage)
        rows.append(
            [
                stage.value,
                str(report.stages[stage]),
                str(report.reached.get(stage, "")),
                f"{rate:.0%}" if rate is not None else "",
                str(time_in.stays) if time_in else "",
                duration_words(time_in.median_seconds) if time_in else "",
                duration_words(time_in.p90_seconds) if time_in else "",
            ]
        )
    headers = ["stage", "now in", "reached", "to next", "stays", "median", "p90"]
    print_table(headers, rows)
    win_rate = f"{report.win_rate:.0%}" if report.win_rate is not None else "-"
    print()
    print_table(
        ["sales", "open", "won", "lost", "win rate"],
        [[str(report.sales), str(report.open), str(report.won), str(report.lost), win_rate]],
    )
    if report.lost_reasons:
        print()
        print_table(["lost reason", "sales"], [[r, str(n)] for r, n in report.lost_reasons.items()])
    if report.won_value:
        print()
        print_table(
            ["currency", "value won"],
            [
                [c, format_money(v, c) if c != "unknown" else str(v)]
                for c, v in report.won_value.items()
            ],
        )
    if accounts is not None:
        print_accounts(accounts)


def print_accounts(accounts: AccountReport) -> None:
    """Open accounts by health, and the renewals of the accounts counted."""
    health = accounts.by_health
    print()
    print_table(
        ["accounts", "good", "at risk", "churning", "closed"],
        [
            [
                str(accounts.open),
                str(health[Health.GOOD]),
                str(health[Health.AT_RISK]),
                str(health[Health.CHURNING]),
                str(accounts.closed),
            ]
        ],
    )
    renewals = accounts.renewals
    print()
    print_table(
        ["renewals", "won", "lost", "open"],
        [
            [
                str(renewals.won + renewals.lost + renewals.open),
                str(renewals.won),
                str(renewals.lost),
                str(renewals.open),
            ]
        ],
    )
