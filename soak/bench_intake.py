"""Intake: `starter.py import FILE` of generated card rows, as ops run it, timed end to end.

The rows look like a convention's card scans (`examples/convention-leads.csv`): each a new
address. `--dry-run` reads, checks and looks every row's sale up on the server and starts
nothing; a real import starts each row's sale, on a task queue no worker polls here, so the
figure is the intake alone (the sales' first steps are the worker's, measured elsewhere).
"""

import asyncio
import csv
import os
import sys
import time
from pathlib import Path

from settings import ROOT

HEADER = ("email", "first_name", "last_name", "company", "title", "country", "source", "notes")
COUNTRIES = ("DE", "NL", "AT", "GB", "FR", "PL", "SE", "CZ")


def write_cards(path: Path, rows: int, tag: str) -> None:
    """`rows` card rows, each a different lead, as a card scanner writes them."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for number in range(rows):
            writer.writerow(
                (
                    f"visitor{number}.{tag}@firma{number % 997}.example",
                    "Alex",
                    f"Visitor {number}",
                    f"Firma {number % 997} GmbH",
                    "Plant Manager",
                    COUNTRIES[number % len(COUNTRIES)],
                    "convention:bench",
                    "met at the booth",
                )
            )


async def import_cards(path: Path, address: str, task_queue: str, *, dry_run: bool) -> float:
    """Seconds `starter.py import` took over the file (exit status 0 required)."""
    # The bench's server only: no TEMPORAL_* variable of the shell, no envconfig profile.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
    env |= {
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": "default",
        "TEMPORAL_CONFIG_FILE": os.devnull,
        "SALESFLOW_TASK_QUEUE": task_queue,
    }
    command = [sys.executable, "starter.py", "import", str(path)]
    began = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        *(["--dry-run"] if dry_run else []),
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, errors = await process.communicate()
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        tail = errors.decode(errors="replace")[-2000:]
        raise RuntimeError(f"starter.py import exited {process.returncode}:\n{tail}")
    return seconds
