"""Qualification: the playbook's viability rules applied to a lead."""

from temporalio import activity

from sales.qualification import assess_viability
from sales.requests import QualificationRequest, QualificationResult


@activity.defn
async def qualify_lead(request: QualificationRequest) -> QualificationResult:
    """Viable or not under the playbook's rules, with every reason found.

    An activity rather than workflow code so that rules needing outside data
    (a suppression list, a sanctions register) can join it without a new
    workflow version.
    """
    reasons = assess_viability(request.lead, request.playbook.qualification)
    return QualificationResult(viable=not reasons, reasons=reasons)
