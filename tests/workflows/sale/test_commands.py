"""Seller commands as updates (fast tier): refused at once with the reason, or answered once
applied or kept; a refusal leaves no trace in the sale, a plain signal of the same name works."""

from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import LostReason, SalesStage
from settings import Settings
from tests.workflows.helpers import (
    BIG_DISCOUNT,
    NEEDS,
    command,
    new_lead,
    playbook_named,
    start_paused,
    wait_for,
)
from tests.workflows.sale.doubles import Doubles


async def refusal(handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await command(handle, name, payload)
    return str(refused.value.cause)


async def in_contact(
    env: WorkflowEnvironment, settings: Settings, playbook: str = "default"
) -> WorkflowHandle[Any, Any]:
    handle = await start_paused(env, settings, new_lead(), playbook_named(playbook))
    await wait_for(handle, lambda s: s.next_action is not None, "waiting")
    return handle


async def test_commands_the_sale_cannot_take_are_refused_with_the_reason(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings
) -> None:
    handle = await in_contact(ts_env, fast_settings)

    assert "make_coffee is unknown; seller commands: lead_qualified, needs_identified" in (
        await refusal(handle, "make_coffee", {})
    )
    assert "contract_signed is an event, not a seller command: send it as a signal" in (
        await refusal(handle, "contract_signed", {"signed_by": "x"})
    )
    assert "invalid payload: reason: Input should be" in (
        await refusal(handle, "mark_lost", {"reason": "bored"})
    )
    assert "the playbook 'default' has no step that takes contract_redlined" in (
        await refusal(handle, "contract_redlined", {"changes": [{"clause": "a", "text": "b"}]})
    )
    assert "arrived in CONTACT; applies in QUALIFICATION only" in (
        await refusal(handle, "lead_qualified", {"qualified": True, "by": "x"})
    )
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CONTACT, "contact")
    assert state.rejected_events == [] and state.applied_events == []


async def test_a_command_for_a_later_step_is_kept_and_a_repeat_of_it_refused(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings
) -> None:
    handle = await in_contact(ts_env, fast_settings)
    approval = {"approver": "sales.manager", "event_id": "approval-1"}
    answer = await command(handle, "discount_approved", approval)
    assert (answer.status, answer.detail) == ("kept", "kept until the sale reaches proposal")
    assert "duplicate event_id" in await refusal(handle, "discount_approved", approval)
    state = await wait_for(handle, lambda s: s.pending_events == ["discount_approved"], "kept")
    assert state.rejected_events == []


async def test_needs_that_cannot_be_priced_are_refused_after_acceptance_and_recorded(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings
) -> None:
    handle = await in_contact(ts_env, fast_settings)
    await handle.signal("interest_expressed", {})
    await wait_for(handle, lambda s: s.stage == SalesStage.NEEDS_ANALYSIS, "prospect")
    unknown = {"summary": "x", "items": [{"sku": "NW-NOPE", "quantity": 1}]}
    assert "cannot be quoted: unknown sku 'NW-NOPE'" in await refusal(
        handle, "needs_identified", unknown
    )
    state = await wait_for(handle, lambda s: bool(s.rejected_events), "recorded")
    assert state.rejected_events[0].signal == "needs_identified"
    answer = await command(handle, "needs_identified", NEEDS)
    assert (answer.status, answer.detail) == ("applied", "applied in NEEDS_ANALYSIS")


async def test_a_step_refuses_a_command_it_would_reject_now(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("default")
    proposal = playbook.proposal.model_copy(update={"max_versions": 2})
    handle = await start_paused(
        ts_env, fast_settings, new_lead(), playbook.model_copy(update={"proposal": proposal})
    )
    await handle.signal("interest_expressed", {})
    await command(handle, "needs_identified", NEEDS)
    await wait_for(handle, lambda s: s.stage == SalesStage.PROPOSAL, "proposal")
    assert "no quote is waiting for a discount approval" in (
        await refusal(handle, "discount_approved", {"approver": "x"})
    )
    more = {"items": [{"sku": "NW-SENSOR-100", "quantity": 12}]}
    assert (await command(handle, "revision_requested", more)).status == "applied"
    await wait_for(handle, lambda s: len(s.quotes) == 2, "second version")
    assert "the playbook allows 2 versions at most" in (
        await refusal(handle, "revision_requested", more)
    )


async def test_mark_lost_as_a_command_ends_the_sale(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("default"))
    await wait_for(handle, lambda s: s.next_action is not None, "waiting")
    answer = await command(handle, "mark_lost", {"reason": "competitor", "notes": "chose Acme"})
    assert (answer.status, answer.detail) == ("applied", "the sale ends")
    outcome = await handle.result()
    assert (outcome.stage, outcome.lost_reason) == (SalesStage.LOST, LostReason.COMPETITOR)
    assert doubles.steps_to(lead.email) == ["intro"]


async def test_a_command_its_step_is_not_waiting_for_yet_is_kept_then_applied(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    handle = await in_contact(ts_env, fast_settings)
    await handle.signal("interest_expressed", {})
    await command(handle, "needs_identified", BIG_DISCOUNT)
    await wait_for(handle, lambda s: s.awaiting_discount_approval, "approval asked")

    more = {"items": [{"sku": "NW-GATEWAY-20", "quantity": 4}], "event_id": "rev-1"}
    answer = await command(handle, "revision_requested", more)
    assert (answer.status, answer.detail) == ("kept", "kept until proposal is ready for it")
    await command(handle, "discount_approved", {"approver": "sales.manager"})
    state = await wait_for(
        handle, lambda s: "discount_approval_v2" in [e.step for e in s.emails], "v2 held"
    )
    assert [e.step for e in state.emails][-3:] == [
        "discount_approval_v1",
        "proposal_v1",
        "discount_approval_v2",
    ]
    assert [a.event_id for a in state.applied_events if a.signal == "revision_requested"] == [
        "rev-1"
    ]
