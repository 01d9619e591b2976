"""The local SMTP server of `make run`: one copy per Message-ID, and mail to an unsubscribe
address opts its sender out, on a real dev server."""

import asyncio
import smtplib
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.suppression import status_of
from devstack.mailbox import LocalMailbox, maildir_count
from devstack.ports import free_port
from devstack.services import OptOuts
from sales.stages import LostReason
from settings import Settings
from tests.workflows.helpers import new_lead, start, wait_for


def send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def mail(sender: str, to: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "unsubscribe"
    message["Message-ID"] = message_id
    message.set_content("Please stop.")
    return message


def test_a_message_sent_twice_is_kept_once(tmp_path: Path) -> None:
    port = free_port()
    controller = Controller(LocalMailbox(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        same = mail("sam@northwind.example", "anna@acme.example", "<sale-x.intro@n.example>")
        send(port, same)
        send(port, same)  # a retry after the worker died: same Message-ID
        send(port, mail("sam@northwind.example", "anna@acme.example", "<sale-x.follow@n>"))
    finally:
        controller.stop()
    assert maildir_count(tmp_path / "mail") == 2
    # A server restarted on the same folder still knows what it kept.
    again = LocalMailbox(tmp_path / "mail")
    again.handle_message(same)
    assert maildir_count(tmp_path / "mail") == 2


async def test_mail_to_a_sales_unsubscribe_address_ends_it_and_lists_the_sender(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    state = await wait_for(handle, lambda s: len(s.emails) == 1, "intro")
    here = settings.model_copy(
        update={"temporal_host": "127.0.0.1", "temporal_port": int(
            env.client.service_client.config.target_host.rsplit(":", 1)[1]
        )}
    )  # fmt: skip
    port = free_port()
    handler = LocalMailbox(tmp_path / "mail", OptOuts(here))
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        address = f"unsubscribe+{handle.id}@sales.northwind.example"
        await asyncio.to_thread(send, port, mail(lead.email.upper(), address, "<u1@acme>"))
        outcome = await handle.result()
        stranger = "someone.else@acme.example"
        await asyncio.to_thread(send, port, mail(stranger, address, "<u2@acme>"))
    finally:
        controller.stop()

    assert outcome.lost_reason == LostReason.OPTED_OUT
    assert state.emails[0].step == "intro"
    listed = await status_of(env.client, lead.email)
    assert listed is not None and listed.suppressed
    other = await status_of(env.client, "someone.else@acme.example")
    assert other is not None and other.suppressed  # the sale was over: listed directly
    assert other.changes[0].by == "unsubscribe email"
