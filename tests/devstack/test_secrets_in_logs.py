"""`make run` with the codec on, for real: after the stack has started sales, served the gateway
and the codec endpoint, and sent email (or failed to, at SMTP login), no secret and no lead's
address or name is in any log it wrote, nor in the server's database."""

import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from devstack.ports import free_port
from devstack.services import DEV_CODEC_KEYS, DEV_CODEC_TOKEN
from gateway.signatures import HEADER, sign
from settings import ROOT

READY = "salesflow is running"
BANNER_END = "Ctrl-C stops everything."  # the banner's last line: all of it has been read
START_TIMEOUT = 150.0
SMTP_PASSWORD = f"smtp-password-{secrets.token_hex(12)}"
LEAD = {
    "email": "wiebke.oosterhuis@kaasmakerij.example",
    "first_name": "Wiebke",
    "last_name": "Oosterhuis",
    "phone": "+31 58 555 0142",
    "company": "Kaasmakerij Noord",
    "playbook": "quick",
    "items": [{"sku": "NW-MANUAL", "quantity": 1}],
}


@dataclass
class Stack:
    """`python -m devstack` running, its terminal output read as it comes."""

    process: subprocess.Popen[str]
    data: Path
    gateway: str
    smtp: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.stdout):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r}: {''.join(self.stdout + self.stderr)[-3000:]}")
            time.sleep(0.1)

    def wait_for_log(self, name: str, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        log = self.data / name
        while not (log.is_file() and text in log.read_text(errors="replace")):
            if time.monotonic() > deadline:
                shown = log.read_text(errors="replace")[-3000:] if log.is_file() else "(none)"
                raise AssertionError(f"{name} never said {text!r}; it ends:\n{shown}")
            time.sleep(0.2)

    def secret(self, name: str) -> str:
        return (self.data / name).read_text(encoding="utf-8").strip()


def _read(stream: object, into: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.append(line)


@pytest.fixture(params=["smtp login fails", "email sent"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """The stack whose SMTP login fails for want of AUTH (the password is used and every
    failure logged), or one that sends its email (each send logged)."""
    data = tmp_path / "data"
    gateway_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESFLOW_", "TEMPORAL_"))}
    env |= {
        "SALESFLOW_DATA_DIR": str(data),
        "SALESFLOW_MAIL_DIR": str(data / "mail"),
        "SALESFLOW_DOCUMENTS_DIR": str(data / "documents"),
        "SALESFLOW_TEMPORAL_PORT": str(free_port()),
        "SALESFLOW_UI_PORT": str(free_port()),
        "SALESFLOW_SMTP_PORT": str(free_port()),
        "SALESFLOW_GATEWAY_PORT": str(gateway_port),
        "SALESFLOW_DEV_CODEC": "true",
    }
    if request.param == "smtp login fails":
        # The local SMTP server offers no AUTH: every send fails, and the failure is logged.
        env |= {"SALESFLOW_SMTP_USERNAME": "salesflow", "SALESFLOW_SMTP_PASSWORD": SMTP_PASSWORD}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # our SIGINT reaches devstack alone, which stops its children
    )
    running = Stack(process, data, f"http://127.0.0.1:{gateway_port}", request.param)
    readers = [
        threading.Thread(target=_read, args=(process.stdout, running.stdout), daemon=True),
        threading.Thread(target=_read, args=(process.stderr, running.stderr), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        yield running
    finally:
        stop(running)
        for reader in readers:
            reader.join(timeout=10)


def stop(stack: Stack) -> None:
    """Ctrl-C, as a person would; devstack stops the worker, gateway, SMTP and server."""
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(60)
        except subprocess.TimeoutExpired:
            stack.process.terminate()
            stack.process.wait(30)


def signed(body: bytes, secret: str) -> dict[str, str]:
    return {HEADER: sign(body, secret, int(time.time())), "Content-Type": "application/json"}


def example_leads() -> list[dict[str, str]]:
    with (ROOT / "examples" / "convention-leads.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def lead_data(leads: list[dict[str, str]]) -> list[str]:
    """Addresses, names, phones and notes of leads: none may be readable outside the codec."""
    found: list[str] = []
    for lead in leads:
        found.append(lead["email"])
        found.append(f"{lead['first_name']} {lead['last_name']}")
        found += [lead[k] for k in ("last_name", "phone", "notes") if len(lead.get(k) or "") >= 5]
    return found


@pytest.mark.timeout(300)
def test_no_secret_and_no_lead_data_in_any_log_of_the_running_stack(stack: Stack) -> None:
    stack.wait_for_output(READY, START_TIMEOUT)
    stack.wait_for_output(BANNER_END, 10.0)
    banner = "".join(stack.stdout)
    assert f"{stack.gateway}/v1/codec/login" in banner  # where to sign in to see the data
    assert "starter.py status sale-lead-" in banner  # the examples' ids name nobody
    webhook = stack.secret("webhook-secret")
    token = stack.secret(DEV_CODEC_TOKEN)
    codec_keys = stack.secret(DEV_CODEC_KEYS)

    with httpx.Client(base_url=stack.gateway, timeout=30) as http:
        body = json.dumps(LEAD).encode()
        started = http.post("/v1/leads", content=body, headers=signed(body, webhook))
        assert started.status_code == 202, started.text
        assert "oosterhuis" not in started.json()["lead_id"]
        forged = http.post("/v1/leads", content=body, headers=signed(body, "guessed"))
        assert forged.status_code == 401
        assert http.post("/v1/codec/login", data={"token": token}).status_code == 200
        assert http.post("/v1/codec/login", data={"token": "guessed"}).status_code == 401
        decode: dict[str, list[object]] = {"payloads": []}
        bearer = {"Authorization": f"Bearer {token}"}
        assert http.post("/v1/codec/decode", json=decode, headers=bearer).status_code == 200
        http.cookies.clear()  # the sign-in's cookie would let the next one through
        wrong = {"Authorization": "Bearer guessed"}
        assert http.post("/v1/codec/decode", json=decode, headers=wrong).status_code == 401
        assert (
            http.get(f"/v1/unsubscribe/{started.json()['workflow_id']}.{'0' * 32}").status_code
            == 404
        )

    # The quote for the lead is sent, its address redacted in the log line that says so; or
    # it fails at SMTP login, and the worker logs each failed attempt.
    if stack.smtp == "email sent":
        stack.wait_for_log("worker.log", "sent proposal_v1", 90)
        stack.wait_for_log("worker.log", "to (address)", 5)
    else:
        stack.wait_for_log("worker.log", "SMTP AUTH extension is not supported", 90)
    stop(stack)
    assert stack.process.returncode == 0, "".join(stack.stdout + stack.stderr)[-3000:]

    secret_values = {
        "SMTP password": SMTP_PASSWORD,
        "webhook secret": webhook,
        "unsubscribe secret": stack.secret("unsubscribe-secret"),
        "lead-id secret": stack.secret("lead-id-secret"),
        "codec token": token,
        "codec keys": codec_keys,
        "codec key": codec_keys.partition(":")[2],
    }
    logs = {path.name: path.read_text(errors="replace") for path in stack.data.glob("*.log")}
    assert {"temporal.log", "worker.log", "gateway.log"} <= set(logs)
    assert "POST /v1/codec/decode" in logs["gateway.log"]  # the log is written, and read here
    terminal = {"devstack stdout": "".join(stack.stdout), "devstack stderr": "".join(stack.stderr)}
    database = b"".join(p.read_bytes() for p in stack.data.glob("temporal.db*"))
    for what, value in secret_values.items():
        for name, text in {**logs, **terminal}.items():
            if name == "devstack stdout" and what == "webhook secret":
                continue  # the banner shows the development webhook secret (README)
            assert value not in text, f"the {what} is in {name}"
        assert value.encode() not in database, f"the {what} is in the database"

    personal = lead_data([*example_leads(), {k: str(v) for k, v in LEAD.items()}])
    for value in personal:
        for name, text in logs.items():
            assert value.lower() not in text.lower(), f"{value!r} is in {name}"
        assert value.encode() not in database, f"{value!r} is in the database"
