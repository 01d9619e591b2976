"""`make bench`: what a sale costs on this stack, measured before anything is optimised.

    python -m soak.bench [--sales 200] [--batch 20] [--latency-sales 100] [--latency-spread 30]
                         [--sqlite-sales 40] [--open-sales 500] [--rows 10000]
                         [--started-rows 500] [--only PART] [--out .data/bench/latest.json]

Starts its own parts (an in-memory dev server, aiosmtpd in this process, the workers as
processes of their own; logs under `.data/bench/logs/`) and stops them, then prints a table
and writes the figures as JSON (keys in DESIGN.md, "Names"). The parts, in order:

- throughput (`soak.bench_throughput`): default-playbook sales from start to WON against
  bare sales of the same shape (`soak.bare`), interleaved batches on one worker process
  (`soak.bench_worker`) with PDF typesetting and SMTP left out and timed apart
  (`soak.bench_costs.apart`); every sale is driven as a customer would
  (`soak.bench_driving`);
- latency (`soak.bench_latency`): sales waiting in needs analysis told their needs, each at
  its own moment within a spread of seconds, then all at once; signal to the email it causes
  at the SMTP server, on `worker.py`;
- intake (`soak.bench_intake`): `starter.py import` of generated card rows;
- sqlite (`soak.bench_sqlite`): the same sales on two file-backed servers, SQLite's own
  settings against the pragmas `make run` passes;
- capacity (`soak.bench_capacity`): open sales waiting for a seller on a fresh server and
  `worker.py`, their memory, and one step for all;
- cost (`soak.bench_costs.won_sales`): each shipped playbook's sale driven to WON by the
  simulation's buyer persona, its history's billable actions by kind and its size.

Nothing is asserted: speed belongs here, not in the tests.
"""

import argparse
import asyncio
import os
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from temporalio.client import Client

from client.converter import OnePayload
from devstack.parts import WorkerProcess
from devstack.ports import HOST
from devstack.processes import log_tail
from privacy.converter import data_converter
from sales.playbook import Playbook, load_playbook
from settings import ROOT, Settings
from simulation.actions import total
from soak import bench_capacity, bench_costs, bench_intake, bench_latency, bench_sqlite
from soak.bench_parts import MemoryServer, Usage, machine, stderr_to
from soak.bench_report import latency_figures, ratio, render, write
from soak.bench_throughput import Side, Throughput, sizes
from soak.bench_worker import floor_queue
from soak.stack import Inbox, SmtpServer

DATA = ROOT / ".data" / "bench"
LOGS = DATA / "logs"
OUT = DATA / "latest.json"
WORKER_READY = 90.0
PARTS = ("throughput", "latency", "intake", "sqlite", "capacity", "cost")
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n")[0])
    add = parser.add_argument
    add("--sales", type=int, default=200, help="throughput: sales, and as many bare ones (200)")
    add("--batch", type=int, default=20, help="throughput: workflows driven at once (20)")
    add("--latency-sales", type=int, default=100, help="latency: sales driven at once (100)")
    add(
        "--latency-spread",
        type=float,
        default=30.0,
        help="latency: seconds within which each is told its needs (30), then all at once",
    )
    add(
        "--open-sales",
        type=int,
        default=500,
        help="capacity: open sales (500, twice the sticky cache; 10,000 take half an hour here)",
    )
    add(
        "--sqlite-sales",
        type=int,
        default=40,
        help="sqlite: sales on each file-backed server (40)",
    )
    add("--rows", type=int, default=10_000, help="intake: rows of the dry-run import (10000)")
    add("--started-rows", type=int, default=500, help="intake: rows of the real import (500)")
    add(
        "--only",
        action="append",
        choices=PARTS,
        help="run this part alone (repeatable); the JSON then holds its figures only",
    )
    add("--out", type=Path, default=OUT, help=f"the JSON written ({OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    sizes_ = [args.sales, args.batch, args.latency_sales, args.open_sales, args.rows]
    sizes_.append(args.sqlite_sales)
    if min(sizes_) < 1 or args.started_rows < 0 or args.latency_spread <= 0:
        parser.error("sizes must be positive")
    return args


def default_playbook(settings: Settings) -> Playbook:
    """The shipped default, the intro sent as the sale begins (as `make run`'s example
    sales): the bench must not wait for its leads' business hours."""
    return load_playbook(settings.playbooks_dir, "default").with_intro_at_once()


async def ready(worker: WorkerProcess, text: str) -> str:
    """Until the worker's log says `text` (it polls), or it stopped; that line's message."""
    assert worker.child is not None
    deadline = time.monotonic() + WORKER_READY
    while True:
        lines = log_tail(worker.log_path, worker.child.log_offset, 400).splitlines()
        said = next((line for line in lines if text in line), None)
        if said is not None:
            break
        if not worker.running or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{worker.log()}")
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # its pollers reach the server
    return said[said.index(text) :]


async def connect(address: str, settings: Settings) -> Client:
    converter = data_converter(settings)
    return await Client.connect(address, data_converter=converter, interceptors=[OnePayload()])


def say(text: str) -> None:
    console.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {text}")


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    began = time.perf_counter()
    shutil.rmtree(LOGS, ignore_errors=True)
    shutil.rmtree(DATA / "documents", ignore_errors=True)
    LOGS.mkdir(parents=True)
    inbox = Inbox(asyncio.get_running_loop())
    smtp = SmtpServer(inbox)
    await asyncio.to_thread(smtp.start)
    base = Settings(smtp_host=HOST, smtp_port=smtp.port, documents_dir=DATA / "documents")
    usage = Usage()
    figures: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
    }
    figures["workers"] = {}
    only = set(args.only or PARTS)
    try:
        if only & {"throughput", "latency", "intake"}:
            server = MemoryServer(LOGS / "temporal.log")
            say(f"dev server in memory ready in {await server.start():.1f} s at {server.address}")
            try:
                if "throughput" in only:
                    await _throughput(args, server, base, usage, figures)
                if "latency" in only:
                    await _latency(args, server, base, inbox, usage, figures)
                if "intake" in only:
                    await _intake(args, server, usage, figures)
            finally:
                server.stop()
        if "sqlite" in only:
            await _sqlite(args, base, usage, figures)
        if "capacity" in only:
            await _capacity(args, base, inbox, usage, figures)
        if "cost" in only:
            await _cost(base, usage, figures)
    finally:
        smtp.stop()
    figures["cpu_s"] = usage.parts
    figures["machine"] = machine()
    figures["seconds"] = round(time.perf_counter() - began, 1)
    return figures


async def _throughput(
    args: argparse.Namespace,
    server: MemoryServer,
    base: Settings,
    usage: Usage,
    figures: dict[str, Any],
) -> None:
    settings = base.model_copy(update={"task_queue": "bench-sales"})
    worker = WorkerProcess(
        server.address, settings, LOGS / "bench-worker.log", module="soak.bench_worker"
    )
    worker.start()
    try:
        figures["workers"]["throughput"] = await ready(worker, "bench worker polling")
        client = await connect(server.address, settings)
        playbook = default_playbook(settings)
        throughput = Throughput(client, playbook, settings.task_queue, floor_queue("bench-sales"))
        reference = await throughput.reference()
        await throughput.run(min(args.batch, args.sales), args.batch)  # warm-up, not counted
        say(f"throughput: {args.sales} sales and {args.sales} bare ones, {args.batch} at once")
        parts = {"worker": worker.child, "server": server.child}
        before = usage.now(parts)
        sales, floor = await throughput.run(args.sales, args.batch)
        usage.add("throughput", before, usage.now(parts))
        # The same with a second worker process on the same queues, on half as many sales (the
        # rate's the figure; the whole bench stays under 10 minutes on a slow day of 2 cores).
        second = WorkerProcess(
            server.address, settings, LOGS / "bench-worker-2.log", module="soak.bench_worker"
        )
        second.start()
        try:
            await ready(second, "bench worker polling")
            two_sales, two_floor = await throughput.run(max(args.sales // 2, 1), args.batch)
        finally:
            second.stop()
    finally:
        worker.stop()
    apart = await bench_costs.apart(client.data_converter, reference.sale.events, settings)
    shape = sizes(reference)
    figures["throughput"] = {
        "sales_per_s": round(sales.per_second, 2),
        "floor_per_s": round(floor.per_second, 2),
        "ratio": ratio(floor.per_second, sales.per_second),
        "what": "default-playbook sales start→WON a second (no PDF, no SMTP)",
        "floor": "bare sales of the same shape a second (soak/bare.py)",
        "sales": sales.count,
        "batch": args.batch,
        "sale_median_s": round(sales.median_seconds, 3),
        "floor_median_s": round(floor.median_seconds, 3),
        "quiet_sends": sales.quiet_sends + floor.quiet_sends,
        "pdf_s_per_sale": round(apart.pdf_s, 4),
        "pdf": f"typesetting {' + '.join(apart.documents)}, timed apart",
        "smtp_s_per_sale": round(apart.smtp_s, 4),
        "smtp": f"{len(apart.emails)} emails handed to SMTP ({', '.join(apart.emails)})",
        "shape": [segment.model_dump() for segment in reference.shape],
        "two_workers": {
            "sales_per_s": round(two_sales.per_second, 2),
            "floor_per_s": round(two_floor.per_second, 2),
            "ratio": ratio(two_floor.per_second, two_sales.per_second),
            "what": (
                f"the same with a second worker process on the same task queues, "
                f"{two_sales.count} of each"
            ),
            "sales": two_sales.count,
        },
        **shape,
    }
    say(
        f"throughput: {sales.per_second:.2f} sales/s, floor {floor.per_second:.2f}/s "
        f"(ratio {figures['throughput']['ratio']}); with two workers {two_sales.per_second:.2f} "
        f"sales/s, floor {two_floor.per_second:.2f}/s"
    )


async def _latency(
    args: argparse.Namespace,
    server: MemoryServer,
    base: Settings,
    inbox: Inbox,
    usage: Usage,
    figures: dict[str, Any],
) -> None:
    settings = base.model_copy(update={"task_queue": "bench-latency"})
    worker = WorkerProcess(server.address, settings, LOGS / "worker-latency.log")
    worker.start()
    try:
        figures["workers"]["latency"] = await ready(worker, "worker polling task queue")
        client = await connect(server.address, settings)
        count, spread = args.latency_sales, args.latency_spread
        playbook = default_playbook(settings)
        say(f"latency: {count} sales told their needs within {spread:g} s")
        parts = {"worker": worker.child, "server": server.child}
        before = usage.now(parts)
        paced = await bench_latency.measure(
            client, playbook, settings.task_queue, inbox, count, spread_s=spread
        )
        say(f"latency: {count} sales told their needs at once")
        burst = await bench_latency.measure(client, playbook, settings.task_queue, inbox, count)
        usage.add("latency", before, usage.now(parts))
    finally:
        worker.stop()
    what = f"{bench_latency.CAUSE} sent → its {bench_latency.EMAIL} email at the SMTP server"
    figures["latency_s"] = {
        **latency_figures(paced.seconds),
        "what": f"{what}, {count} sales driven at once, each told within {spread:g} s "
        f"({count / spread:.1f} a second)",
        "sales": count,
        "spread_s": spread,
        "missing": paced.missing,
        "retried_activities": paced.retried_activities,
        "burst": {
            **latency_figures(burst.seconds),
            "what": f"{what}, {count} sales told in the same instant",
            "missing": burst.missing,
            "retried_activities": burst.retried_activities,
        },
    }
    for name, lat in (("paced", figures["latency_s"]), ("burst", figures["latency_s"]["burst"])):
        say(f"latency ({name}): p50 {lat['p50']} s, p95 {lat['p95']} s, p99 {lat['p99']} s")


async def _sqlite(
    args: argparse.Namespace, base: Settings, usage: Usage, figures: dict[str, Any]
) -> None:
    folder = DATA / "sqlite"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    settings = base.model_copy(update={"task_queue": "bench-sqlite"})
    compared = bench_sqlite.settings_compared()
    servers = [
        bench_sqlite.FileServer(LOGS / f"temporal-{c.name}.log", folder / f"{c.name}.db", c.pragmas)
        for c in compared
    ]
    workers: list[WorkerProcess] = []
    try:
        drivers = []
        for one, server in zip(compared, servers, strict=True):
            await server.start()
            worker = WorkerProcess(
                server.address,
                settings,
                LOGS / f"worker-{one.name}.log",
                module="soak.bench_worker",
            )
            workers.append(worker)
            worker.start()
            await ready(worker, "bench worker polling")
            client = await connect(server.address, settings)
            throughput = Throughput(
                client, default_playbook(settings), settings.task_queue, floor_queue("bench-sqlite")
            )
            await throughput.sales(Side("warm-up"), min(args.batch, args.sqlite_sales))
            drivers.append((one, throughput))
        say(f"sqlite: {args.sqlite_sales} sales on each of {len(servers)} file-backed servers")
        parts = {f"server_{c.name}": s.child for c, s in zip(compared, servers, strict=True)}
        before = usage.now(parts)
        await bench_sqlite.alternate(drivers, args.sqlite_sales, args.batch)
        usage.add("sqlite", before, usage.now(parts))
    finally:
        for worker in workers:
            worker.stop()
        for server in servers:
            server.stop()
    by_name = {c.name: c for c in compared}
    figures["sqlite"] = {
        **{
            c.name: {"pragmas": c.pragmas, "sales_per_s": round(c.side.per_second, 2)}
            for c in compared
        },
        "chosen_vs_defaults": round(
            by_name["chosen"].side.per_second / by_name["sqlite_defaults"].side.per_second, 2
        ),
        "what": f"default-playbook sales start→WON a second on a SQLite file, {args.sqlite_sales} "
        f"on each server, {args.batch} at once, batches alternating",
    }
    lite = figures["sqlite"]
    say(
        f"sqlite: defaults {lite['sqlite_defaults']['sales_per_s']} sales/s, chosen "
        f"{lite['chosen']['sales_per_s']} ({lite['chosen_vs_defaults']} times)"
    )


async def _intake(
    args: argparse.Namespace, server: MemoryServer, usage: Usage, figures: dict[str, Any]
) -> None:
    cards = LOGS / "cards.csv"
    bench_intake.write_cards(cards, args.rows, "dry")
    say(f"intake: starter.py import --dry-run of {args.rows} rows")
    before = usage.now({"server": server.child})
    dry = await bench_intake.import_cards(cards, server.address, "bench-import", dry_run=True)
    usage.add("intake", before, usage.now({"server": server.child}))
    started = None
    if args.started_rows:
        bench_intake.write_cards(cards, args.started_rows, "real")
        say(f"intake: starter.py import of {args.started_rows} rows")
        started = await bench_intake.import_cards(
            cards, server.address, "bench-import", dry_run=False
        )
    figures["import_rows_per_s"] = round(args.rows / dry, 1)
    figures["import"] = {
        "what": f"starter.py import --dry-run: {args.rows} rows checked and looked up",
        "rows": args.rows,
        "dry_run_s": round(dry, 2),
        "started_rows": args.started_rows,
        "started_s": round(started, 2) if started else None,
        "started_rows_per_s": round(args.started_rows / started, 1) if started else None,
        "started": "starter.py import: each row's sale started (no worker on its queue)",
    }
    say(f"intake: {figures['import_rows_per_s']} rows/s (dry run)")


async def _capacity(
    args: argparse.Namespace, base: Settings, inbox: Inbox, usage: Usage, figures: dict[str, Any]
) -> None:
    server = MemoryServer(LOGS / "temporal-capacity.log")
    await server.start()
    settings = base.model_copy(update={"task_queue": "bench-open"})
    worker = WorkerProcess(server.address, settings, LOGS / "worker-capacity.log")
    worker.start()
    try:
        figures["workers"]["capacity"] = await ready(worker, "worker polling task queue")
        assert worker.child is not None and server.child is not None
        client = await connect(server.address, settings)
        say(f"capacity: {args.open_sales} open sales on a fresh server and worker")
        parts = {"worker": worker.child, "server": server.child}
        before = usage.now(parts)
        measured = await bench_capacity.measure(
            client,
            bench_capacity.seller_decides(default_playbook(settings)),
            settings.task_queue,
            inbox,
            args.open_sales,
            worker_pid=worker.child.process.pid,
            server_pid=server.pid,
        )
        usage.add("capacity", before, usage.now(parts))
    finally:
        worker.stop()
        server.stop()
    figures["capacity"] = bench_capacity.figures(measured)
    cap = figures["capacity"]
    say(
        f"capacity: {cap['open_sales']} open, worker {cap['worker_rss_mb']} MB, server "
        f"{cap['server_rss_mb']} MB, one step for all {cap['step_all_s']} s"
    )


async def _cost(base: Settings, usage: Usage, figures: dict[str, Any]) -> None:
    say(f"cost: one sale per playbook to WON ({', '.join(bench_costs.PLAYBOOKS)})")
    before = usage.now({})
    with stderr_to(LOGS / "simulation.log"):  # the time-skipping servers' banners
        won = await bench_costs.won_sales(base)
        by_day = await bench_costs.by_start_day(base)
    usage.add("cost", before, usage.now({}))
    # The default buyer begun on each working day: where its deadlines fall moves its count.
    figures["actions_by_start_day"] = {"default": by_day}
    figures["actions_per_won_sale"] = {sale.playbook: total(sale.actions) for sale in won}
    figures["action_breakdown"] = {sale.playbook: sale.actions for sale in won}
    figures["history_bytes_per_won_sale"] = {sale.playbook: sale.history_bytes for sale in won}
    # The same histories as the server counts and stores them (JSON above is ~2.5 times as big).
    figures["history_size_per_won_sale"] = {sale.playbook: sale.history_size for sale in won}
    figures["won_sales"] = {
        sale.playbook: {"stage": sale.stage, "history_events": sale.history_events} for sale in won
    }


def main() -> int:
    args = parse_args(sys.argv[1:])
    try:
        figures = asyncio.run(bench(args))
    except KeyboardInterrupt:
        console.print("interrupted; every part stopped")
        return 130
    write(args.out, figures)
    if args.only:
        console.print_json(data={k: v for k, v in figures.items() if k != "options"})
    else:
        render(console, figures)
    console.print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # temporalio/sdk-python#300: a process that used a client may abort at exit
