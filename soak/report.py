"""What a soak run prints and keeps: the figures as tables, and each sale in detail."""

import json
import sys
import time
from argparse import Namespace
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from settings import ROOT
from soak.checks import Fault, Section, outcome_of
from soak.driver import SaleRun
from soak.stack import Arrival

DATA = ROOT / ".data" / "soak"
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def nondeterminism_in(log: Path) -> list[str]:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return [f"cannot read {log}"]
    return [line.strip()[:300] for line in text.splitlines() if "nondetermin" in line.lower()]


def write_details(path: Path, runs: list[SaleRun], arrivals: list[Arrival]) -> None:
    """One line per sale: its script as sent, its outcome, what it recorded and what arrived."""
    by_sale: dict[str, list[Arrival]] = {}
    for arrival in arrivals:
        by_sale.setdefault(arrival.workflow_id, []).append(arrival)
    with path.open("w", encoding="utf-8") as file:
        for run in runs:
            state = run.state
            line = {
                "workflow_id": run.workflow_id,
                "persona": run.plan.persona,
                "scripted": str(run.plan.expected),
                "outcome": outcome_of(run),
                "started_at": run.started_at,
                "ended_at": run.ended_at,
                "sent": [
                    {
                        "name": s.action.name,
                        "event_id": s.action.event_id,
                        "role": s.action.role,
                        "how": s.action.how,
                        "at": s.at,
                        "outcome": s.outcome,
                    }
                    for s in run.sent
                ],
                "state": state.model_dump(
                    mode="json",
                    include={"stage", "lost_reason", "emails", "applied_events", "timeline"}
                    | {"rejected_events", "dropped_events", "pending_events"},
                )
                if state
                else None,
                "arrived": [
                    asdict(a)
                    for sale in (run.workflow_id, run.support_id)
                    for a in by_sale.get(sale, [])
                ],
                "read_errors": run.read_errors,
            }
            file.write(json.dumps(line, default=str) + "\n")


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def header(
    args: Namespace,
    runs: list[SaleRun],
    planned: int,
    began: float,
    sales_over: float,
    faults: list[Fault],
    cut: int,
) -> None:
    starts = [r.started_at for r in runs if r.started_at is not None]
    ends = [r.ended_at for r in runs if r.ended_at is not None]
    took = time.time() - began
    console.print(f"\n[bold]Soak run, seed {args.seed}[/bold]: {len(runs)} of {planned} sales")
    for fault in faults:
        console.print(
            f"  {fault.what} at {fault.start - began:.0f} s, back at {fault.end - began:.0f} s "
            f"({fault.end - fault.start:.1f} s)"
        )
    if starts and ends:
        busy = max(ends) - min(starts)
        console.print(
            f"  {len(ends)} sales ended in {busy:.0f} s from the first start: "
            f"{len(ends) / busy:.2f} sales/s; sales phase {sales_over - began:.0f} s, "
            f"whole run {took:.0f} s of {args.minutes * 60:.0f} s"
        )
    if cut:
        console.print(f"  [red]{cut} sales could not be read back before the deadline[/red]")


def print_sections(sections: list[Section], log: Path) -> int:
    broken = 0
    for section in sections:
        table = Table(title=section.title, title_justify="left", show_header=False, box=None)
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_column("check")
        for line in section.lines:
            mark = "" if line.ok is None else ("ok" if line.ok else "[red]BROKEN[/red]")
            broken += line.ok is False
            table.add_row(line.label, line.value, mark)
        console.print()
        console.print(table)
        for line in section.lines:
            if line.examples:
                console.print(f"  [dim]{line.label}, e.g.:[/dim]")
                for example in line.examples:
                    console.print(f"    [dim]{example}[/dim]", soft_wrap=True)
    console.print(f"\nworker log: {shown(log)}; each sale in detail: {shown(DATA / 'sales.jsonl')}")
    if broken:
        console.print(f"[red bold]{broken} invariant(s) broken[/red bold]")
        return 1
    console.print("[green bold]every invariant holds[/green bold]")
    return 0
