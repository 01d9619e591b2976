"""The stack's subprocesses: start them with a log, watch them, stop them; and the stop signals."""

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from settings import ROOT

STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.5
LOG_TAIL_LINES = 20

Process = subprocess.Popen[bytes]


@dataclass
class Child:
    """A subprocess the stack started, with its name and the log its output goes to."""

    name: str
    process: Process
    log: Path
    log_offset: int


def open_log(path: Path) -> tuple[IO[bytes], int]:
    """Open a log for appending with a start marker; returns it and where this run begins."""
    log = path.open("ab")
    offset = log.tell()
    log.write(f"=== devstack start {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n".encode())
    log.flush()
    return log, offset


def log_tail(path: Path, offset: int, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines written to a log since `offset` (this run only)."""
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def shown(path: Path) -> str:
    """A path as the user should type it: relative to the project when inside it.

    Symlinks in the file name are kept (`.venv/bin/python` must stay the venv's python).
    """
    here = Path.cwd().resolve()
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, absolute.parent.resolve() / absolute.name):
        if candidate.is_relative_to(here):
            return str(candidate.relative_to(here))
    return str(absolute)


def describe_status(status: int) -> str:
    """An exit status in words (negative statuses are signals)."""
    if status < 0:
        try:
            return f"killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"killed by signal {-status}"
    return f"exit status {status}"


def start_child(
    name: str, command: list[str], log_path: Path, env: dict[str, str] | None = None
) -> Child:
    """Start a long-running subprocess with its output in `log_path`.

    It gets its own session, so Ctrl-C in the terminal reaches only this process,
    which then stops the children in order (worker first, server last).
    """
    log, offset = open_log(log_path)
    with log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=os.name == "posix",
        )
    return Child(name, process, log_path, offset)


def supervise(children: Sequence[Child]) -> Child:
    """Block until one of the children exits (Ctrl-C/SIGTERM interrupt this); returns it."""
    while True:
        for child in children:
            if child.process.poll() is not None:
                return child
        time.sleep(POLL_INTERVAL)


def stop_child(child: Child | None, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a subprocess: terminate, wait up to `timeout`, then kill."""
    if child is None or child.process.poll() is not None:
        return
    child.process.terminate()
    try:
        child.process.wait(timeout)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


def stop_signals() -> list[signal.Signals]:
    """The signals that stop the stack, as far as this platform has them."""
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    return [getattr(signal, name) for name in names if hasattr(signal, name)]


def handle_stop_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt, so each one stops the stack.

    SIGINT is set even when inherited as ignored (as in a background job of a script);
    an ignored SIGHUP is left ignored, so `nohup make run` keeps running.
    """
    for signum in stop_signals():
        if signum.name == "SIGHUP" and signal.getsignal(signum) == signal.SIG_IGN:
            continue
        signal.signal(signum, signal.default_int_handler)


def ignore_stop_signals() -> None:
    """Ignore SIGINT, SIGTERM and SIGHUP (while the stack is being stopped)."""
    for signum in stop_signals():
        signal.signal(signum, signal.SIG_IGN)
