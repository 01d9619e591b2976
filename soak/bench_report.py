"""The figures of `make bench`: percentiles, the table printed at the end, the JSON written.

The JSON's keys are a contract (DESIGN.md, "Names"): `throughput` {`sales_per_s`,
`floor_per_s`, `ratio`}, `latency_s` {`p50`, `p95`, `p99`}, `actions_per_won_sale`,
`action_breakdown`, `history_bytes_per_won_sale`, `capacity` {`open_sales`,
`worker_rss_mb`, `server_rss_mb`, `step_all_s`}, `import_rows_per_s`, `machine`; every
other key is there to read them by.
"""

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from simulation.actions import KINDS


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between the closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_figures(seconds: Sequence[float]) -> dict[str, float | None]:
    if not seconds:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    figures: dict[str, float | None] = {
        f"p{q}": round(percentile(seconds, q), 3) for q in (50, 95, 99)
    }
    figures["max"] = round(max(seconds), 3)
    return figures


def ratio(floor_per_s: float, sales_per_s: float) -> float | None:
    return round(floor_per_s / sales_per_s, 2) if sales_per_s else None


def write(path: Path, figures: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)


def _n(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render(console: Console, figures: Mapping[str, Any]) -> None:
    """The figures as tables, the JSON's names in the first column."""
    main = Table(title="make bench", show_header=True, header_style="bold")
    main.add_column("figure")
    main.add_column("value", justify="right")
    main.add_column("what", overflow="fold")
    tp = figures["throughput"]
    main.add_row("throughput.sales_per_s", _n(tp["sales_per_s"]), tp["what"])
    main.add_row("throughput.floor_per_s", _n(tp["floor_per_s"]), tp["floor"])
    main.add_row("throughput.ratio", _n(tp["ratio"]), "floor / sales")
    main.add_row(
        "  per sale: median start→WON",
        f"{_n(tp['sale_median_s'])} s",
        f"floor {_n(tp['floor_median_s'])} s; {tp['sales']} of each, {tp['batch']} at once",
    )
    two = tp.get("two_workers")
    if two:
        main.add_row(
            "  two workers: sales / floor",
            f"{_n(two['sales_per_s'])} / {_n(two['floor_per_s'])}",
            f"a second, {two['what']}",
        )
    main.add_row("  per sale: PDF typesetting", f"{_n(tp['pdf_s_per_sale'], 3)} s", tp["pdf"])
    main.add_row("  per sale: SMTP hand-off", f"{_n(tp['smtp_s_per_sale'], 3)} s", tp["smtp"])
    lat = figures["latency_s"]
    for label, part in (("latency_s p50 / p95 / p99", lat), ("  burst", lat.get("burst"))):
        if part:
            percentiles = " / ".join(_n(part[p]) for p in ("p50", "p95", "p99"))
            main.add_row(label, f"{percentiles} s", part["what"])
    lite = figures.get("sqlite")
    if lite:
        sides = ("sqlite_defaults", "chosen", "no_sync")
        main.add_row(
            "sqlite: defaults / chosen / no sync",
            " / ".join(_n(lite[side]["sales_per_s"]) for side in sides),
            f"{lite['what']}; chosen: {', '.join(lite['chosen']['pragmas'])}",
        )
    cap = figures["capacity"]
    main.add_row("capacity.open_sales", _n(cap["open_sales"]), cap["what"])
    main.add_row("capacity.worker_rss_mb", _n(cap["worker_rss_mb"], 0), cap["worker"])
    main.add_row("capacity.server_rss_mb", _n(cap["server_rss_mb"], 0), cap["server"])
    main.add_row("capacity.step_all_s", _n(cap["step_all_s"]), cap["step"])
    intake = figures["import"]
    main.add_row("import_rows_per_s", _n(figures["import_rows_per_s"], 0), intake["what"])
    main.add_row("  rows started per s", _n(intake["started_rows_per_s"], 0), intake["started"])
    console.print(main)

    cost = Table(title="per won sale (simulation's buyer persona)", header_style="bold")
    cost.add_column("playbook")
    cost.add_column("actions", justify="right")
    cost.add_column("history bytes (JSON)", justify="right")
    cost.add_column("as stored", justify="right")
    breakdown: Mapping[str, Mapping[str, int]] = figures["action_breakdown"]
    kinds = [k for k in KINDS if any(k in kinds for kinds in breakdown.values())]
    for kind in kinds:
        cost.add_column(kind.replace("_", " "), justify="right")
    for playbook, actions in figures["actions_per_won_sale"].items():
        cost.add_row(
            playbook,
            _n(actions),
            _n(figures["history_bytes_per_won_sale"][playbook]),
            _n(figures.get("history_size_per_won_sale", {}).get(playbook, 0)),
            *(_n(breakdown[playbook].get(kind, 0)) for kind in kinds),
        )
    console.print(cost)
    for playbook, days in figures.get("actions_by_start_day", {}).items():
        counted = ", ".join(f"{day} {count}" for day, count in days.items())
        console.print(f"{playbook} buyer's actions by the day it begins (bench: Wed): {counted}")
    machine = figures["machine"]
    console.print(
        f"machine: {machine['cores']} cores, Python {machine['python']}, temporalio "
        f"{machine['temporalio']}, temporal {machine['temporal_cli']}; "
        f"bench {figures['seconds']:.0f} s"
    )
    other = sum(part.get("other", 0.0) for part in figures["cpu_s"].values())
    if other > 0.1 * figures["seconds"]:
        console.print(
            f"[yellow]other programs used {other:.0f} CPU seconds meanwhile (load average "
            f"{figures['load_average_at_start']} at the start): every figure is slower for "
            "it; cpu_s in the JSON says where[/yellow]"
        )
