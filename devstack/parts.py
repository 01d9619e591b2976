"""A dev server and a `worker.py` as child processes that a run can stop, kill and start again.

The soak (`soak/`) and the fault tests (`tests/faults/`) both break these parts on purpose.
The server is started as `make run` starts it (`server_command`: the same flags, pragmas and
search attributes), on ports of its own; stopped and started again it serves the same
database on the same port, so connected clients and workers reconnect by themselves.
"""

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from devstack.ports import free_port
from devstack.processes import Child, log_tail, start_child, stop_child
from devstack.services import (
    TEMPORAL_PREFIX,
    local_temporal,
    server_command,
    temporal_binary,
    wait_until_ready,
)
from settings import Settings

SERVER_READY = 60.0


class DevServer:
    """`temporal server start-dev` on `<data_dir>/temporal.db`, on ports of its own."""

    def __init__(self, data_dir: Path, *, log_name: str = "temporal.log") -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(data_dir=data_dir, temporal_port=free_port(), ui_port=free_port())
        self.log_path = data_dir / log_name
        self.child: Child | None = None

    @property
    def address(self) -> str:
        return self.settings.temporal_address

    async def start(self) -> float:
        """Start the server and wait until it serves the namespace; the seconds that took."""
        assert self.child is None or self.child.process.poll() is not None, "already running"
        command = [*server_command(self.settings, temporal_binary()), "--headless"]
        self.child = start_child("Temporal dev server", command, self.log_path)
        return await asyncio.to_thread(wait_until_ready, self.child, self.settings, SERVER_READY)

    async def stop(self, *, crash: bool = False) -> int:
        """Stop the server and wait until it is gone; its exit status.

        SIGTERM, as Ctrl-C in `make run` does, or with `crash` SIGKILL: no clean shutdown,
        whatever SQLite had not checkpointed is only in its write-ahead log.
        """
        assert self.child is not None
        if crash:
            self.child.process.kill()
            await asyncio.to_thread(self.child.process.wait)
        else:
            await asyncio.to_thread(stop_child, self.child)
        status = self.child.process.returncode
        assert status is not None
        return status

    def kill(self, timeout: float = 5) -> None:
        """Whatever state it is in: for clean-up (SIGTERM, SIGKILL after `timeout` s)."""
        stop_child(self.child, timeout=timeout)

    def log(self) -> str:
        return log_tail(self.child.log, 0, 40) if self.child else ""


class WorkerProcess:
    """`python worker.py` against `address`, with `settings`' task queue, SMTP port and folders.

    `module` runs another entry point instead (`python -m module`), with `env` added. The
    caller's TEMPORAL_* variables are left out and no envconfig profile applies: the worker
    talks to `address` only.
    """

    def __init__(
        self,
        address: str,
        settings: Settings,
        log: Path,
        *,
        module: str | None = None,
        env: Mapping[str, str] | None = None,
        stop_timeout: float = 5,
    ) -> None:
        self.log_path = log
        self.command = [sys.executable, *(["-m", module] if module else ["worker.py"])]
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(TEMPORAL_PREFIX)},
            **worker_environment(address, settings),
            **(env or {}),
        }
        self.stop_timeout = stop_timeout
        self.child: Child | None = None
        self.starts = 0

    def start(self) -> None:
        self.child = start_child("worker", self.command, self.log_path, self.env)
        self.starts += 1

    @property
    def running(self) -> bool:
        return self.child is not None and self.child.process.poll() is None

    async def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine does; waits until it is gone."""
        assert self.child is not None
        self.child.process.kill()
        await asyncio.to_thread(self.child.process.wait)

    def freeze(self) -> None:
        """SIGSTOP: the worker does nothing more, not even answer, until killed."""
        assert self.child is not None
        self.child.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        stop_child(self.child, timeout=self.stop_timeout)

    def log(self) -> str:
        return log_tail(self.log_path, 0, 40)


def worker_environment(address: str, settings: Settings) -> dict[str, str]:
    """The variables that point `worker.py` at a server (its namespace, and no envconfig
    profile: `local_temporal`), task queue, SMTP server and folder."""
    return {
        **local_temporal(address),
        "SALESFLOW_TASK_QUEUE": settings.task_queue,
        "SALESFLOW_SMTP_HOST": settings.smtp_host,
        "SALESFLOW_SMTP_PORT": str(settings.smtp_port),
        "SALESFLOW_DOCUMENTS_DIR": str(settings.documents_dir),
        "PYTHONUNBUFFERED": "1",
    }
