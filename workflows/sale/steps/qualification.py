"""QUALIFICATION: the playbook's rules, screening and score decide, or a seller does."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.qualification import QualificationActivities
    from sales.events import LeadQualified
    from sales.playbook import QualificationMode
    from sales.process import StepName
    from sales.qualification import Assessment, QualificationDecision
    from sales.requests import QualificationRequest, QualificationResult
    from sales.stages import LostReason

from workflows.inbox import Received
from workflows.sale.book import SaleEnded
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, Step


class Qualification(Step):
    """Screens and scores the lead; a restriction no seller may override ends the sale at once."""

    name = StepName.QUALIFICATION

    async def run(self) -> None:
        book = self.book
        result = await book.journaled(
            "qualify the lead",
            lambda: workflow.execute_activity_method(
                QualificationActivities.qualify_lead,
                QualificationRequest(lead=book.lead, playbook=book.playbook),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                summary="apply the playbook's viability rules",
            ),
            QualificationResult,
        )
        assessment = self._assessment(result)
        book.qualified(assessment)
        if assessment.opted_out is not None:
            raise SaleEnded(LostReason.OPTED_OUT, assessment.opted_out)
        decision = assessment.decision
        if assessment.restriction is not None:
            override = await book.next(LeadQualified, book.now())
            if override is not None:
                book.reject(
                    override, f"a restriction no seller may override: {assessment.restriction}"
                )
        if decision is QualificationDecision.DISQUALIFIED and (
            assessment.restriction is not None or not book.has_kept(LeadQualified)
        ):
            raise SaleEnded(LostReason.DISQUALIFIED, "; ".join(assessment.reasons))
        if decision is QualificationDecision.QUALIFIED and not book.has_kept(LeadQualified):
            return
        due = book.expect(
            "a seller decides on the lead (lead_qualified)",
            book.playbook.qualification.decision_timeout,
        )
        received = await book.next(LeadQualified, due)
        if received is None:
            raise SaleEnded(LostReason.STALLED, "no qualification decision in time")
        self._decide(received)

    def _assessment(self, result: QualificationResult) -> Assessment:
        if result.assessment is not None:
            return result.assessment
        # A result recorded before assessments: `viable` and the mode decided.
        seller = self.book.playbook.qualification.mode is QualificationMode.SELLER
        if not result.viable:
            decision = QualificationDecision.DISQUALIFIED
        elif seller:
            decision = QualificationDecision.ASK_SELLER
        else:
            decision = QualificationDecision.QUALIFIED
        return Assessment(decision=decision, reasons=result.reasons)

    def _decide(self, received: Received[LeadQualified]) -> None:
        book = self.book
        decision = received.event
        book.applied(received)
        book.seller_decided(decision)
        if not decision.qualified:
            raise SaleEnded(LostReason.DISQUALIFIED, decision.reason or f"by {decision.by}")
