"""The default playbook end to end at its real durations: weeks of follow-ups and reminders."""

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import (
    NEEDS,
    command,
    new_lead,
    playbook_named,
    sent,
    stages,
    start_paused,
    wait_for,
)


async def test_a_default_sale_runs_every_stage_over_weeks(
    ts_env: WorkflowEnvironment, ts_worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    playbook = playbook_named("default")
    lead = new_lead()
    handle = await start_paused(ts_env, settings, lead, playbook)
    await wait_for(handle, lambda s: sent(s) == ["intro"], "intro")
    await ts_env.fast_forward(handle, timedelta(days=4))
    await wait_for(handle, lambda s: "follow_up_1" in sent(s), "follow-up after 3 days")
    await handle.signal("contact_responded", {"message": "Interesting, send details"})
    await ts_env.fast_forward(handle, timedelta(days=2))
    await handle.signal("interest_expressed", {})
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")
    await ts_env.fast_forward(handle, timedelta(days=5))
    assert (await command(handle, "needs_identified", NEEDS)).status == "applied"
    await wait_for(handle, lambda s: "proposal_v1" in sent(s), "quote")
    await ts_env.fast_forward(handle, timedelta(days=25))
    await wait_for(handle, lambda s: "proposal_v1_reminder" in sent(s), "reminder a week before")
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await wait_for(handle, lambda s: "contract_v1" in sent(s), "contract")
    await ts_env.fast_forward(handle, timedelta(days=8))
    await wait_for(handle, lambda s: "contract_v1_reminder" in sent(s), "contract reminder")
    await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
    await wait_for(handle, lambda s: s.stage == SalesStage.CLOSING, "closing")
    await ts_env.fast_forward(handle, timedelta(days=10))
    await handle.signal("order_placed", {"order_number": "PO-4711"})
    assert (await handle.result()).stage == SalesStage.WON

    final = await wait_for(handle, lambda s: s.stage == SalesStage.WON, "won")
    assert stages(final) == [
        "QUALIFICATION", "CONTACT", "NEEDS_ANALYSIS", "PROPOSAL", "CONTRACT", "CLOSING", "WON",
    ]  # fmt: skip
    assert final.playbook == "default" and final.playbook_version == playbook.version
    assert timedelta(days=50) < final.timeline[-1].at - final.timeline[0].at < timedelta(days=60)
    await smtp.inbox.wait_for(lambda _: "welcome" in smtp.inbox.steps(lead.email))
    assert smtp.inbox.steps(lead.email) == [
        "intro", "follow_up_1", "orientation", "proposal_v1", "proposal_v1_reminder",
        "contract_v1", "contract_v1_reminder", "welcome",
    ]  # fmt: skip
