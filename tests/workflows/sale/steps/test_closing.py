"""CLOSING in the fast tier: the customer's support starts with the first order, not before."""

import pytest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.account.calendar import add_months
from sales.stages import SalesStage
from sales.state import SaleState
from settings import Settings
from tests.workflows.helpers import (
    NEEDS,
    new_lead,
    playbook_named,
    start_paused,
    wait_for,
    wait_for_support,
)
from tests.workflows.sale.doubles import Doubles
from workflows.sale import api as sale_api
from workflows.support import api as support_api


async def test_support_starts_when_the_first_order_is_placed_and_not_before(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    playbook = playbook_named("default")
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await handle.signal("interest_expressed", {})
    await handle.signal("needs_identified", NEEDS)
    await wait_for(handle, lambda s: bool(s.quotes), "quote sent")
    await handle.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
    await wait_for(handle, lambda s: "contract_v1" in [e.step for e in s.emails], "contract")
    await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
    state = await wait_for(
        handle,
        lambda s: s.next_action is not None and "order_placed" in s.next_action.description,
        "waiting for the first order",
    )

    # Accepted and signed, but no order yet: not a customer, so no support and no welcome.
    assert state.stage == SalesStage.CLOSING and state.support_workflow_id is None
    support = ts_env.client.get_workflow_handle(support_api.workflow_id(lead.lead_id))
    with pytest.raises(RPCError) as missing:
        await support.describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND
    assert "welcome" not in doubles.steps_to(lead.email)

    await handle.signal("order_placed", {"order_number": "PO-77"})
    outcome = await handle.result()
    assert (outcome.stage, outcome.support_workflow_id) == (SalesStage.WON, support.id)
    account = await wait_for_support(support, lambda s: len(s.emails) == 2, "hand-off sent")
    assert account.order_number == "PO-77"
    # The welcome to the customer, the hand-off note to the owner the rota gives the account.
    owner = account.owner
    assert owner is not None and owner.email in {o.email for o in playbook.account.owners}
    assert [(e.step, e.to) for e in account.emails] == [
        ("welcome", lead.email),
        ("handoff_note", owner.email),
    ]
    assert [o.order_number for o in account.orders] == ["PO-77"]
    # The deal as the sale closed it, for the owner: lines, totals, contract, term, order.
    won = await handle.query(sale_api.STATE_QUERY, result_type=SaleState)
    quote, signature = won.quotes[-1], won.signature
    handoff = account.handoff
    assert handoff is not None and signature is not None
    assert (handoff.quote_number, handoff.net_total) == (quote.number, quote.totals.net)
    assert [(line.sku, line.quantity) for line in handoff.lines] == [
        ("NW-SENSOR-100", 10),
        ("NW-PLATFORM", 1),
    ]
    assert (handoff.contract_number, handoff.term_months) == (signature.contract_number, 12)
    assert handoff.needs_summary == NEEDS["summary"]
    assert account.term_ends_on == add_months(signature.signed_at.date(), 12)
    note = next(e for e in doubles.emails if e.step == "handoff_note")
    assert note.context["handoff"]["order_number"] == "PO-77"
    welcome = next(e for e in doubles.emails if e.step == "welcome")
    assert (welcome.to, welcome.context["order_number"]) == (lead.email, "PO-77")
