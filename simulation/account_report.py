"""What a simulation shows of the accounts its won sales opened: orders late and escalated,
ticket breaches by clock and level, follow-ups, renewals, health at the end, emails sent."""

import statistics
from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel
from rich.console import Group
from rich.table import Table

from sales.account.records import ClockKind, Health, SaleKind
from simulation.account_driver import AccountRun
from simulation.account_plan import ACCOUNT_YEARS

# An escalation's level by its place on the clock: the owner (or the support contact where
# the account has none) hears of a breach first, the support lead when it is missed twice.
LEVELS = ("owner", "support_lead")


class BreachFigure(BaseModel):
    """Service-level breaches of one clock, by who was told."""

    clock: str
    owner: int
    support_lead: int


class AccountFigures(BaseModel):
    """The accounts of the won sales, each followed for `years` and then closed."""

    accounts: int
    years: int
    orders: int
    late_orders_escalated: int
    tickets: int
    ticket_breaches: list[BreachFigure]
    scores: int
    score_median: float | None
    follow_ups_opened: int
    follow_ups_done: int
    renewals_started: int
    renewals_won: int
    renewals_lost: int
    health: dict[str, int]
    closed: dict[str, int]
    emails: dict[str, int]
    actions_total: int
    actions_per_account: float
    renewal_sale_actions: int
    events_sent: int
    events_rejected: int


def account_figures(runs: Sequence[AccountRun]) -> AccountFigures:
    """The figures of the accounts a simulation drove."""
    states = [run.state for run in runs]
    breaches = {kind: Counter[str]() for kind in ClockKind}
    for state in states:
        for ticket in state.tickets:
            for clock in ticket.clocks:
                for level, _ in zip(LEVELS, clock.escalations, strict=False):
                    breaches[clock.kind][level] += 1
    renewals = [s for state in states for s in state.sales if s.kind is SaleKind.RENEWAL]
    scores = [f.score for state in states for f in state.feedback]
    health = Counter(str(state.health) for state in states)
    emails = Counter(email.template for state in states for email in state.emails)
    actions = sum(run.actions for run in runs)
    return AccountFigures(
        accounts=len(runs),
        years=max((run.years for run in runs), default=ACCOUNT_YEARS),
        orders=sum(len(state.orders) for state in states),
        late_orders_escalated=sum(1 for s in states for o in s.orders if o.escalations),
        tickets=sum(len(state.tickets) for state in states),
        ticket_breaches=[
            BreachFigure(clock=str(kind), owner=n["owner"], support_lead=n["support_lead"])
            for kind, n in breaches.items()
        ],
        scores=len(scores),
        score_median=statistics.median(scores) if scores else None,
        follow_ups_opened=sum(len(state.follow_ups) for state in states),
        follow_ups_done=sum(1 for s in states for task in s.follow_ups if task.done_at),
        renewals_started=len(renewals),
        renewals_won=sum(1 for sale in renewals if sale.outcome == "WON"),
        renewals_lost=sum(1 for sale in renewals if sale.outcome == "LOST"),
        health={str(h): health[str(h)] for h in Health},
        closed=dict(Counter(state.closed_reason or "not closed" for state in states)),
        emails=dict(sorted(emails.items(), key=lambda item: (-item[1], item[0]))),
        actions_total=actions,
        actions_per_account=round(actions / len(runs), 1) if runs else 0.0,
        renewal_sale_actions=sum(sale.actions for run in runs for sale in run.renewals),
        events_sent=sum(len(run.sent) for run in runs),
        events_rejected=sum(len(state.rejected_events) for state in states),
    )


def render_accounts(f: AccountFigures) -> Group:
    """The accounts' figures as ops read them."""
    if not f.accounts:
        return Group("[bold]No account[/bold]: no sale was won.")
    header = (
        f"[bold]{f.accounts} accounts[/bold] of the won sales, each followed for {f.years} "
        "years, then closed"
    )
    table = Table("account", "figure", title="Accounts", title_justify="left")
    late = f"{f.late_orders_escalated} late and escalated"
    table.add_row("orders", f"{f.orders} ({late})")
    table.add_row("tickets", str(f.tickets))
    median = f", median {f.score_median:g}" if f.score_median is not None else ""
    table.add_row("scores", f"{f.scores}{median}")
    table.add_row("follow-ups", f"{f.follow_ups_opened} opened, {f.follow_ups_done} done")
    table.add_row(
        "renewals",
        f"{f.renewals_started} started, {f.renewals_won} won, {f.renewals_lost} lost",
    )
    table.add_row("health at the end", ", ".join(f"{n} {h}" for h, n in f.health.items()))
    for reason, count in f.closed.items():
        table.add_row("closed", f"{count}: {reason}")
    breaches = Table("clock", "to the owner", "to the support lead", title="Ticket breaches")
    breaches.title_justify = "left"
    for b in f.ticket_breaches:
        breaches.add_row(b.clock.replace("_", " "), str(b.owner), str(b.support_lead))
    emails = Table("email", "sent", title="Account emails", title_justify="left")
    for name, count in f.emails.items():
        emails.add_row(name, str(count))
    return Group(
        header,
        table,
        breaches,
        emails,
        f"Account actions: {f.actions_total} in all, {f.actions_per_account:g} per account, "
        f"and {f.renewal_sale_actions} in their renewal sales; events: {f.events_sent} sent, "
        f"{f.events_rejected} rejected by the accounts",
    )
