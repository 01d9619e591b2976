"""QUALIFICATION: the playbook's rules, screening and score decide, or a seller does."""

from temporalio import workflow
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.qualification import QualificationActivities
    from sales.events import LeadQualified
    from sales.playbook import QualificationMode
    from sales.process import StepName
    from sales.qualification import Assessment, QualificationDecision
    from sales.requests import (
        CarriedEmail,
        IntroAtOnce,
        QualificationRequest,
        QualificationResult,
    )
    from sales.stages import LostReason

from workflows.emailing import HEARTBEAT_TIMEOUT, carried_until_done, record
from workflows.received import Received
from workflows.sale.events import SaleEnded
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, Step
from workflows.sale.steps.contact import INTRO, REPLIES
from workflows.versions import INTRO_WITH_QUALIFICATION


class Qualification(Step):
    """Screens and scores the lead; a restriction no seller may override ends the sale at once."""

    name = StepName.QUALIFICATION

    async def run(self) -> None:
        sale = self.sale
        events = sale.events
        assessment = sale.state.qualification  # a resumed run has it
        if assessment is None:
            # Process version 5: the lead country's holidays come with the qualification, an
            # activity (a billed action) less before the first email's window.
            holidays = sale.window.holidays_wanted() if sale.lean else None

            def request() -> QualificationRequest:
                # Built at each try: a try after a fix asks for the intro at its own time.
                return QualificationRequest(
                    lead=sale.lead,
                    playbook=sale.playbook_for_activity(),
                    holidays=holidays,
                    # Process version 6: the lead filed for the later activities to read.
                    workflow_id=sale.state.workflow_id if sale.filed_by_email else None,
                    intro=self._intro_at_once(),
                )

            result = await sale.operations.run("qualify the lead", lambda: self._qualify(request()))
            if holidays is not None and result.holidays is not None:
                sale.window.holidays_known(holidays, result.holidays)
            sale.lead_filed(result.lead_file)
            if result.intro is not None:  # only ever there when asked for (version 8)
                sale.emailed(record(self._intro(), result.intro))
            assessment = self._assessment(result)
            sale.qualified(assessment)
        if assessment.opted_out is not None:
            raise SaleEnded(LostReason.OPTED_OUT, assessment.opted_out)
        decision = assessment.decision
        if assessment.restriction is not None:
            override = await events.next(LeadQualified, sale.now())
            if override is not None:
                events.reject(
                    override, f"a restriction no seller may override: {assessment.restriction}"
                )
        if decision is QualificationDecision.DISQUALIFIED and (
            assessment.restriction is not None or not events.has_kept(LeadQualified)
        ):
            raise SaleEnded(LostReason.DISQUALIFIED, "; ".join(assessment.reasons))
        if decision is QualificationDecision.QUALIFIED and not events.has_kept(LeadQualified):
            return
        due = sale.expect(
            "a seller decides on the lead (lead_qualified)",
            sale.playbook.qualification.decision_timeout,
        )
        received = await events.next(LeadQualified, due)
        if received is None:
            raise SaleEnded(LostReason.STALLED, "no qualification decision in time")
        self._decide(received)

    def _intro_at_once(self) -> IntroAtOnce | None:
        """From process version 8, the intro for the qualification's activity to send when the
        lead qualifies and its window is open: when the contact step comes next and nothing
        (a reply, a seller's pending decision, the sale's end) would hold or cancel it."""
        sale = self.sale
        events = sale.events
        version = sale.process_version
        following = sale.current + 1
        if (
            version is None
            or version < INTRO_WITH_QUALIFICATION
            or not sale.outreach_rules
            or following >= len(sale.steps)
            or sale.steps[following] != StepName.CONTACT
            or sale.sent(INTRO)
            or sale.cancelled(INTRO)
            or events.ending is not None
            or events.first_kept(REPLIES) is not None
            or events.has_kept(LeadQualified)
        ):
            return None
        return IntroAtOnce(email=self._intro(), at=sale.now())

    def _intro(self) -> CarriedEmail:
        return CarriedEmail(step=INTRO, template=self.sale.playbook.email_template(INTRO))

    async def _qualify(self, request: QualificationRequest) -> QualificationResult:
        """The qualification's result; with an intro to send, the activity is cancelled when
        the sale ends meanwhile (an opt-out), as an email's is, and waited for."""
        if request.intro is None:
            return await workflow.execute_activity_method(
                QualificationActivities.qualify_lead,
                request,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                summary="apply the playbook's viability rules",
            )
        events = self.sale.events
        handle = workflow.start_activity_method(
            QualificationActivities.qualify_lead,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
            summary="apply the playbook's viability rules; the intro if its window is open",
            cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        )
        return await carried_until_done(handle, lambda: events.ending)

    def _assessment(self, result: QualificationResult) -> Assessment:
        if result.assessment is not None:
            return result.assessment
        # A result recorded before assessments: `viable` and the mode decided.
        seller = self.sale.playbook.qualification.mode is QualificationMode.SELLER
        if not result.viable:
            decision = QualificationDecision.DISQUALIFIED
        elif seller:
            decision = QualificationDecision.ASK_SELLER
        else:
            decision = QualificationDecision.QUALIFIED
        return Assessment(decision=decision, reasons=result.reasons)

    def _decide(self, received: Received[LeadQualified]) -> None:
        sale = self.sale
        decision = received.event
        sale.events.applied(received)
        sale.seller_decided(decision)
        if not decision.qualified:
            raise SaleEnded(LostReason.DISQUALIFIED, decision.reason or f"by {decision.by}")
