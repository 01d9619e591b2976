"""CLOSING in the fast tier: the customer's support starts with the first order, not before."""

import pytest
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import SalesStage
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
from workflows.support import api as support_api


async def test_support_starts_when_the_first_order_is_placed_and_not_before(
    ts_env: WorkflowEnvironment, fast_worker: Worker, fast_settings: Settings, doubles: Doubles
) -> None:
    lead = new_lead()
    handle = await start_paused(ts_env, fast_settings, lead, playbook_named("default"))
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
    account = await wait_for_support(support, lambda s: bool(s.emails), "welcome sent")
    assert account.order_number == "PO-77"
    assert [e.step for e in account.emails] == ["welcome"]
    welcome = next(e for e in doubles.emails if e.step == "welcome")
    assert (welcome.to, welcome.context["order_number"]) == (lead.email, "PO-77")
