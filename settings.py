"""The one settings class: `SALESFLOW_*` environment variables or a `.env` file.

Read once at the edge (worker, starter, devstack) and passed in. The Temporal
connection itself comes from `temporalio.envconfig` (`TEMPORAL_ADDRESS`,
`TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, TLS), so a cluster or Temporal Cloud
needs no code change.
"""

from pathlib import Path

from pydantic import SecretStr
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

    # Embedded default only: the dev server started by `make run`; `dev_codec` turns the
    # codec on there with development keys and secrets made once in the data folder.
    temporal_host: str = "127.0.0.1"
    temporal_port: int = 7233
    ui_port: int = 8233
    dev_codec: bool = False

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
