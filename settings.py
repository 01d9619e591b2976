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

    # Embedded default only: the dev server started by `make run`.
    temporal_host: str = "127.0.0.1"
    temporal_port: int = 7233
    ui_port: int = 8233

    @property
    def temporal_address(self) -> str:
        return f"{self.temporal_host}:{self.temporal_port}"

    def webhook_secret_list(self) -> list[str]:
        """The webhook secrets, one per comma-separated entry."""
        if self.webhook_secrets is None:
            return []
        return [s.strip() for s in self.webhook_secrets.get_secret_value().split(",") if s.strip()]
