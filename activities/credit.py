"""Credit check: the playbook's credit rules applied to a buyer and a deal value."""

from temporalio import activity

from sales.gates import CreditCheckGate, CreditDecision
from sales.requests import CreditCheckRequest


@activity.defn
async def check_credit(request: CreditCheckRequest) -> CreditDecision:
    """Approved by the rules, or referred to a person with the reason.

    An activity so that a credit bureau's answer can join the rules without a
    new workflow version.
    """
    policy = request.playbook.gates.credit_check or CreditCheckGate()
    return policy.decide(request.net, request.currency, request.lead.country)
