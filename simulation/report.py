"""What a simulation shows: outcomes and when, every email's day, gate waits, actions per sale;
and, where accounts were simulated, what became of the won customers (`account_report`)."""

import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Group
from rich.table import Table

from sales.state import GateStatus, SaleState
from simulation.account_report import AccountFigures, account_figures, render_accounts
from simulation.driver import SaleRun


class Days(BaseModel):
    """When something happened, in days after the sale started: first, median, last."""

    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> "Days":
        return cls(
            min=round(min(values), 1),
            median=round(statistics.median(values), 1),
            max=round(max(values), 1),
        )

    def __str__(self) -> str:
        if self.min == self.max:
            return f"day {self.min:g}"
        return f"day {self.min:g} to {self.max:g} (median {self.median:g})"


class OutcomeFigure(BaseModel):
    outcome: str
    sales: int
    days: Days


class EmailFigure(BaseModel):
    step: str
    sales: int
    days: Days


class GateFigure(BaseModel):
    gate: str
    waited: int
    passed: int
    failed: int
    skipped: int
    wait_days: Days | None


class Figures(BaseModel):
    """Everything `playbook simulate` prints, also as JSON."""

    playbook: str
    version: str
    leads: int
    seconds: float
    outcomes: list[OutcomeFigure]
    emails: list[EmailFigure]
    gates: list[GateFigure]
    actions_total: int
    actions_per_sale: float
    actions_by_outcome: dict[str, float]
    personas: dict[str, dict[str, int]]
    events_sent: int
    commands_refused: int
    events_rejected: int
    accounts: AccountFigures | None = None


def _day(state: SaleState, at: datetime) -> float:
    start = state.timeline[0].at
    return (at - start).total_seconds() / 86400


def outcome_of(state: SaleState) -> str:
    if state.lost_reason is not None:
        return f"LOST {state.lost_reason}"
    return str(state.stage)


def figures(
    runs: list[SaleRun],
    *,
    playbook: str,
    version: str,
    seconds: float,
    with_accounts: bool = False,
) -> Figures:
    """The figures of a finished simulation; `with_accounts`: it simulated the accounts of
    the won sales (their section is there even when no sale was won)."""
    ended: dict[str, list[float]] = defaultdict(list)
    emails: dict[str, list[float]] = defaultdict(list)
    gates: dict[str, Counter[str]] = defaultdict(Counter)
    waits: dict[str, list[float]] = defaultdict(list)
    actions: dict[str, list[int]] = defaultdict(list)
    personas: dict[str, Counter[str]] = defaultdict(Counter)
    for run in runs:
        state = run.state
        outcome = outcome_of(state)
        ended[outcome].append(_day(state, state.timeline[-1].at))
        actions[str(state.stage)].append(run.actions)
        personas[run.persona][outcome] += 1
        for email in state.emails:
            emails[email.step].append(_day(state, email.sent_at))
        for gate in state.gates:
            gates[gate.gate][gate.status] += 1
            if gate.status is not GateStatus.SKIPPED and gate.decided_at is not None:
                waits[gate.gate].append((gate.decided_at - gate.opened_at).total_seconds() / 86400)
    total = sum(run.actions for run in runs)
    accounts = [run.account for run in runs if run.account is not None]
    simulated = with_accounts or bool(accounts)
    return Figures(
        playbook=playbook,
        version=version,
        leads=len(runs),
        seconds=round(seconds, 1),
        outcomes=[
            OutcomeFigure(outcome=o, sales=len(days), days=Days.of(days))
            for o, days in sorted(ended.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        emails=[
            EmailFigure(step=step, sales=len(days), days=Days.of(days))
            for step, days in sorted(emails.items(), key=lambda item: statistics.median(item[1]))
        ],
        gates=[
            GateFigure(
                gate=gate,
                waited=counts[GateStatus.PASSED] + counts[GateStatus.FAILED],
                passed=counts[GateStatus.PASSED],
                failed=counts[GateStatus.FAILED],
                skipped=counts[GateStatus.SKIPPED],
                wait_days=Days.of(waits[gate]) if waits[gate] else None,
            )
            for gate, counts in gates.items()
        ],
        actions_total=total,
        actions_per_sale=round(total / len(runs), 1) if runs else 0.0,
        actions_by_outcome={k: round(statistics.mean(v), 1) for k, v in sorted(actions.items())},
        personas={name: dict(counts) for name, counts in personas.items()},
        events_sent=sum(len(run.sent) for run in runs),
        commands_refused=sum(len(run.refused) for run in runs),
        events_rejected=sum(len(run.state.rejected_events) for run in runs),
        accounts=account_figures(accounts) if simulated else None,
    )


def render(figures: Figures) -> Group:
    """The figures as tables a sales-ops person reads in a minute."""
    f = figures
    header = (
        f"[bold]{f.leads} simulated {f.playbook} sales[/bold] (playbook version {f.version}) "
        f"in {f.seconds:g} s"
    )
    outcomes = Table("outcome", "sales", "share", "when", title="Outcomes", title_justify="left")
    for o in f.outcomes:
        outcomes.add_row(o.outcome, str(o.sales), f"{o.sales / f.leads:.0%}", str(o.days))
    emails = Table("email", "sales", "sent", title="Emails", title_justify="left")
    for e in f.emails:
        emails.add_row(e.step, str(e.sales), str(e.days))
    gates = Table(
        "gate", "waited", "passed", "failed", "skipped", "wait", title="Gates", title_justify="left"
    )
    for g in f.gates:
        wait = "-" if g.wait_days is None else str(g.wait_days).replace("day", "days", 1)
        gates.add_row(g.gate, str(g.waited), str(g.passed), str(g.failed), str(g.skipped), wait)
    by_outcome = ", ".join(f"{k} {v:g}" for k, v in f.actions_by_outcome.items())
    personas = "; ".join(
        f"{name}: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items()))
        for name, counts in f.personas.items()
    )
    parts: list[Any] = [header, outcomes, emails]
    if f.gates:
        parts.append(gates)
    parts += [
        f"Actions: {f.actions_total} in all, {f.actions_per_sale:g} per sale ({by_outcome})",
        f"Personas: {personas}",
        f"Events: {f.events_sent} sent, {f.commands_refused} seller commands refused, "
        f"{f.events_rejected} rejected by the sales",
    ]
    if f.accounts is not None:
        parts.append(render_accounts(f.accounts))
    return Group(*parts)
