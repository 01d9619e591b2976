"""The one settings class: `SALESFLOW_*` environment variables or a `.env` file.

Read once at the edge (worker, starter, devstack) and passed in. The Temporal
connection itself comes from `temporalio.envconfig` (`TEMPORAL_ADDRESS`,
`TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, TLS), so a cluster or Temporal Cloud
needs no code change.
"""

from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """Where things are and which ports the embedded stack uses."""

    model_config = SettingsConfigDict(env_prefix="SALESFLOW_", env_file=".env", extra="ignore")

    task_queue: str = "sales"
    playbook: str = "default"
    playbooks_dir: Path = ROOT / "playbooks"
    catalog_path: Path = ROOT / "catalog" / "products.toml"
    templates_dir: Path = ROOT / "templates"
    data_dir: Path = ROOT / ".data"
    documents_dir: Path = ROOT / ".data" / "documents"
    mail_dir: Path = ROOT / ".data" / "mail"
    # Documents filed in an S3-compatible bucket instead of `documents_dir` (README "Where
    # documents are kept"), so that workers on several hosts read each other's quotes and contracts.
    # Credentials: these two, or the AWS SDK's own (`AWS_ACCESS_KEY_ID`, a profile, a role).
    documents_bucket: str | None = None
    documents_prefix: str = "documents"
    documents_endpoint_url: str | None = None  # MinIO, Ceph, R2; unset for AWS S3
    documents_region: str | None = None
    documents_access_key_id: str | None = None
    documents_secret_access_key: SecretStr | None = None

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False

    # Unsubscribe links in every outreach email (RFC 8058 one-click, RFC 2369 mailto). The
    # secret signs the links; `make run` keeps a generated one in .data/unsubscribe-secret.
    unsubscribe_url: str = "http://127.0.0.1:8000/v1/unsubscribe"
    unsubscribe_secret: SecretStr | None = None

    # The webhook gateway (`python -m gateway`): its port, the secrets requests are signed
    # with (comma-separated, several at once while rotating), and the largest body it reads.
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    webhook_secrets: SecretStr | None = None
    gateway_max_body_bytes: int = 256 * 1024

    # Personal data (README "Personal data"). With codec keys set, every payload (inputs,
    # results, signals, queries, memos, summaries, failure messages) is encrypted with AES-GCM
    # before it leaves the process: `id:base64key` entries, comma-separated, the first encrypts
    # and all decrypt (rotation). Lead ids are then a keyed hash of the address with the
    # lead-id secret, which is not rotated: a re-import finds a lead's sale by it.
    codec_keys: SecretStr | None = None
    lead_id_secret: SecretStr | None = None
    # Who may decode through the gateway's codec endpoint (/v1/codec, what the Temporal UI
    # calls): a bearer token, or a browser signed in with one at /v1/codec/login;
    # comma-separated. The browser origins allowed to call it (CORS), comma-separated;
    # empty: the embedded UI on 127.0.0.1 and localhost.
    codec_tokens: SecretStr | None = None
    codec_ui_origins: str = ""
    codec_max_body_bytes: int = 8 * 1024 * 1024

    # The worker (`worker.py`, README "Many workers"): what one worker process takes on at once.
    # Any number of them may poll one task queue; the server spreads the work between them.
    # Measured with one worker process against the embedded dev server on 2 shared cores, 100
    # quick sales from start to their account's welcome (README "Configuration" has the rest).
    # Workflow tasks run Python under one GIL: 2 slots took 69 s (45 s worker CPU), 4 took 58 s
    # (49 s), 8 took 146 s (116 s) and the SDK's 100 took 167 s (137 s): past 4 the tasks starve
    # the event loop, document renders miss their 5 s heartbeat and are retried (261 times at 8).
    worker_max_concurrent_workflow_tasks: int = 4
    # Sends and renders mostly wait (SMTP, the server; renders run in threads): 10, 50 and 100
    # slots all took 58-79 s for the 100 sales, within the noise; 50 lets slow SMTP overlap.
    worker_max_concurrent_activities: int = 50
    # No workflow runs local activities today: a bound for when one does. A workflow task waiting
    # for its local activity holds a workflow task slot meanwhile (README "What a sale costs").
    worker_max_concurrent_local_activities: int = 10
    # Open sales kept in memory between their workflow tasks (the sticky cache); one not in it
    # is replayed from its history at its next event: slower, not wrong. Each cached sale holds
    # about 1 MB (its run in the sandbox): 300 open sales took 400 MB with all cached and 171 MB
    # with 20 cached, whose next step then took 3.3 times as long (replays).
    # 1,500 open sales with 300 cached: 453 MB. With 250: 10,000 open sales, 406-414 MB from the
    # 1,000th to the 9,000th, 424 MB at the end (peak 427 MB): flat, the cache bounds it.
    worker_max_cached_workflows: int = 250
    # PDFs are typeset (fpdf2, 0.1-0.4 s of CPU each) by the email that first sends them, in
    # processes of their own: in the worker's process the typesetting held the GIL and every
    # workflow task waited. 0 typesets in the worker's process.
    worker_typesetting_processes: int = 1
    # Long polls open on the server for workflow and for activity tasks. With autoscaling the
    # server's hints move each between the least (2 and 1) and its number: no faster on one
    # worker (74 s for the 100 sales), for many workers sharing a queue.
    worker_poller_autoscaling: bool = False
    worker_workflow_task_pollers: int = 5
    worker_activity_task_pollers: int = 5
    # On SIGTERM (scaling down, a deploy): stop polling, let the activities running finish for
    # up to this long, then cancel them (a cancelled send is retried on another worker). A send
    # takes well under a second; an SMTP server's own timeout is longer. In seconds (`30`) or
    # ISO 8601 (`PT30S`). A second SIGTERM or Ctrl-C stops at once.
    worker_graceful_shutdown_timeout: timedelta = timedelta(seconds=30)
    # Prometheus metrics of the SDK's runtime (task latencies, slots, polls, cache) at
    # http://<host>:<port>/metrics; off unless a port is set (e.g. 9464).
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int | None = None
    # The gateway's request counts and latencies at its own /metrics (prometheus_client).
    gateway_metrics: bool = True

    # Embedded default only: the dev server started by `make run`; `dev_codec` turns the
    # codec on there with development keys and secrets made once in the data folder.
    temporal_host: str = "127.0.0.1"
    temporal_port: int = 7233
    ui_port: int = 8233
    dev_codec: bool = False

    @field_validator(
        "documents_bucket",
        "documents_endpoint_url",
        "documents_region",
        "documents_access_key_id",
        mode="before",
    )
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        """An empty variable (compose's `${VAR:-}`) leaves the setting unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("worker_graceful_shutdown_timeout", mode="before")
    @classmethod
    def _seconds(cls, value: object) -> object:
        """A plain number of seconds, as a variable gives it (`"30"`), is a duration too."""
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return value
        return value

    @property
    def temporal_address(self) -> str:
        return f"{self.temporal_host}:{self.temporal_port}"

    def webhook_secret_list(self) -> list[str]:
        """The webhook secrets, one per comma-separated entry."""
        if self.webhook_secrets is None:
            return []
        return [s.strip() for s in self.webhook_secrets.get_secret_value().split(",") if s.strip()]

    @property
    def codec_on(self) -> bool:
        """Whether payloads are encrypted (codec keys are set): personal data is then protected."""
        return self.codec_keys is not None and bool(self.codec_keys.get_secret_value().strip())

    def lead_id_key(self) -> bytes | None:
        """The key lead ids are derived with (None: readable ids from the address)."""
        if self.lead_id_secret is None or not self.lead_id_secret.get_secret_value().strip():
            return None
        return self.lead_id_secret.get_secret_value().strip().encode()

    def codec_token_list(self) -> list[str]:
        """The tokens that may use the codec endpoint, one per comma-separated entry."""
        if self.codec_tokens is None:
            return []
        return [t.strip() for t in self.codec_tokens.get_secret_value().split(",") if t.strip()]

    def codec_origin_list(self) -> list[str]:
        """The browser origins (the Temporal UI) that may call the codec endpoint."""
        given = [o.strip().rstrip("/") for o in self.codec_ui_origins.split(",") if o.strip()]
        return given or [f"http://{host}:{self.ui_port}" for host in ("127.0.0.1", "localhost")]
