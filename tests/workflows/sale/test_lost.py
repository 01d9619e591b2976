"""Every way a sale is lost by a signal or a rule; nothing is emailed after the end."""

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import drive_to_proposal, new_lead, start, wait_for


@pytest.mark.parametrize(
    ("fields", "reason_part"),
    [
        ({"country": "RU"}, "country RU (Russian Federation) is under a trade restriction"),
        ({"email": "visitor@mailinator.com"}, "email domain mailinator.com is blocked"),
        ({"email": "no-at-sign.example"}, "invalid email"),
        ({"company": None}, "missing company"),
    ],
)
async def test_lead_failing_the_playbook_rules_is_disqualified_without_email(
    env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    fields: dict[str, object],
    reason_part: str,
) -> None:
    lead = new_lead(**fields)
    handle = await start(env.client, settings, lead)
    outcome = await handle.result()
    assert outcome.stage == SalesStage.LOST
    assert outcome.lost_reason == LostReason.DISQUALIFIED
    state = await handle.query("state")
    assert reason_part in state["lost_notes"]
    assert state["emails"] == []
    assert smtp.inbox.to(lead.email) == []


@pytest.mark.parametrize(
    ("signal", "payload", "reason"),
    [
        ("email_bounced", {"reason": "550 mailbox unknown"}, LostReason.BOUNCED),
        ("unsubscribed", {}, LostReason.OPTED_OUT),
        (
            "mark_lost",
            {"reason": "not_interested", "notes": "has a supplier"},
            LostReason.NOT_INTERESTED,
        ),
    ],
)
async def test_signal_during_contact_ends_the_sale_and_stops_the_cadence(
    env: WorkflowEnvironment,
    worker: Worker,
    settings: Settings,
    smtp: SmtpServer,
    signal: str,
    payload: dict[str, object],
    reason: LostReason,
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await handle.signal(signal, payload)
    outcome = await handle.result()
    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, reason)
    assert smtp.inbox.steps(lead.email) == ["intro"]


async def test_proposal_rejected_ends_lost_with_the_reason(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await drive_to_proposal(handle)
    await handle.signal("proposal_rejected", {"reason": "too expensive"})
    outcome = await handle.result()
    assert outcome.lost_reason == LostReason.PROPOSAL_REJECTED
    state = await handle.query("state")
    assert state["lost_notes"] == "too expensive"


async def test_mark_lost_with_an_unknown_reason_is_rejected_and_the_sale_goes_on(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    handle = await start(env.client, settings, new_lead())
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await handle.signal("mark_lost", {"reason": "bored"})
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "rejection")
    assert state.rejected_events[0].reason.startswith("invalid payload: reason:")
    assert state.stage == SalesStage.CONTACT


async def test_address_refused_by_the_mail_server_ends_the_sale_as_bounced(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead(email=f"refused-{new_lead().lead_id}@polderpack.example")
    handle = await start(env.client, settings, lead)
    outcome = await handle.result()

    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, LostReason.BOUNCED)
    state = await handle.query("state")
    assert "mailbox unknown" in state["lost_notes"]
    assert state["emails"] == []
