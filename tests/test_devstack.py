"""`devstack` (what `make run` runs): the port check and the maildir it delivers to."""

import os
import smtplib
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from devstack.banner import window_note
from devstack.ports import Port, free_port, port_problems
from devstack.services import prepare_maildir, server_command, temporal_binary
from sales.lead import Lead
from settings import ROOT, Settings


@pytest.fixture
def occupied_port() -> Iterator[int]:
    """A loopback port with a listening socket on it for the duration of the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_port_in_use_is_reported_in_one_line_and_nothing_starts(
    occupied_port: int, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFLOW_")}
    data_dir = tmp_path / "data"
    env |= {
        "SALESFLOW_TEMPORAL_PORT": str(occupied_port),
        "SALESFLOW_UI_PORT": str(free_port()),
        "SALESFLOW_SMTP_PORT": str(free_port()),
        "SALESFLOW_DATA_DIR": str(data_dir),
        "SALESFLOW_MAIL_DIR": str(data_dir / "mail"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"port {occupied_port} (Temporal gRPC) is already in use" in lines[0]
    assert "make run SALESFLOW_TEMPORAL_PORT=" in lines[0]
    assert done.stdout == ""
    assert not data_dir.exists()  # nothing was started


def test_a_port_set_twice_is_a_problem_even_when_free() -> None:
    port = free_port()
    problems = port_problems(
        [
            Port(port, "Temporal gRPC", "SALESFLOW_TEMPORAL_PORT"),
            Port(port, "SMTP", "SALESFLOW_SMTP_PORT"),
        ]
    )
    assert len(problems) == 1
    assert "SALESFLOW_SMTP_PORT=" in problems[0]


def deliver(port: int) -> None:
    """Send one message to the SMTP server on a loopback port."""
    message = EmailMessage()
    message["From"] = "sam.keller@salesflow.example"
    message["To"] = "anna.becker@rheinstahl-werke.example"
    message["Subject"] = "Vibration sensors for your rolling mills"
    message.set_content("Hello Anna")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


@pytest.fixture
def plain_mail_dir(tmp_path: Path) -> Path:
    """A mail folder made beforehand as a plain folder (no tmp/, new/, cur/)."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    return mail_dir


def serve(mail_dir: Path) -> tuple[Controller, int]:
    """aiosmtpd with its own Mailbox handler on a free port, as devstack runs it."""
    port = free_port()
    controller = Controller(Mailbox(mail_dir), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def test_prepared_plain_mail_folder_receives_mail(plain_mail_dir: Path) -> None:
    prepare_maildir(plain_mail_dir)
    controller, port = serve(plain_mail_dir)
    try:
        deliver(port)
    finally:
        controller.stop()
    delivered = list((plain_mail_dir / "new").iterdir())
    assert len(delivered) == 1
    assert "Subject: Vibration sensors" in delivered[0].read_text()


def test_unprepared_plain_mail_folder_refuses_mail(plain_mail_dir: Path) -> None:
    """The pitfall `prepare_maildir` exists for: without it every delivery fails."""
    controller, port = serve(plain_mail_dir)
    try:
        with pytest.raises(smtplib.SMTPDataError):
            deliver(port)
    finally:
        controller.stop()


def test_missing_mail_folder_is_left_to_the_mailbox(tmp_path: Path) -> None:
    mail_dir = tmp_path / "data" / "mail"
    prepare_maildir(mail_dir)
    assert mail_dir.parent.is_dir()
    assert not mail_dir.exists()


def test_every_server_flag_exists_in_the_installed_temporal_binary(tmp_path: Path) -> None:
    binary = temporal_binary()
    command = server_command(Settings(data_dir=tmp_path), binary)
    help_text = ""
    for ask in (["server", "start-dev", "--help"], ["options"]):  # options: global flags
        help_text += subprocess.run(
            [str(binary), *ask], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    flags = {arg for arg in command[3:] if arg.startswith("--")}
    assert flags
    for flag in flags:
        assert f"{flag} " in help_text, flag


def test_the_unsubscribe_secret_is_made_once_and_given_to_the_worker(tmp_path: Path) -> None:
    from devstack.services import child_env

    settings = Settings(data_dir=tmp_path / "data")
    first = child_env(settings)["SALESFLOW_UNSUBSCRIBE_SECRET"]
    assert len(first) == 64 and child_env(settings)["SALESFLOW_UNSUBSCRIBE_SECRET"] == first
    assert oct((tmp_path / "data" / "unsubscribe-secret").stat().st_mode)[-3:] == "600"


def test_the_banner_says_how_the_sending_window_applies_to_the_example_sale() -> None:
    lead = Lead(email="j.devries@polderpack.example", country="NL")
    settings = Settings()
    workflow_id = f"sale-{lead.lead_id}"
    saturday_night = datetime(2026, 12, 5, 22, tzinfo=UTC)  # 23:00 in Amsterdam
    note = window_note(settings, lead, saturday_night)
    assert note.startswith("intro, follow_up, proposal_reminder, contract_reminder, check_in wait")
    assert (
        "a reply cancels them, and answers (orientation, quote, contract, welcome) go at once"
        in (note)
    )
    examples = "The example sales began with `--intro-now`, so their intros went out at once"
    assert note.endswith(
        f"{examples}; it is Sat 23:00 for {workflow_id} (Europe/Amsterdam), so a sale begun now "
        "without it holds its intro till Mon 7 Dec 09:00 Europe/Amsterdam: start one with "
        "`starter.py lead` and read `starter.py status`"
    )
    tuesday_morning = datetime(2026, 12, 8, 9, tzinfo=UTC)  # 10:00 there
    opened = window_note(settings, lead, tuesday_morning)
    assert opened.endswith(
        f"{examples}; the window is open now for {workflow_id} (Europe/Amsterdam)"
    )
