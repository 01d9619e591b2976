"""Outreach that respects people, on a real dev server and SMTP: stop means stop, the opt-out
list holds across sales, and bounces of every kind end the sale and list the address."""

import asyncio
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.suppression import status_of
from sales.stages import LostReason
from sales.suppression import SuppressionSource
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import new_lead, start, wait_for
from worker import build_worker


async def failing_send(handle: WorkflowHandle[Any, Any]) -> str:
    """Wait until the intro's send has failed and waits for its next attempt; its error."""
    for _ in range(300):
        described = (await handle.describe()).raw_description
        pending = list(described.pending_activities)
        if pending and pending[0].attempt >= 2:
            return str(pending[0].last_failure.message)
        await asyncio.sleep(0.1)
    raise AssertionError("the intro never failed and retried")


def events_of(history: Any, kind: str) -> list[Any]:
    return [e for e in history.events if EventType.Name(e.event_type) == kind]


async def test_an_opt_out_while_the_mail_server_is_down_sends_nothing_when_it_is_back(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    mail = SmtpServer()
    own = settings.model_copy(update={"smtp_port": mail.port})  # nothing listens there yet
    lead = new_lead()
    async with build_worker(env.client, own):
        handle = await start(env.client, own, lead)
        error = await failing_send(handle)
        assert f"SMTP server 127.0.0.1:{mail.port} unavailable" in error

        await handle.signal("unsubscribed", {"reason": "GDPR erasure request: do not contact"})
        outcome = await handle.result()
        assert outcome.lost_reason == LostReason.OPTED_OUT
        mail.start()  # the server is back while the worker still runs
        try:
            # The send was cancelled and the sale is closed: no attempt can come any more.
            history = await handle.fetch_history()
            assert events_of(history, "EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED")
            state = await handle.query("state")
            assert state["emails"] == [] and state["lost_notes"].startswith("GDPR erasure")
            listed = await status_of(env.client, lead.email)
            assert listed is not None and listed.suppressed
            assert listed.changes[0].by == "unsubscribed"
            assert listed.changes[0].source == SuppressionSource.UNSUBSCRIBE
        finally:
            mail.stop()
    assert mail.inbox.to(lead.email) == []  # the worker has finished everything it had


async def test_mark_lost_ends_a_sale_whose_email_keeps_failing(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    mail = SmtpServer()
    own = settings.model_copy(update={"smtp_port": mail.port})
    lead = new_lead()
    async with build_worker(env.client, own):
        handle = await start(env.client, own, lead)
        await failing_send(handle)
        await handle.signal("mark_lost", {"reason": "competitor", "notes": "chose Acme"})
        outcome = await handle.result()
    assert outcome.lost_reason == LostReason.COMPETITOR
    assert await status_of(env.client, lead.email) is None  # lost, not opted out


async def test_a_new_sale_for_an_opted_out_address_in_other_letters_sends_nothing(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    first = new_lead()
    handle = await start(env.client, settings, first)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro")
    await handle.signal("unsubscribed", {"reason": "no thanks"})
    await handle.result()

    again = new_lead(email=first.email.upper(), lead_id=f"re-import-{first.lead_id}")
    second = await start(env.client, settings, again)
    outcome = await second.result()
    assert outcome.lost_reason == LostReason.OPTED_OUT
    state = await second.query("state")
    assert state["emails"] == []
    assert "suppressed since" in state["lost_notes"] and "no thanks" in state["lost_notes"]
    assert smtp.inbox.steps(first.email) == ["intro"]  # the first sale's intro, nothing more


async def test_a_550_after_the_message_body_ends_the_sale_as_bounced_and_lists_the_address(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead(email=f"rejected-{new_lead().lead_id}@polderpack.example")
    handle = await start(env.client, settings, lead)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.BOUNCED
    state = await handle.query("state")
    assert "550 5.7.1 Message content rejected as spam" in state["lost_notes"]
    assert state["emails"] == [] and smtp.inbox.to(lead.email) == []
    listed = await status_of(env.client, lead.email)
    assert listed is not None and listed.suppressed
    assert listed.changes[0].source == SuppressionSource.BOUNCE
    assert "550 5.7.1" in listed.changes[0].reason


async def test_a_bounce_reported_by_the_mail_provider_lists_the_address_it_names(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro")
    bounced = {"address": lead.email.upper(), "reason": "550 5.1.1 user unknown (provider)"}
    await handle.signal("email_bounced", bounced)
    assert (await handle.result()).lost_reason == LostReason.BOUNCED
    listed = await status_of(env.client, lead.email)
    assert listed is not None and listed.suppressed
    assert listed.changes[0].reason == "550 5.1.1 user unknown (provider)"
