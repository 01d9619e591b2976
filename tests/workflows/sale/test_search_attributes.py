"""The search attributes ops filter by (fast tier): their values, read back from the server, as a
sale goes from contact to lost or to won, and on the customer's support workflow."""

from datetime import timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.items import ItemOfInterest
from sales.playbook import load_playbook
from sales.stages import SalesStage
from settings import Settings
from tests.workflows.helpers import (
    NEEDS,
    PLAYBOOKS,
    command,
    new_lead,
    next_working_local,
    playbook_named,
    sent,
    start_at,
    start_paused,
    wait_for,
    wait_for_support,
    wait_until,
)
from tests.workflows.sale.doubles import Doubles
from workflows import search_attributes as sa
from workflows.support import api as support_api


async def attributes(handle: WorkflowHandle[Any, Any]) -> dict[str, Any]:
    """The workflow's search attributes of ours (not the server's own) as it holds them, by name."""
    ours = {key.name for key in sa.ALL}
    found = (await handle.describe()).typed_search_attributes
    return {pair.key.name: pair.value for pair in found if pair.key.name in ours}


def assert_holds(
    found: dict[str, Any],
    expected: dict[SearchAttributeKey[Any], Any],
    absent: tuple[SearchAttributeKey[Any], ...] = (),
) -> None:
    """Each expected attribute has its value, and the absent ones are not set at all."""
    assert {key.name: found.get(key.name) for key in expected} == {
        key.name: value for key, value in expected.items()
    }
    assert [key.name for key in absent if key.name in found] == []


def lead_values(playbook: str, version: str) -> dict[SearchAttributeKey[Any], Any]:
    return {
        sa.PLAYBOOK: playbook,
        sa.PLAYBOOK_VERSION: version,
        sa.LEAD_SOURCE: "convention:hannover-messe-2026",
        sa.SALES_OWNER: "sam.keller",
        sa.INDUSTRY: "packaging",
        sa.LEAD_COMPANY: "PolderPack B.V.",
    }


async def test_a_sales_attributes_follow_it_from_contact_to_lost(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("default")
    handle = await start_paused(ts_env, fast_settings, new_lead(), playbook)
    state = await wait_for(handle, lambda s: s.next_action is not None, "waiting for a reply")
    assert state.next_action is not None and state.next_action.due_at is not None
    follow_up_due = state.next_action.due_at
    assert_holds(
        await attributes(handle),
        {
            **lead_values("default", playbook.version),
            sa.SALES_STAGE: "CONTACT",
            sa.NEXT_ACTION_AT: follow_up_due,
        },
        absent=(sa.DEAL_VALUE, sa.DEAL_CURRENCY, sa.LOST_REASON),
    )

    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    state = await wait_for(
        handle,
        lambda s: bool(s.quotes) and s.next_action is not None,  # its email out, a wait begun
        "quote sent",
    )
    assert state.next_action is not None and state.next_action.due_at is not None
    # NextActionAt is when the sale next wakes by itself: its one timer, set anew when the
    # stage changed (process version 6) for the proposal's own deadline, in the stage's upsert.
    assert follow_up_due < state.next_action.due_at
    # 10 x 149.00 + 4,800.00 = 6,290.00 net: the deal's value, in the quote's currency.
    assert_holds(
        await attributes(handle),
        {
            sa.SALES_STAGE: "PROPOSAL",
            sa.DEAL_VALUE: 6290.0,
            sa.DEAL_CURRENCY: "EUR",
            sa.NEXT_ACTION_AT: state.next_action.due_at,
        },
        absent=(sa.LOST_REASON,),
    )

    await command(handle, "mark_lost", {"reason": "competitor", "notes": "chose Acme"})
    await handle.result()
    assert_holds(
        await attributes(handle),
        {sa.SALES_STAGE: "LOST", sa.LOST_REASON: "competitor", sa.DEAL_VALUE: 6290.0},
        absent=(sa.NEXT_ACTION_AT,),  # nothing is due on a closed sale
    )


async def test_a_won_sale_and_its_customers_support_carry_their_attributes(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    playbook = playbook_named("quick")
    lead = new_lead(items=[ItemOfInterest(sku="NW-SENSOR-100", quantity=12)])
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await wait_for(handle, lambda s: bool(s.quotes), "quote sent at once")
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await handle.signal("order_placed", {"order_number": "WEB-1001"})
    outcome = await handle.result()

    assert outcome.stage == SalesStage.WON
    # 12 x 149.00 = 1,788.00 net.
    assert_holds(
        await attributes(handle),
        {
            **lead_values("quick", playbook.version),
            sa.SALES_STAGE: "WON",
            sa.DEAL_VALUE: 1788.0,
            sa.DEAL_CURRENCY: "EUR",
        },
        absent=(sa.LOST_REASON, sa.NEXT_ACTION_AT),
    )

    support = ts_env.client.get_workflow_handle(support_api.workflow_id(lead.lead_id))
    account = await wait_for_support(support, lambda s: bool(s.emails), "welcome sent")
    customer = lead_values("quick", playbook.version)
    del customer[sa.PLAYBOOK_VERSION]  # a sale's attribute; the account has none
    (order,) = account.orders  # the sale's order, promised by the playbook's delivery time
    within = playbook.account.delivery_within
    assert order.placed_at and within and order.promised_by == order.placed_at + within
    assert_holds(
        await attributes(support),
        {
            **customer,
            sa.SALES_STAGE: "CUSTOMER",
            sa.DEAL_VALUE: 1788.0,
            sa.DEAL_CURRENCY: "EUR",
            sa.ACCOUNT_HEALTH: "good",
            sa.OPEN_TICKETS: 0,
            sa.NEEDS_ATTENTION: False,
            sa.NEXT_ACTION_AT: order.promised_by,
        },
    )

    await support.signal("order_fulfilled", {"order_number": "WEB-1001"})
    account = await wait_for_support(support, lambda s: s.next_check_in_at is not None, "planned")
    assert (await attributes(support))[sa.NEXT_ACTION_AT.name] == account.next_check_in_at


async def upserts(handle: WorkflowHandle[Any, Any]) -> int:
    """The search-attribute upserts in the workflow's history: each one a billed action."""
    return len(
        [
            event
            async for event in handle.fetch_history_events()
            if event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
        ]
    )


async def test_a_reply_shows_its_later_deadline_when_the_sale_wakes_at_the_earlier_one(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    # Process version 10: a reply ends the cadence and the sale's deadline moves later (the end
    # of the wait for interest). NextActionAt keeps the follow-up's earlier time, when the sale
    # wakes anyway, and shows the new deadline then: no upsert of its own for the reply, and
    # never a time later than what the sale will do.
    playbook = load_playbook(PLAYBOOKS, "default")
    lead = new_lead(country="FR", timezone="Europe/Paris")
    begins = next_working_local(2, 11, "Europe/Paris", "FR")  # a Wednesday, inside the window
    handle = await start_at(ts_env, fast_settings, lead, playbook, begins)
    state = await wait_for(
        handle, lambda s: sent(s) == ["intro"] and s.next_action is not None, "the intro"
    )
    assert state.next_action is not None and state.next_action.due_at is not None
    follow_up_at = state.next_action.due_at
    assert (await attributes(handle))[sa.NEXT_ACTION_AT.name] == follow_up_at
    assert await upserts(handle) == 1  # CONTACT, with its deadline

    await handle.signal("contact_responded", {"message": "Tell me more"})
    state = await wait_for(
        handle,
        lambda s: s.next_action is not None and s.next_action.due_at != follow_up_at,
        "the wait for interest",
    )
    assert state.next_action is not None and state.next_action.due_at is not None
    interest_due = state.next_action.due_at
    assert follow_up_at < interest_due
    assert state.stage == SalesStage.CONTACT
    assert (await attributes(handle))[sa.NEXT_ACTION_AT.name] == follow_up_at
    assert await upserts(handle) == 1

    now = await ts_env.get_current_time(handle)
    await ts_env.fast_forward(handle, follow_up_at - now + timedelta(minutes=1))
    shown = await wait_until(
        lambda: attributes(handle),
        lambda found: found.get(sa.NEXT_ACTION_AT.name) == interest_due,
        "the interest deadline shown once the follow-up's time passed",
    )
    assert shown[sa.SALES_STAGE.name] == "CONTACT"
    assert await upserts(handle) == 2
    state = await wait_for(handle, lambda s: s.stage == SalesStage.CONTACT, "still in contact")
    assert sent(state) == ["intro"]  # no follow-up after a reply
    await handle.terminate("the test is over")
