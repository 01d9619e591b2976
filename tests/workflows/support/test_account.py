"""The account in the fast tier: commands, rejected events, renewals that cannot start, the
quick and public-sector sections, and the support of old still running as it did."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.account.calendar import add_months
from sales.account.policy import Priority
from sales.account.records import Handoff, SaleKind
from sales.account.state import AccountState
from sales.refusals import COMMAND_REFUSED
from sales.stages import SalesStage
from sales.state import SaleOutcome, SaleState
from settings import Settings
from tests.workflows.helpers import (
    command,
    new_lead,
    playbook_named,
    start_support,
    wait_for,
    wait_for_support,
)
from tests.workflows.sale.doubles import Doubles
from workflows.sale import api as sale_api
from workflows.support import api


def rejected(state: AccountState) -> list[tuple[str, str]]:
    return [(r.signal, r.reason) for r in state.rejected_events]


async def test_an_upsell_command_answers_at_once_and_starts_a_sale_linked_both_ways(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    handle = await start_support(ts_env, fast_settings, lead, playbook_named("default"))
    answer = await command(
        handle,
        api.UPSELL_REQUESTED.name,
        {"requested_by": "lena.vogt", "items": [{"sku": "NW-GATEWAY-20", "quantity": 2}]},
    )
    assert answer.status == "applied"
    state = await wait_for_support(handle, lambda s: bool(s.sales), "upsell started")
    (upsell,) = state.sales
    assert (upsell.kind, upsell.requested_by) == (SaleKind.UPSELL, "lena.vogt")
    assert upsell.workflow_id == sale_api.workflow_id(f"{lead.lead_id}-u1")

    sale = ts_env.client.get_workflow_handle(upsell.workflow_id)
    quoted: SaleState = await wait_for(sale, lambda s: bool(s.quotes), "upsell quote")
    assert quoted.account_workflow_id == handle.id
    assert quoted.playbook == "renewal" and quoted.lead.owner == state.owner.name  # type: ignore[union-attr]
    assert [(line.sku, line.quantity) for line in quoted.quotes[0].lines] == [("NW-GATEWAY-20", 2)]
    await sale.signal("proposal_rejected", {"reason": "no budget this year"})
    state = await wait_for_support(handle, lambda s: s.sales[0].outcome == "LOST", "reported")
    assert state.sales[0].lost_reason == "proposal_rejected"

    # An event sent as a command is refused at once, saying what the commands are.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await command(handle, api.ORDER_PLACED.name, {"order_number": "PO-3"})
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == COMMAND_REFUSED
    assert cause.message == (
        "order_placed is an event, not a command: send it as a signal (commands: upsell_requested)"
    )
    await handle.signal("account_closed", {"reason": "test over"})
    assert len((await handle.result()).sales) == 1


async def test_events_that_do_not_fit_the_account_are_recorded_with_why(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    handle = await start_support(
        ts_env, fast_settings, new_lead(), playbook_named("default"), order_number="PO-1"
    )
    sends: list[tuple[str, dict[str, Any]]] = [
        ("order_placed", {"order_number": "PO-1"}),
        ("order_shipped", {"order_number": "PO-9"}),
        ("ticket_opened", {"ticket_id": "T-1", "priority": "P7"}),
        ("ticket_opened", {"ticket_id": "T-1"}),
        ("ticket_responded", {"ticket_id": "T-1"}),
        ("ticket_responded", {"ticket_id": "T-1"}),
        ("follow_up_done", {"task_id": "F-1"}),
        ("sale_concluded", {"sale_workflow_id": "sale-someone-r1", "outcome": "WON"}),
        ("order_fulfilled", {"order_number": "PO-1"}),
        ("order_fulfilled", {"order_number": "PO-1"}),
    ]
    for name, payload in sends:
        await handle.signal(name, payload)
    state = await wait_for_support(handle, lambda s: len(s.orders_fulfilled) == 1, "fulfilled")
    state = await wait_for_support(handle, lambda s: len(s.rejected_events) == 7, "all rejected")
    # A payload that is no event is refused as it comes; the others as they are applied.
    unreadable = [r for r in rejected(state) if r[0] == "ticket_opened"]
    assert len(unreadable) == 1 and "priority" in unreadable[0][1]
    assert [r for r in rejected(state) if r[0] != "ticket_opened"] == [
        ("order_placed", "order PO-1 was already placed"),
        ("order_shipped", "order PO-9 was never placed on this account"),
        ("ticket_responded", "ticket T-1 was already answered"),
        ("follow_up_done", "follow-up F-1 was never opened"),
        ("sale_concluded", "sale sale-someone-r1 was not started by this account"),
        ("order_fulfilled", "order PO-1 was already fulfilled"),
    ]
    (ticket,) = state.tickets
    assert ticket.priority == "P3" and ticket.responded_at is not None  # the default priority
    await handle.signal("account_closed", {"reason": "test over"})
    await handle.result()


async def test_a_sale_that_cannot_start_needs_attention_and_is_not_tried_again(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    shipped = playbook_named("default")
    account = shipped.account.model_copy(update={"upsell_playbook": "no-such-playbook"})
    handle = await start_support(
        ts_env, fast_settings, new_lead(), shipped.model_copy(update={"account": account})
    )
    answer = await command(handle, api.UPSELL_REQUESTED.name, {"requested_by": "tom"})
    assert answer.status == "applied"
    state = await wait_for_support(handle, lambda s: bool(s.concerns), "needs attention")
    (sale,) = state.sales
    assert sale.outcome == "NOT_STARTED"
    assert "no playbook 'no-such-playbook'" in (sale.lost_reason or "")
    assert state.concerns[0].what.startswith("the upsell sale could not start: ")
    await handle.signal("account_closed", {"reason": "test over"})
    final = await handle.result()
    assert len(final.sales) == 1


async def test_a_quick_account_has_no_owner_and_its_support_hears_of_breaches(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("quick")
    lead = new_lead()
    handle = await start_support(ts_env, fast_settings, lead, playbook, order_number="WEB-7")
    await handle.signal("ticket_opened", {"ticket_id": "T-1", "priority": "P1"})
    opened = await wait_for_support(handle, lambda s: bool(s.tickets), "ticket opened")
    assert opened.owner is None and opened.term_ends_on is None  # no contract, no renewal
    await ts_env.fast_forward(handle, playbook.account.service_levels[Priority.P1].first_response)
    # Health is assessed once the breach's email went out: wait for both, not the first.
    state = await wait_for_support(
        handle,
        lambda s: bool(s.tickets[0].clocks[0].escalations and s.health_reasons),
        "breach escalated",
    )
    support = str(playbook.support.contact_email)
    assert doubles.steps_to(support) == ["handoff_note", "ticket_breach_T-1_first_response_1"]
    assert doubles.steps_to(lead.email) == ["welcome"]
    assert state.health_reasons == ["ticket T-1 (P1) missed its first response"]
    await handle.signal("account_closed", {"reason": "test over"})
    await handle.result()


async def test_a_support_workflow_begun_on_older_code_runs_as_it_did(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    handle = await start_support(
        ts_env, fast_settings, lead, playbook_named("default"), process_version=3
    )
    await handle.signal("order_placed", {"order_number": "PO-2"})
    await handle.signal("order_fulfilled", {"order_number": "PO-1"})
    state = await wait_for_support(handle, lambda s: bool(s.orders_fulfilled), "fulfilled")
    assert (state.stage, state.owner, doubles.steps_to(lead.email)) == (
        "SUPPORT",
        None,
        ["welcome"],
    )
    assert [e.step for e in doubles.emails if e.to != lead.email] == []
    assert state.rejected_events[0].signal == "order_placed"
    assert state.rejected_events[0].reason.startswith("unknown signal")
    with pytest.raises(WorkflowUpdateFailedError):
        await command(handle, api.UPSELL_REQUESTED.name, {"requested_by": "tom"})
    await handle.signal("account_closed", {"reason": "test over"})
    await handle.result()


async def test_a_sale_that_outlives_its_account_ends_all_the_same_with_a_note(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    handle = await start_support(ts_env, fast_settings, new_lead(), playbook_named("default"))
    items = [{"sku": "NW-PLATFORM", "quantity": 1}]
    await command(handle, api.UPSELL_REQUESTED.name, {"requested_by": "tom", "items": items})
    state = await wait_for_support(handle, lambda s: bool(s.sales), "upsell started")
    sale = ts_env.client.get_workflow_handle(state.sales[0].workflow_id, result_type=SaleOutcome)
    await wait_for(sale, lambda s: bool(s.quotes), "upsell quote")
    await handle.signal("account_closed", {"reason": "customer acquired"})
    await handle.result()

    await sale.signal("proposal_rejected", {"reason": "the new owner buys elsewhere"})
    assert (await sale.result()).stage == SalesStage.LOST
    final = await sale.query(sale_api.STATE_QUERY, result_type=SaleState)
    assert any(
        note.startswith(f"the account {handle.id} could not be told") for note in final.notes
    )


async def test_an_enterprise_account_has_quarterly_business_reviews(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("enterprise")
    every = playbook.account.business_reviews_every
    assert every is not None
    lead = new_lead()
    handle = await start_support(ts_env, fast_settings, lead, playbook)
    await wait_for_support(handle, lambda s: s.next_review_at is not None, "review planned")
    await ts_env.fast_forward(handle, 2 * every + timedelta(hours=1))
    state = await wait_for_support(handle, lambda s: s.reviews_sent == 2, "two reviews")
    assert doubles.steps_to(lead.email) == ["welcome", "business_review_1", "business_review_2"]
    review = next(e for e in doubles.emails if e.step == "business_review_2")
    assert review.context["number"] == 2
    assert state.next_action is not None and state.next_action.description == "business review 3"
    await handle.signal("account_closed", {"reason": "test over"})
    await handle.result()


async def test_a_public_buyer_renews_by_a_new_tender(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("public-sector")
    renewal = playbook.account.renewal
    assert renewal is not None
    lead = new_lead(country="DE")
    # The term ends a day more than start_before from now: the renewal starts tomorrow at 09:00
    # in the customer's zone, whatever the hour the test runs (today's 09:00 may have passed).
    term = playbook.contract.term_months
    tomorrow = datetime.now(UTC).date() + renewal.start_before + timedelta(days=1)
    signed = add_months(tomorrow, -term)
    while add_months(signed, term) < tomorrow:  # a month's end clamps the date back
        signed += timedelta(days=1)
    handoff = Handoff(contract_signed_on=signed, term_months=playbook.contract.term_months)
    handle = await start_support(ts_env, fast_settings, lead, playbook, handoff=handoff)
    # The reminder's day (210 days before the end) is past: it goes at once.
    state = await wait_for_support(
        handle,
        lambda s: (
            s.next_action is not None
            and s.next_action.description.startswith("renewal sale starts")
        ),
        "reminded at once",
    )
    assert state.renewal_reminded_for == state.term_ends_on
    due = state.next_action.due_at if state.next_action else None
    assert state.next_action is not None and due is not None
    assert state.next_action.description.startswith("renewal sale starts")
    # Up to a few seconds before: a child started while the account skips time would
    # skip its own waits too (tests/workflows/support/test_account_years.py says more).
    await ts_env.fast_forward(handle, due - datetime.now(UTC) - timedelta(seconds=3))
    state = await wait_for_support(handle, lambda s: bool(s.sales), "renewal started")
    (sale,) = state.sales
    assert (sale.kind, sale.playbook) == (SaleKind.RENEWAL, "renewal-tender")
    bid = ts_env.client.get_workflow_handle(sale.workflow_id)
    tender: SaleState = await wait_for(bid, lambda s: s.stage == "NEEDS_ANALYSIS", "tender")
    assert tender.steps[:3] == ["qualification", "needs_analysis", "tender"]
    await bid.signal("mark_lost", {"reason": "cancelled", "notes": "test over"})
    await handle.signal("account_closed", {"reason": "test over"})
    await handle.result()
