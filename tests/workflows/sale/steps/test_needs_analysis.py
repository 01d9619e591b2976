"""NEEDS_ANALYSIS in the fast tier: a prospect whose needs nobody records in time is stalled."""

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.workflows.helpers import new_lead, playbook_named, sent, start_paused, wait_for
from tests.workflows.sale.doubles import Doubles


async def test_needs_not_recorded_in_time_end_the_sale_stalled(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    playbook = playbook_named("default")
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")  # a reply before it cancels it
    await handle.signal("interest_expressed", {"notes": "met at the booth"})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")
    assert state.next_action is not None
    assert state.next_action.description == "seller records needs and items (needs_identified)"
    await ts_env.fast_forward(handle)  # the seller never records them
    outcome = await handle.result()

    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, LostReason.STALLED)
    state = await wait_for(handle, lambda s: s.stage == SalesStage.LOST, "lost")
    assert state.lost_notes == "needs were not identified in time"
    prospect, lost = state.timeline[-2], state.timeline[-1]
    assert prospect.stage == SalesStage.NEEDS_ANALYSIS
    assert lost.at - prospect.at >= playbook.needs_analysis.timeout
    assert state.quotes == [] and doubles.steps_to(lead.email) == ["intro"]
