"""`make run` prints its banner only once the parts it names take connections, and says which
part would not start and why."""

import socket
import sys
from pathlib import Path

import pytest

from devstack.ports import HOST, free_port
from devstack.processes import Child, start_child, stop_child
from devstack.services import StackError, gateway_listens, wait_until_gateway_listens
from settings import Settings


def gateway_like(tmp_path: Path, script: str) -> tuple[Settings, Child]:
    """A stand-in for `python -m gateway` on a free port, running `script`."""
    port = free_port()
    settings = Settings(gateway_port=port, data_dir=tmp_path)
    code = script.replace("PORT", str(port))
    child = start_child("webhook gateway", [sys.executable, "-c", code], tmp_path / "gateway.log")
    return settings, child


@pytest.mark.timeout(60)
def test_the_stack_waits_until_a_slow_gateway_takes_connections(tmp_path: Path) -> None:
    settings, child = gateway_like(
        tmp_path,
        "import socket, time\n"
        "time.sleep(1.5)  # a loaded machine: imports take their time\n"
        "s = socket.socket(); s.bind(('127.0.0.1', PORT)); s.listen(); time.sleep(60)\n",
    )
    try:
        assert not gateway_listens(settings)
        took = wait_until_gateway_listens(child, settings, 30)
        assert took >= 1.0
        with socket.create_connection((HOST, settings.gateway_port), timeout=5):
            pass  # a webhook sent now reaches it
    finally:
        stop_child(child)


@pytest.mark.timeout(60)
def test_a_gateway_that_exits_at_start_up_is_named_with_its_last_words(tmp_path: Path) -> None:
    settings, child = gateway_like(
        tmp_path,
        "import sys\nprint('SALESFLOW_WEBHOOK_SECRETS is not set', flush=True)\nsys.exit(3)\n",
    )
    with pytest.raises(StackError) as raised:
        wait_until_gateway_listens(child, settings, 30)
    message = str(raised.value)
    assert message.startswith("the webhook gateway exited during start-up")
    assert "SALESFLOW_WEBHOOK_SECRETS is not set" in message
