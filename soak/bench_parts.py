"""The parts `make bench` starts and reads: an in-memory dev server, the memory and CPU of
processes, the machine it ran on.

The server is `make run`'s (`devstack.services.server_command`: the same flags and search
attributes) without its database file, so it keeps everything in memory and each bench
starts from nothing. Memory is read from `/proc/<pid>/status` (Linux): VmRSS now, VmHWM the
peak since the process began.
"""

import asyncio
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from devstack.ports import free_port
from devstack.processes import Child, log_tail, start_child, stop_child
from devstack.services import server_command, temporal_binary, wait_until_ready
from settings import Settings
from soak.stack import cpu_seconds

SERVER_READY = 60.0


class MemoryServer:
    """`temporal server start-dev` in memory, on ports of its own, with its log in `log`."""

    def __init__(self, log: Path) -> None:
        self.settings = Settings(temporal_port=free_port(), ui_port=free_port())
        self.log = log
        self.child: Child | None = None

    @property
    def address(self) -> str:
        return self.settings.temporal_address

    @property
    def pid(self) -> int:
        assert self.child is not None
        return self.child.process.pid

    def command(self) -> list[str]:
        """`make run`'s server command, in memory and without the UI."""
        command = server_command(self.settings, temporal_binary())
        at = command.index("--db-filename")
        del command[at : at + 2]
        return [*command, "--headless"]

    async def start(self) -> float:
        """Start it and wait until it serves the namespace; the seconds that took."""
        self.child = start_child("Temporal dev server", self.command(), self.log)
        return await asyncio.to_thread(wait_until_ready, self.child, self.settings, SERVER_READY)

    def stop(self) -> None:
        stop_child(self.child, timeout=10)

    def tail(self) -> str:
        return log_tail(self.log, self.child.log_offset if self.child else 0)


@dataclass(frozen=True)
class Memory:
    """A process's resident memory now and at its peak, in MB."""

    rss_mb: float
    peak_mb: float


def memory(pid: int) -> Memory:
    """VmRSS and VmHWM of a running process (Linux)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return Memory(rss_mb=round(fields["VmRSS"], 1), peak_mb=round(fields["VmHWM"], 1))


def busy_cpu_seconds() -> float:
    """CPU seconds every process of the machine used since it booted (/proc/stat, Linux)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@contextmanager
def stderr_to(path: Path) -> Iterator[None]:
    """Standard error (file descriptor 2, so child processes' too) into `path` meanwhile."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def machine() -> dict[str, object]:
    """Cores, Python, the SDK, and the `temporal` CLI with the server it embeds."""
    try:
        cli = subprocess.run(
            [str(temporal_binary()), "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as err:
        cli = f"unknown: {err}"
    return {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "temporalio": version("temporalio"),
        "temporal_cli": cli.removeprefix("temporal version "),
        "executable": sys.executable,
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


class Usage:
    """CPU seconds each part used, and the wall time, per part of the bench; `other`: what
    the rest of the machine used meanwhile (another program's load skews every figure)."""

    def __init__(self) -> None:
        self.parts: dict[str, dict[str, float]] = {}

    @staticmethod
    def now(children: Mapping[str, Child | None]) -> dict[str, float]:
        ended = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = {
            "wall": time.perf_counter(),
            "machine": busy_cpu_seconds(),
            "bench": time.process_time(),
            # Children that ended meanwhile: `starter.py import`, the simulation's servers.
            "ended_children": ended.ru_utime + ended.ru_stime,
        }
        for name, child in children.items():
            seconds = cpu_seconds(child)
            if seconds is not None:
                used[name] = seconds
        return used

    def add(self, part: str, before: dict[str, float], after: dict[str, float]) -> None:
        used = {k: after[k] - before[k] for k in after if k in before}
        ours = sum(seconds for k, seconds in used.items() if k not in ("wall", "machine"))
        used["other"] = max(0.0, used.pop("machine") - ours)
        self.parts[part] = {k: round(seconds, 1) for k, seconds in used.items()}
