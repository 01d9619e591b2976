"""`make run`'s development secrets and codec: made once, owner-only, the UI shown the codec."""

import subprocess
from pathlib import Path

from pydantic import SecretStr

from devstack.services import (
    DEV_CODEC_KEYS,
    DEV_CODEC_TOKEN,
    child_env,
    server_command,
    temporal_binary,
    with_development_secrets,
)
from privacy.keys import parse_key_ring
from settings import Settings
from tests.privacy.keys import NEW


def test_without_the_dev_codec_only_the_webhook_and_unsubscribe_secrets_are_made(
    tmp_path: Path,
) -> None:
    filled = with_development_secrets(Settings(data_dir=tmp_path))
    assert filled.webhook_secrets is not None and filled.unsubscribe_secret is not None
    assert not filled.codec_on and filled.lead_id_key() is None
    assert not (tmp_path / DEV_CODEC_KEYS).exists()
    assert "--ui-codec-endpoint" not in server_command(filled, temporal_binary())


def test_the_dev_codec_makes_its_keys_once_and_keeps_them_to_the_owner(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, dev_codec=True, gateway_port=8123)
    first = with_development_secrets(settings)
    assert first.codec_on and first.lead_id_key() and first.codec_token_list()
    assert first.codec_keys is not None
    assert parse_key_ring(first.codec_keys.get_secret_value()).current.key_id == "dev1"
    again = with_development_secrets(settings)
    assert again.codec_keys == first.codec_keys and again.lead_id_key() == first.lead_id_key()
    for name in (DEV_CODEC_KEYS, DEV_CODEC_TOKEN, "lead-id-secret"):
        assert oct((tmp_path / name).stat().st_mode)[-3:] == "600", name
    env = child_env(settings)
    assert env["SALESFLOW_CODEC_KEYS"] == first.codec_keys.get_secret_value()
    assert env["SALESFLOW_LEAD_ID_SECRET"] and env["SALESFLOW_CODEC_TOKENS"]
    # A data folder whose sales are encrypted stays so without the flag.
    assert with_development_secrets(Settings(data_dir=tmp_path)).codec_keys == first.codec_keys


def test_given_codec_keys_are_used_and_only_the_rest_is_made(tmp_path: Path) -> None:
    given = Settings(data_dir=tmp_path, codec_keys=SecretStr(NEW))
    filled = with_development_secrets(given)
    assert filled.codec_keys == given.codec_keys and filled.lead_id_key() is not None
    assert not (tmp_path / DEV_CODEC_KEYS).exists()


def test_with_the_codec_on_the_ui_is_pointed_at_the_gateway_with_a_real_flag(
    tmp_path: Path,
) -> None:
    settings = with_development_secrets(
        Settings(data_dir=tmp_path, dev_codec=True, gateway_port=8123)
    )
    command = server_command(settings, temporal_binary())
    at = command.index("--ui-codec-endpoint")
    assert command[at + 1] == "http://127.0.0.1:8123/v1/codec"
    help_text = subprocess.run(
        [str(temporal_binary()), "server", "start-dev", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert "--ui-codec-endpoint " in help_text
