"""CustomerSupportWorkflow: welcome, fulfilment, a check-in at the playbook's delay, closing."""

import asyncio
import time
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.suppression import suppress
from sales.state import SupportState
from sales.suppression import Suppress
from settings import Settings
from tests.smtp_inbox import SmtpServer, readable, subject_of
from tests.workflows.helpers import default_playbook, new_lead, start_support, wait_for_support
from workflows.support import api as support_api


async def test_support_welcomes_checks_in_after_fulfilment_and_ends_on_account_closed(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    playbook = default_playbook()
    handle = await start_support(ts_env, settings, lead, playbook, order_number="PO-9")
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    (welcome,) = smtp.inbox.to(lead.email)
    assert subject_of(welcome) == f"Welcome to {playbook.seller.company}, {lead.company}"
    support = playbook.support
    for part in readable(welcome):
        assert "Thank you for your order PO-9, and welcome as a customer" in part
        assert f"You can reach {support.contact_name} at {support.contact_email}" in part

    await handle.signal("ticket_opened", {"ticket_id": "T-1", "subject": "Gateway offline"})
    await handle.signal("ticket_resolved", {"ticket_id": "T-2"})
    await handle.signal("order_fulfilled", {"order_number": "PO-9"})
    await ts_env.fast_forward(handle, playbook.support.check_in_after + timedelta(hours=1))
    await smtp.inbox.wait_for(lambda _: "check_in_1" in smtp.inbox.steps(lead.email))

    await handle.signal("feedback_received", {"score": 11})
    await handle.signal("feedback_received", {"score": 9, "comment": "works well"})
    await handle.signal("account_closed", {"reason": "moved to a group contract"})
    final = await handle.result()
    assert isinstance(final, SupportState)
    assert final.closed_reason == "moved to a group contract"
    assert final.orders_fulfilled == ["PO-9"]
    assert final.feedback_scores == [9]
    assert [t.ticket_id for t in final.tickets] == ["T-1"]
    reasons = [r.reason for r in final.rejected_events]
    assert "ticket T-2 was never opened" in reasons
    assert any(r.startswith("invalid payload: score") for r in reasons)
    assert smtp.inbox.steps(lead.email) == ["welcome", "check_in_1"]


async def test_check_ins_go_on_at_the_playbooks_cadence_after_the_first(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    playbook = default_playbook()
    support = playbook.support  # the first check-in 14 days after fulfilment, then every 90
    handle = await start_support(ts_env, settings, lead, playbook, order_number="PO-12")
    await handle.signal("order_fulfilled", {"order_number": "PO-12"})
    fulfilled = await wait_for_support(
        handle, lambda s: s.next_check_in_at is not None, "fulfilment applied"
    )
    assert fulfilled.next_action is not None and fulfilled.next_action.description == "check-in 1"
    fulfilled_at = fulfilled.applied_events[-1].at

    await ts_env.fast_forward(
        handle, support.check_in_after + 2 * support.check_in_every + timedelta(days=1)
    )
    await smtp.inbox.wait_for(lambda _: "check_in_3" in smtp.inbox.steps(lead.email))
    state = await wait_for_support(handle, lambda s: s.check_ins_sent == 3, "three check-ins")

    assert smtp.inbox.steps(lead.email) == ["welcome", "check_in_1", "check_in_2", "check_in_3"]
    sent = {email.step: email.sent_at for email in state.emails}
    assert sent["check_in_1"] - fulfilled_at >= support.check_in_after
    for earlier, later in (("check_in_1", "check_in_2"), ("check_in_2", "check_in_3")):
        waited = sent[later] - sent[earlier]
        assert support.check_in_every <= waited < support.check_in_every + timedelta(hours=1)
    assert state.next_action is not None and state.next_action.description == "check-in 4"
    assert state.next_check_in_at == sent["check_in_3"] + support.check_in_every

    first, *following = smtp.inbox.to(lead.email)[1:]
    assert subject_of(first) == f"How are things going with {playbook.seller.company}?"
    for message in following:
        assert subject_of(message) == f"Checking in from {playbook.seller.company}"
        for part in readable(message):
            assert "It has been a while since we last spoke, so here is a short check-in." in part

    await handle.signal("account_closed", {"reason": "test over"})
    assert (await handle.result()).check_ins_sent == 3


async def test_a_long_customer_life_continues_as_new_with_everything_carried(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_support(env, settings, lead, default_playbook(), history_limit=20)
    first_run = handle.result_run_id
    for number in range(12):
        await handle.signal("ticket_opened", {"ticket_id": f"T-{number}", "event_id": f"t{number}"})
    latest = env.client.get_workflow_handle(handle.id, result_type=SupportState)
    deadline = time.monotonic() + 30
    while (await latest.describe()).run_id == first_run:  # the run that continued as new
        assert time.monotonic() < deadline, "the support workflow never continued as new"
        await asyncio.sleep(0.1)
    await handle.signal("ticket_opened", {"ticket_id": "T-0", "event_id": "t0"})
    await handle.signal("account_closed", {"reason": "end of test"})
    final = await latest.result()

    assert [t.ticket_id for t in final.tickets] == [f"T-{n}" for n in range(12)]
    assert [r.reason for r in final.rejected_events] == [
        "duplicate event_id: this event was already received"
    ]
    assert smtp.inbox.steps(lead.email) == ["welcome"]


async def test_a_customer_on_the_opt_out_list_gets_no_email_and_keeps_the_account(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    await suppress(
        env.client,
        Suppress(address=lead.email, reason="no newsletters", by="dpo"),
        settings.task_queue,
    )
    handle = await start_support(env, settings, lead, default_playbook())
    for _ in range(200):
        state = await handle.query(support_api.STATE_QUERY, result_type=SupportState)
        if state.undelivered:
            break
        await asyncio.sleep(0.05)
    assert state.undelivered[0].startswith("welcome: not sent: ")
    assert "no newsletters" in state.undelivered[0]
    await handle.signal("account_closed", {"reason": "test over"})
    assert (await handle.result()).closed_reason == "test over"
    assert smtp.inbox.to(lead.email) == []
