"""Events sent as plain signals (fast tier): one for a stage the sale has left is rejected the
moment it arrives, with the reason; one kept for a step that ended without it is rejected when
the sale moves on. Neither waits, unseen, among the kept events."""

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
from settings import Settings
from tests.workflows.helpers import NEEDS, new_lead, playbook_named, start_paused, wait_for
from tests.workflows.sale.doubles import Doubles


async def test_a_signal_for_a_stage_the_sale_has_left_is_rejected_at_once(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    handle = await start_paused(ts_env, fast_settings, new_lead(), playbook_named("default"))
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    await wait_for(handle, lambda s: bool(s.quotes), "quote sent")

    await handle.signal("lead_qualified", {"qualified": False, "by": "sam.keller"})
    await handle.signal("contact_responded", {"message": "Sorry, only saw your mail now"})
    again = {"summary": "more sensors", "items": [{"sku": "NW-SENSOR-100", "quantity": 30}]}
    await handle.signal("needs_identified", again)
    state = await wait_for(
        handle,
        lambda s: len(s.rejected_events) + len(s.pending_events) >= 3,
        "the three late events handled",
    )

    assert state.pending_events == []  # none kept for a step that will never run again
    assert [(r.signal, r.reason) for r in state.rejected_events] == [
        ("lead_qualified", "arrived in PROPOSAL; applies in QUALIFICATION only"),
        ("contact_responded", "arrived in PROPOSAL; applies in CONTACT only"),
        ("needs_identified", "arrived in PROPOSAL; applies in NEEDS_ANALYSIS only"),
    ]
    assert state.stage == SalesStage.PROPOSAL and len(state.quotes) == 1
    assert [e.signal for e in state.applied_events] == ["interest_expressed", "needs_identified"]


async def test_an_event_its_step_ended_without_is_rejected_when_the_sale_moves_on(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    handle = await start_paused(ts_env, fast_settings, new_lead(), playbook_named("default"))
    # The seller records interest; the reply tracker reports the lead's reply a moment later.
    await handle.signal("interest_expressed", {"notes": "called back at once"})
    await handle.signal("contact_responded", {"channel": "email", "message": "Yes, interested"})
    state = await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")

    assert state.pending_events == []
    assert [(r.signal, r.reason) for r in state.rejected_events] == [
        ("contact_responded", "not applied: the sale moved on to NEEDS_ANALYSIS")
    ]
    assert [e.signal for e in state.applied_events] == ["interest_expressed"]
