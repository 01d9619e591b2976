"""Discount approval in the fast tier: only a discount above the playbook's threshold waits for
the sales manager; one exactly at it is a seller's to give and goes out at once."""

from decimal import Decimal

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.workflows.helpers import new_lead, playbook_named, sent, start_paused, wait_for
from tests.workflows.sale.doubles import Doubles


@pytest.mark.parametrize(
    ("discount", "held", "given"),
    [
        # 3 x 890.00 = 2670.00; 10 % = 267.00: exactly the default playbook's threshold.
        ("10", False, "267.00"),
        # 10.01 % = 267.267 -> 267.27, which is 10.01 % of the list total: above it.
        ("10.01", True, "267.27"),
    ],
)
async def test_a_discount_at_the_threshold_goes_out_and_one_just_above_waits_for_approval(
    ts_env: WorkflowEnvironment,
    fast_worker: Worker,
    fast_settings: Settings,
    doubles: Doubles,
    discount: str,
    held: bool,
    given: str,
) -> None:
    playbook = playbook_named("default")
    assert playbook.proposal.discount_approval_threshold == Decimal(10)
    manager = playbook.seller.sales_manager_email
    lead = new_lead()
    handle = await start_paused(ts_env, fast_settings, lead, playbook)
    await wait_for(handle, lambda s: "intro" in sent(s), "intro")  # a reply before it cancels it
    await handle.signal("interest_expressed", {})
    needs = {
        "summary": "Three gateways, at the discount the seller offered",
        "discount_percent": discount,
        "items": [{"sku": "NW-GATEWAY-20", "quantity": 3}],
    }
    await handle.signal("needs_identified", needs)
    # Held: the sale says so as it sends the manager's request, so wait for the request too.
    state = await wait_for(
        handle,
        lambda s: bool({"discount_approval_v1", "proposal_v1"} & set(sent(s))),
        "the quote sent or held for approval",
    )

    assert state.awaiting_discount_approval is held
    if held:
        assert doubles.steps_to(manager) == ["discount_approval_v1"]
        assert state.quotes == [] and "proposal_v1" not in doubles.steps_to(lead.email)
        approval = doubles.emails[-1]
        assert approval.context["quote"]["totals"]["discount"] == given
    else:
        assert doubles.steps_to(manager) == []
        assert doubles.steps_to(lead.email) == ["intro", "orientation", "proposal_v1"]
        assert state.quotes[0].totals.discount == Decimal(given)
        assert state.quotes[0].totals.effective_discount_percent == Decimal("10.00")
