"""`starter.py account LEAD_ID`: a customer's account read from its `state` query.

Owner, health and why, term, value, orders against their promised dates, open tickets and
their service-level clocks, follow-ups, the sales it started and how they ended, the next
action and what needs a person. `--json` prints the whole state, as `status` does.
"""

import argparse
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from rich.markup import escape
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from cli.output import UsageError, out, print_json
from client.queries import support_state
from sales.account.records import AccountOrder, AccountSale, AccountTicket, Health, SlaClock
from sales.account.state import AccountState
from sales.money import CurrencyError, format_money
from settings import Settings
from workflows import search_attributes as sa
from workflows.sale import api as sale_api
from workflows.support import api as support_api

HEALTH_STYLE = {Health.GOOD: "green", Health.AT_RISK: "yellow", Health.CHURNING: "bold red"}


def account_id_for(target: str) -> str:
    """`support-x` passes through; `sale-x` and a bare lead id name the account of lead x."""
    if target.startswith(support_api.workflow_id("")):
        return target
    sale_prefix = sale_api.workflow_id("")
    lead_id = target.removeprefix(sale_prefix) if target.startswith(sale_prefix) else target
    return support_api.workflow_id(lead_id)


async def cmd_account(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    workflow_id = account_id_for(args.target)
    state = await read_account(client, workflow_id)
    if args.json:
        print_json(state.model_dump(mode="json"))
        return 0
    print_account(state, datetime.now(UTC))
    return 0


async def read_account(client: Client, workflow_id: str) -> AccountState:
    """The account's state; UsageError saying why there is none (no sale, not won yet)."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await support_state(handle)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise UsageError(await _no_account(client, workflow_id)) from None
        raise UsageError(
            f"{workflow_id}: {error.message} (a query needs a running worker)"
        ) from None
    except WorkflowQueryFailedError as error:
        raise UsageError(f"{workflow_id}: the state query failed: {error}") from None


async def _no_account(client: Client, workflow_id: str) -> str:
    """Why a lead has no account: its sale is not won (yet), or there is no such lead."""
    lead_id = workflow_id.removeprefix(support_api.workflow_id(""))
    sale_id = sale_api.workflow_id(lead_id)
    try:
        described = await client.get_workflow_handle(sale_id).describe()
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return f"no account for lead {lead_id}: there is no {workflow_id} and no {sale_id}"
        return f"no account for lead {lead_id}: there is no {workflow_id}"
    stage = described.typed_search_attributes.get(sa.SALES_STAGE) or "an unknown stage"
    status = described.status.name.lower() if described.status else "unknown"
    where = f"is in {stage}" if status == "running" else f"ended {stage} ({status})"
    return (
        f"no account for lead {lead_id}: there is no {workflow_id}; its sale {sale_id} {where} "
        "(an account begins when the sale is won)"
    )


def print_account(state: AccountState, now: datetime) -> None:
    """The account for a person: what it is worth, how it is doing, what is open."""
    lead = state.lead
    out.print(
        f"[bold]{escape(state.workflow_id)}[/bold]  {escape(lead.company or '')}  "
        f"{escape(lead.email)}",
        soft_wrap=True,
    )
    stage = state.stage
    if stage == support_api.LEGACY_STAGE:
        stage += " (support begun on older code: no owner, health or term)"
    out.print(f"stage: [bold]{escape(stage)}[/bold]")
    if state.closed_reason:
        closed = f" on {_when(state.closed_at)}" if state.closed_at else ""
        out.print(f"[bold]closed{closed}:[/bold] {escape(state.closed_reason)}", soft_wrap=True)
    out.print(f"playbook: {escape(state.playbook)}   won by: {escape(state.sale_workflow_id)}")
    owner = state.owner
    out.print(
        "owner: "
        + (escape(f"{owner.name} <{owner.email}>") if owner else "none (the support contact)")
    )
    health = state.health
    words = str(health).replace("_", " ")
    reasons = f": {escape('; '.join(state.health_reasons))}" if state.health_reasons else ""
    out.print(f"health: [{HEALTH_STYLE[health]}]{words}[/]{reasons}", soft_wrap=True)
    out.print(f"term: {_term(state, now)}")
    out.print(f"value: {_money(state.value, state.currency)}")
    if state.next_action is not None:
        due = state.next_action.due_at
        out.print(
            f"next: {escape(state.next_action.description)}"
            + (f"  due {_when(due)}" if due else ""),
            soft_wrap=True,
        )
    if state.concerns:
        out.print("[bold red]needs attention:[/bold red]")
        for concern in state.concerns:
            out.print(f"  {escape(concern.what)} (since {_when(concern.since)})", soft_wrap=True)
    _orders(state, now)
    _tickets(state.tickets)
    _follow_ups(state, now)
    _sales(state.sales)
    if state.feedback:
        scores = ", ".join(f"{f.score} ({_when(f.at)})" for f in state.feedback[-3:])
        out.print(f"feedback: {scores}")
    for rejected in state.rejected_events:
        out.print(
            f"  [red]rejected[/red] {escape(rejected.signal)}: {escape(rejected.reason)}",
            soft_wrap=True,
        )


def _orders(state: AccountState, now: datetime) -> None:
    if not state.orders:
        fulfilled = ", ".join(state.orders_fulfilled)
        out.print("orders: none" + (f" (fulfilled: {escape(fulfilled)})" if fulfilled else ""))
        return
    done = sum(1 for order in state.orders if order.fulfilled_at is not None)
    out.print(f"orders: {len(state.orders)}, {done} fulfilled")
    for order in state.orders:
        out.print("  " + _order_line(order, state.currency, now), soft_wrap=True)


def _order_line(order: AccountOrder, currency: str | None, now: datetime) -> str:
    parts = [escape(order.order_number)]
    if order.amount is not None:
        parts.append(_money(order.amount, currency))
    if order.placed_at:
        parts.append(f"placed {_when(order.placed_at)}")
    parts.append(f"promised by {_promised(order.promised_by)}" if order.promised_by else "no date")
    if order.shipped_at:
        parts.append(f"shipped {_when(order.shipped_at)}")
    if order.fulfilled_at:
        parts.append(f"fulfilled {_when(order.fulfilled_at)}")
        if order.late(now):
            parts.append("[yellow](late)[/yellow]")
    elif order.late(now) or order.escalations:
        parts.append("[bold red]LATE[/bold red]")
    return "  ".join(parts)


def _tickets(tickets: list[AccountTicket]) -> None:
    open_tickets = [ticket for ticket in tickets if ticket.resolved_at is None]
    resolved = len(tickets) - len(open_tickets)
    more = f" ({resolved} resolved)" if resolved else ""
    out.print(f"open tickets: {len(open_tickets)}{more}")
    for ticket in open_tickets:
        subject = f"  {escape(ticket.subject)}" if ticket.subject else ""
        clocks = "; ".join(_clock(clock) for clock in ticket.clocks) or "no service level"
        out.print(
            f"  {escape(ticket.ticket_id)}  {ticket.priority}{subject}  opened "
            f"{_when(ticket.opened_at)}  {clocks}",
            soft_wrap=True,
        )


def _clock(clock: SlaClock) -> str:
    what = str(clock.kind).replace("_", " ")
    if clock.breached_at is not None:
        return f"{what} [bold red]BREACHED[/bold red] {_when(clock.breached_at)}"
    if clock.stopped_at is not None:
        return f"{what} met {_when(clock.stopped_at)}"
    return f"{what} due {_when(clock.due_at)}"


def _follow_ups(state: AccountState, now: datetime) -> None:
    pending = [task for task in state.follow_ups if task.done_at is None]
    if not pending:
        return
    out.print(f"follow-ups open: {len(pending)}")
    for task in pending:
        overdue = "  [bold red]OVERDUE[/bold red]" if task.due_at < now else ""
        out.print(
            f"  {escape(task.task_id)}  {escape(task.reason)}  due {_when(task.due_at)}{overdue}",
            soft_wrap=True,
        )


def _sales(sales: list[AccountSale]) -> None:
    if not sales:
        return
    out.print(f"sales started: {len(sales)}")
    for sale in sales:
        if sale.outcome == "WON":
            value = sale.deal_value
            outcome = "[green]WON[/green]" + (
                f" {_money(value, sale.currency)}" if value is not None else ""
            )
        elif sale.outcome is not None:
            reason = f" ({escape(sale.lost_reason)})" if sale.lost_reason else ""
            outcome = f"[red]{escape(sale.outcome)}[/red]{reason}"
        else:
            outcome = "open"
        out.print(
            f"  {escape(sale.workflow_id)}  {sale.kind}  {escape(sale.playbook)}  "
            f"started {_when(sale.started_at)}  {outcome}",
            soft_wrap=True,
        )


def _term(state: AccountState, now: datetime) -> str:
    if state.term_ends_on is None:
        return "none"
    start = f"{state.term_started_on} to " if state.term_started_on else "ends "
    days = (state.term_ends_on - now.date()).days
    left = f"ends in {days} days" if days >= 0 else f"ended {-days} days ago"
    return f"{start}{state.term_ends_on} ({left})"


def _money(amount: Decimal, currency: str | None) -> str:
    if currency is None:
        return str(amount)
    try:
        return format_money(amount, currency)
    except CurrencyError:
        return f"{currency} {amount}"


def _when(at: datetime | None) -> str:
    """An instant as ops read the rest of the CLI: UTC, to the minute."""
    if at is None:
        return "-"
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _promised(at: datetime) -> str:
    """A promised moment: the end of the customer's promised day reads as that day."""
    if at.time() == time(0):
        return str((at - timedelta(seconds=1)).date())
    return _when(at)
