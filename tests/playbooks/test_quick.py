"""The quick playbook end to end at its real durations: a web sale that closes in minutes."""

from datetime import timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.items import ItemOfInterest
from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    new_lead,
    playbook_named,
    sent,
    stages,
    start_paused,
    wait_for,
)


async def test_items_with_the_lead_are_quoted_at_once_and_acceptance_plus_order_close_it(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    quick = playbook_named("quick")
    lead = new_lead(items=[ItemOfInterest(sku="NW-SENSOR-100", quantity=12)])
    handle = await start_paused(ts_env, settings, lead, quick)

    state = await wait_for(handle, lambda s: sent(s) == ["proposal_v1"], "quote sent at once")
    quote = state.quotes[0]
    # 12 x 149.00 = 1,788.00 net; NL 21 % standard rate: 375.48.
    assert (quote.totals.net, quote.totals.total) == (Decimal("1788.00"), Decimal("2163.48"))
    mail = smtp.inbox.to(lead.email)[0]
    assert " ".join(str(mail["Subject"]).split()) == f"Your quote {quote.number} is ready"
    assert state.stage == SalesStage.PROPOSAL

    await ts_env.fast_forward(handle, timedelta(minutes=10))
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    await ts_env.fast_forward(handle, timedelta(minutes=5))
    await handle.signal("order_placed", {"order_number": "WEB-1001"})
    outcome = await handle.result()

    assert outcome.stage == SalesStage.WON
    final = await wait_for(handle, lambda s: s.stage == SalesStage.WON, "won")
    assert stages(final) == ["QUALIFICATION", "PROPOSAL", "CLOSING", "WON"]
    assert final.timeline[-1].at - final.timeline[0].at < timedelta(minutes=20)
    assert final.signature is None and final.needs is not None
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    assert smtp.inbox.steps(lead.email) == ["proposal_v1", "welcome"]


async def test_a_lead_without_items_is_quoted_when_the_needs_arrive(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead, playbook_named("quick"))
    await wait_for(
        handle,
        lambda s: s.next_action is not None and "needs_identified" in s.next_action.description,
        "waiting for the items",
    )
    await ts_env.fast_forward(handle, timedelta(minutes=30))
    await handle.signal(
        "needs_identified",
        {"summary": "web order", "items": [{"sku": "NW-MANUAL", "quantity": 3}]},
    )
    state = await wait_for(handle, lambda s: sent(s) == ["proposal_v1"], "quote")
    assert [line.sku for line in state.quotes[0].lines] == ["NW-MANUAL"]


async def test_an_unanswered_quick_quote_expires_after_its_week_without_reminders(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead(items=[ItemOfInterest(sku="NW-MANUAL", quantity=1)])
    handle = await start_paused(ts_env, settings, lead, playbook_named("quick"))
    await wait_for(handle, lambda s: sent(s) == ["proposal_v1"], "quote")
    await ts_env.fast_forward(handle)
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.PROPOSAL_EXPIRED
    assert smtp.inbox.steps(lead.email) == ["proposal_v1"]
