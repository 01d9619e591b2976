"""`make soak`: a thousand sales with random customers on real parts, with faults in the middle.

    python -m soak [--sales 1000] [--minutes 12] [--seed 1] [--wait 10]

Starts a dev server of its own (fresh database under `.data/soak/`), an SMTP server in
this process and `worker.py` as a subprocess (its log in `.data/soak/worker.log`); starts
the sales at an even pace over the first 70 % of the time, each with its customer's script
(`soak.plans`); kills the worker with SIGKILL and starts it again, and stops the SMTP server
for 20-30 s and starts it again on the same port; then reads every sale back and checks
the invariants (`soak.checks`). Exit status 1 when one is broken.
"""

import argparse
import asyncio
import os
import random
import shutil
import sys
import time

from temporalio.client import Client

from devstack.parts import DevServer, WorkerProcess
from devstack.ports import HOST
from privacy.converter import data_converter
from sales.stages import SalesStage
from settings import Settings
from soak.checks import (
    Fault,
    Section,
    determinism_section,
    email_section,
    event_section,
    outcome_section,
)
from soak.driver import Driver, SaleRun
from soak.plans import plan_sales, shrunk_playbooks
from soak.report import (
    DATA,
    console,
    header,
    nondeterminism_in,
    print_sections,
    shown,
    write_details,
)
from soak.stack import Inbox, SmtpServer, cpu_seconds

TASK_QUEUE = "soak"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n")[0])
    parser.add_argument("--sales", type=int, default=1000, help="sales to run (1000)")
    parser.add_argument("--minutes", type=float, default=12.0, help="the whole run's deadline")
    parser.add_argument("--seed", type=int, default=1, help="customers and faults drawn from it")
    parser.add_argument(
        "--wait", type=float, default=10.0, help="seconds: the unit of the playbooks' waits"
    )
    parser.add_argument("--in-flight", type=int, default=300, help="sales driven at once")
    parser.add_argument("--rpc", type=int, default=32, help="calls to the server at once")
    parser.add_argument(
        "--launch",
        type=float,
        default=None,
        help="seconds to start all sales over (70%% of the time before the deadline)",
    )
    args = parser.parse_args(argv)
    if args.sales < 1 or args.minutes <= 0 or args.wait <= 0:
        parser.error("--sales, --minutes and --wait must be positive")
    return args


async def soak(args: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    began, t0 = time.time(), loop.time()
    budget = args.minutes * 60
    # Time kept at the end to read back the last sales, won sales' support, and check.
    reserve = min(90.0, max(24.0, 0.12 * budget))
    end = t0 + budget
    sales_deadline = end - reserve
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    server = DevServer(DATA)
    inbox = Inbox(loop)
    smtp = SmtpServer(inbox)
    worker: WorkerProcess | None = None
    try:
        ready = await server.start()
        await asyncio.to_thread(smtp.start)
        settings = Settings(
            data_dir=DATA,
            temporal_port=server.settings.temporal_port,
            smtp_host=HOST,
            smtp_port=smtp.port,
            task_queue=TASK_QUEUE,
            documents_dir=DATA / "documents",
        )
        worker = WorkerProcess(server.address, settings, DATA / "worker.log", stop_timeout=10)
        worker.start()
        client = await Client.connect(server.address, data_converter=data_converter(settings))
        plans = plan_sales(args.sales, args.seed, args.wait, settings)
        console.print(
            f"soak: {args.sales} sales, seed {args.seed}, wait unit {args.wait:g} s, deadline "
            f"{args.minutes:g} min; dev server {server.address} (ready in {ready:.1f} s), "
            f"SMTP {HOST}:{smtp.port}\n      worker log {shown(worker.log_path)}, server log "
            f"{shown(server.log_path)}"
        )
        driver = Driver(
            client,
            shrunk_playbooks(settings, args.wait),
            TASK_QUEUE,
            inbox,
            deadline=sales_deadline,
            in_flight=args.in_flight,
            rpc=args.rpc,
            milestone_timeout=max(120.0, 12 * args.wait),
        )
        launch_at = loop.time()
        span = args.launch if args.launch is not None else 0.7 * (sales_deadline - launch_at)
        faults: list[Fault] = []
        rng = random.Random(f"soak:{args.seed}:faults")
        chaos = asyncio.create_task(
            break_things(worker, smtp, rng, (launch_at, span), began, faults)
        )
        tasks: list[asyncio.Task[SaleRun]] = []
        for index, plan in enumerate(plans):
            await sleep_until(launch_at + index * span / len(plans))
            if loop.time() >= sales_deadline:
                break
            task = asyncio.create_task(driver.run(plan))
            tasks.append(task)
            if index % 100 == 99:
                progress(index + 1, len(plans), t0, loop, tasks)
        _, late = await asyncio.wait(tasks, timeout=max(1.0, end - reserve / 2 - loop.time()))
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        runs = driver.runs
        await chaos
        sales_over = time.time()
        won = [r for r in runs if r.outcome is not None and r.outcome.stage is SalesStage.WON]
        reads = [asyncio.create_task(driver.read_support(run, settle=10.0)) for run in won]
        if reads:
            _, unread = await asyncio.wait(reads, timeout=max(5.0, end - reserve / 4 - loop.time()))
            for read in unread:
                read.cancel()
        arrivals = inbox.snapshot()
        write_details(DATA / "sales.jsonl", runs, arrivals)
        sections = [
            outcome_section(runs),
            email_section(runs, arrivals, faults),
            event_section(runs),
            determinism_section(runs, nondeterminism_in(worker.log_path)),
            parts_section(worker, server),
        ]
        header(args, runs, len(plans), began, sales_over, faults, len(late))
        cpu = {
            "this process": time.process_time(),
            "worker (since its restart)": cpu_seconds(worker.child),
            "dev server": cpu_seconds(server.child),
        }
        console.print(
            "  CPU seconds: "
            + ", ".join(f"{part} {used:.0f}" for part, used in cpu.items() if used is not None)
        )
        return print_sections(sections, worker.log_path)
    finally:
        if worker is not None:
            worker.stop()
        smtp.stop()
        server.kill(timeout=10)


def parts_section(worker: WorkerProcess, server: DevServer) -> Section:
    """The parts still up at the end: one that stopped by itself would have stalled the sales."""
    section = Section("Parts")
    section.add("worker started (the first, and after the kill)", worker.starts)
    down = [
        f"{child.name}: exit status {child.process.returncode}"
        for child in (worker.child, server.child)
        if child is not None and child.process.poll() is not None
    ]
    section.invariant("parts that stopped by themselves", down)
    return section


async def break_things(
    worker: WorkerProcess,
    smtp: SmtpServer,
    rng: random.Random,
    launch: tuple[float, float],
    began: float,
    faults: list[Fault],
) -> None:
    """The worker killed with SIGKILL and restarted; later the SMTP server down for a while."""
    loop = asyncio.get_running_loop()
    launch_at, span = launch
    await sleep_until(launch_at + span * rng.uniform(0.25, 0.35))
    killed = time.time()
    await worker.kill()
    await asyncio.sleep(rng.uniform(2.0, 5.0))
    worker.start()
    faults.append(Fault("worker killed", killed, time.time()))
    console.print(f"      worker killed with SIGKILL at {killed - began:.0f} s, restarted")
    await sleep_until(max(loop.time(), launch_at + span * rng.uniform(0.55, 0.7)))
    stopped = time.time()
    await asyncio.to_thread(smtp.stop)
    down = rng.uniform(20.0, 30.0)
    await asyncio.sleep(down)
    await asyncio.to_thread(smtp.start)
    faults.append(Fault("SMTP server stopped", stopped, time.time()))
    console.print(f"      SMTP server stopped at {stopped - began:.0f} s for {down:.0f} s")


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - asyncio.get_running_loop().time()))


def progress(
    started: int,
    total: int,
    t0: float,
    loop: asyncio.AbstractEventLoop,
    tasks: list[asyncio.Task[SaleRun]],
) -> None:
    ended = sum(1 for task in tasks if task.done())
    console.print(
        f"      {loop.time() - t0:5.0f} s: {started}/{total} started, {ended} ended and read"
    )


def main() -> int:
    args = parse_args(sys.argv[1:])
    try:
        return asyncio.run(soak(args))
    except KeyboardInterrupt:
        console.print("interrupted; every part stopped")
        return 130


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # temporalio/sdk-python#300: a process that used a client may abort at exit
