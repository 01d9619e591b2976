"""Playbooks where a seller, not the rules alone, decides whether a lead is worth contacting."""

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import Playbook, QualificationMode
from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import default_playbook, new_lead, start, wait_for


def seller_decides() -> Playbook:
    playbook = default_playbook()
    rules = playbook.qualification.model_copy(update={"mode": QualificationMode.SELLER})
    return playbook.model_copy(update={"qualification": rules})


async def test_seller_qualifies_the_lead_and_contact_begins(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead, seller_decides())
    state = await wait_for(
        handle,
        lambda s: s.next_action is not None and "lead_qualified" in s.next_action.description,
        "decision asked",
    )
    assert state.stage == SalesStage.QUALIFICATION and state.emails == []

    await handle.signal("lead_qualified", {"qualified": True, "by": "sam.keller"})
    state = await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    assert state.stage == SalesStage.CONTACT
    assert "qualified by sam.keller" in state.qualification_notes
    assert smtp.inbox.steps(lead.email) == ["intro"]


async def test_seller_disqualifies_the_lead_with_a_reason(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead, seller_decides())
    await handle.signal(
        "lead_qualified", {"qualified": False, "by": "sam.keller", "reason": "a reseller"}
    )
    outcome = await handle.result()

    assert outcome.lost_reason == LostReason.DISQUALIFIED
    assert (await handle.query("state"))["lost_notes"] == "a reseller"
    assert smtp.inbox.to(lead.email) == []
