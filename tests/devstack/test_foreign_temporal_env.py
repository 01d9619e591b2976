"""`make run` talks to its own dev server only: a Temporal Cloud profile or TEMPORAL_* variables
in the shell (for production, another project) never reach its worker, gateway or starter.

Checked on the environment the stack builds for them, and on what the SDK's envconfig (what
`client/connection.py` connects with) makes of it.
"""

import os
from pathlib import Path

import pytest
from rich.console import Console
from temporalio.envconfig import ClientConfig

from devstack.banner import print_banner
from devstack.parts import WorkerProcess, worker_environment
from devstack.services import (
    NAMESPACE,
    NO_PROFILES,
    child_env,
    foreign_temporal,
    use_local_temporal,
)
from settings import Settings

CLOUD = "sales.a1b2c.tmprl.cloud:7233"
SECRETS = ("TEMPORAL_API_KEY", "TEMPORAL_CODEC_AUTH", "TEMPORAL_GRPC_META_AUTHORIZATION")
# A profile file as `temporal config set` writes it, for Temporal Cloud.
CLOUD_PROFILES = f"""
[profile.default]
address = "{CLOUD}"
namespace = "sales.a1b2c"
api_key = "from-the-default-profile"

[profile.prod]
address = "{CLOUD}"
namespace = "sales.a1b2c"
api_key = "from-the-prod-profile"
"""


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A shell set up for Temporal Cloud: every kind of variable envconfig reads, and a
    default profile file in the user's config folder."""
    config_home = tmp_path / "config"
    (config_home / "temporalio").mkdir(parents=True)
    (config_home / "temporalio" / "temporal.toml").write_text(CLOUD_PROFILES)
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(CLOUD_PROFILES)
    for pem in ("client.pem", "client.key"):
        (tmp_path / pem).write_text(f"-----BEGIN not a real {pem}-----\n")
    variables = {
        "TEMPORAL_ADDRESS": CLOUD,
        "TEMPORAL_NAMESPACE": "sales.a1b2c",
        "TEMPORAL_API_KEY": "a-cloud-api-key",
        "TEMPORAL_TLS": "true",
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(tmp_path / "client.pem"),
        "TEMPORAL_TLS_CLIENT_KEY_PATH": str(tmp_path / "client.key"),
        "TEMPORAL_TLS_SERVER_NAME": "sales.a1b2c.tmprl.cloud",
        "TEMPORAL_CODEC_ENDPOINT": "https://codec.example",
        "TEMPORAL_CODEC_AUTH": "Bearer a-codec-token",
        "TEMPORAL_GRPC_META_AUTHORIZATION": "Bearer a-header",
        "TEMPORAL_PROFILE": "prod",
        "TEMPORAL_CONFIG_FILE": str(profiles),
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    return variables


def connects_to(environment: dict[str, str]) -> dict[str, object]:
    """What `client/connection.py` would connect with in `environment` (envconfig)."""
    return dict(ClientConfig.load_client_connect_config(override_env_vars=environment))


def test_the_shell_would_send_a_client_to_temporal_cloud(shell: dict[str, str]) -> None:
    # The premise: as the shell stands, a client goes to Cloud with a key and TLS.
    config = connects_to(dict(os.environ))
    assert config["target_host"] == CLOUD and config["api_key"] == "a-cloud-api-key"
    assert config["tls"] and config["rpc_metadata"]


def test_the_worker_gateway_and_starter_get_the_dev_server_only(
    shell: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", temporal_port=7299)
    env = child_env(settings)
    assert foreign_temporal(env) == [
        "TEMPORAL_ADDRESS", "TEMPORAL_CONFIG_FILE", "TEMPORAL_NAMESPACE",
    ]  # fmt: skip
    assert env["TEMPORAL_ADDRESS"] == "127.0.0.1:7299"
    assert env["TEMPORAL_NAMESPACE"] == NAMESPACE
    assert env["TEMPORAL_CONFIG_FILE"] == str(NO_PROFILES) and NO_PROFILES.is_file()
    # No variable of the shell's passes under its name, and no secret of it under any name
    # (a value as common as "true" may belong to something else of the machine's).
    kept = {name for name in shell if env.get(name) == shell[name]}
    assert kept == set(), kept
    secrets = {shell[name] for name in SECRETS}
    assert secrets.isdisjoint(env.values())
    # What the SDK makes of it: the dev server, no key, no TLS, no headers, no profile.
    assert connects_to(env) == {"target_host": "127.0.0.1:7299", "namespace": NAMESPACE}
    # The rest of the environment is kept, and the development secrets are there.
    assert env["XDG_CONFIG_HOME"] == os.environ["XDG_CONFIG_HOME"]
    assert env["SALESFLOW_WEBHOOK_SECRETS"] and env["SALESFLOW_UNSUBSCRIBE_SECRET"]


def test_the_default_profile_of_the_user_applies_neither(
    shell: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Only the profile file in the user's config folder, no variable at all.
    for name in shell:
        monkeypatch.delenv(name)
    assert connects_to(dict(os.environ))["target_host"] == CLOUD
    env = child_env(Settings(data_dir=tmp_path / "data", temporal_port=7299))
    assert connects_to(env) == {"target_host": "127.0.0.1:7299", "namespace": NAMESPACE}


def test_the_stack_itself_drops_them_and_says_which(shell: dict[str, str], tmp_path: Path) -> None:
    # The process of `make run` connects too (the SMTP server's opt-outs): it is pointed home.
    dropped = use_local_temporal(Settings(data_dir=tmp_path / "data", temporal_port=7299))
    assert dropped == sorted(shell)
    assert connects_to(dict(os.environ)) == {
        "target_host": "127.0.0.1:7299",
        "namespace": NAMESPACE,
    }
    # Run again (the variables now are its own): nothing is foreign any more.
    assert use_local_temporal(Settings(data_dir=tmp_path / "data", temporal_port=7299)) == []


def test_the_banner_says_the_shells_variables_were_not_used(tmp_path: Path) -> None:
    console = Console(record=True, width=200)
    settings = Settings(data_dir=tmp_path / "data")
    print_banner(console, settings, {}, ["TEMPORAL_ADDRESS", "TEMPORAL_API_KEY"])
    text = " ".join(console.export_text().split())
    assert "TEMPORAL_ADDRESS, TEMPORAL_API_KEY in this shell: not used here" in text
    quiet = Console(record=True, width=200)
    print_banner(quiet, settings, {})
    assert "in this shell" not in quiet.export_text()


def test_the_soak_and_fault_workers_get_the_dev_server_only(
    shell: dict[str, str], tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    worker = WorkerProcess("127.0.0.1:7298", settings, tmp_path / "worker.log")
    assert connects_to(worker.env) == {"target_host": "127.0.0.1:7298", "namespace": NAMESPACE}
    assert foreign_temporal(worker_environment("127.0.0.1:7298", settings)) == [
        "TEMPORAL_ADDRESS", "TEMPORAL_CONFIG_FILE", "TEMPORAL_NAMESPACE",
    ]  # fmt: skip
