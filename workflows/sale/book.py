"""The sale's book: the one owner of its state, with the emails, documents, gates and UI details.

Every step of `SaleWorkflow` works through one `SaleBook`, so bookkeeping (what
was applied, kept, rejected, sent, shown in the UI) is written once, and the
state changes only through the methods here.
"""

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from activities.suppression import SuppressionActivities
    from sales.events import LeadQualified, NeedsIdentified, Redline
    from sales.playbook import PurchasingProcedure
    from sales.process import StepName, stage_of
    from sales.qualification import Assessment
    from sales.quote import Quote
    from sales.requests import SaleInput
    from sales.resume import KeptEvent, Resume, StepStart
    from sales.stages import LostReason, SalesStage
    from sales.state import (
        Acceptance,
        DocumentRecord,
        GateRecord,
        GateStatus,
        NextAction,
        Order,
        SaleOutcome,
        SaleState,
        Signature,
        StageChange,
    )
    from sales.suppression import Suppress, SuppressionSource

from workflows import search_attributes as sa
from workflows.inbox import Received
from workflows.sale import api
from workflows.sale.details import details_of
from workflows.sale.journal import Journal
from workflows.sale.kept import SaleEnded
from workflows.sale.mail import Mail

__all__ = ["SaleBook", "SaleEnded"]


class SaleBook(Mail):
    """One sale's state, the events kept for its steps, and what every step shares."""

    def __init__(self, input: SaleInput) -> None:
        self.lead = input.lead
        self.playbook = input.playbook
        steps = tuple(input.playbook.process.steps)
        resume = input.resume
        if resume is None:
            state = SaleState(
                workflow_id=workflow.info().workflow_id,
                lead=input.lead,
                playbook=input.playbook.name,
                playbook_version=input.playbook.version,
                steps=[str(step) for step in steps],
            )
        else:
            state = resume.start.state.model_copy(deep=True)
            state.rejected_events = list(resume.rejected)
            state.dropped_events = list(resume.dropped)
        if input.restarted_from:
            state.restarted_from = input.restarted_from
        self.process_version = input.process_version
        super().__init__(
            state,
            steps,
            input.playbook.name,
            journal=Journal(resume),
            history_limit=input.history_limit,
        )
        self.draft: Quote | None = None  # priced by the needs analysis, not offered yet
        self.holidays_found = set()
        self.holiday_years = set()
        if resume is not None:
            self.outreach_rules = resume.outreach_rules
            self._restore(resume.start)

    def begin(self, index: int, note: str = "") -> None:
        """Step `index` starts: its stage is entered if the sale is not in it yet."""
        if self.journal.resumed_step == index:
            self.journal.resumed_step = None  # the resumed step goes on with its journal
        else:
            self.journal.start_step(self._snapshot(index))
        self.current = index
        stage = stage_of(self.steps, index)
        if stage != self.state.stage or not self.state.timeline:
            self.enter(stage, note)
        self._reject_leftovers()

    # --- continuing as new -------------------------------------------------------------

    def _snapshot(self, index: int) -> StepStart:
        """The sale as step `index` finds it, for a later run to replay the step from."""
        listed: dict[str, Any] = {"rejected_events": [], "dropped_events": []}  # carried as is
        return StepStart(
            index=index,
            at=self.now(),
            state=self.state.model_copy(deep=True, update=listed),
            kept=[
                KeptEvent(signal=r.signal, event=r.event.model_dump(mode="json"), at=r.at)
                for r in self.kept
            ],
            seen=self.events.seen,
            ending=self.ending.as_ending() if self.ending else None,
            draft=self.draft,
            holidays=sorted(self.holidays_found),
            holiday_years=sorted(self.holiday_years),
        )

    def _restore(self, start: StepStart) -> None:
        self.kept = [
            Received(
                signal=k.signal,
                event=api.MESSAGES.named(k.signal).model.model_validate(k.event),
                at=k.at,
            )
            for k in start.kept
        ]
        self.events.remember(start.seen)
        self.ending = SaleEnded.of(start.ending) if start.ending else None
        self.draft = start.draft
        self.holidays_found = set(start.holidays)
        self.holiday_years = set(start.holiday_years)

    def resume_input(self) -> SaleInput:
        """What the next run starts from: this step's start, its journal, the rejections."""
        assert self.journal.start is not None
        return SaleInput(
            lead=self.lead,
            playbook=self.playbook,
            history_limit=self.history_limit,
            process_version=self.process_version,
            resume=Resume(
                start=self.journal.start,
                entries=self.journal.entries,
                rejected=self.state.rejected_events,
                dropped=self.state.dropped_events,
                runs=self.journal.runs + 1,
                outreach_rules=self.outreach_rules,
            ),
        )

    def record_document(
        self, kind: str, number: str, version: int, html_path: str, pdf_path: str
    ) -> None:
        self.state.documents.append(
            DocumentRecord(
                kind=kind,
                number=number,
                version=version,
                html_path=html_path,
                pdf_path=pdf_path,
                created_at=self.now(),
            )
        )

    def latest_document(self, kind: str) -> DocumentRecord | None:
        return next((d for d in reversed(self.state.documents) if d.kind == kind), None)

    # --- gates ----------------------------------------------------------------------

    def open_gate(self, gate: StepName, notes: str, **details: Any) -> GateRecord:
        record = GateRecord(
            gate=str(gate),
            status=GateStatus.WAITING,
            opened_at=self.now(),
            notes=notes,
            details=details,
        )
        self.state.gates.append(record)
        self.show_details()
        return record

    def note_gate(self, record: GateRecord, notes: str, **details: Any) -> None:
        record.notes = notes
        record.details.update(details)
        self.show_details()

    def skip_gate(self, gate: StepName, notes: str) -> None:
        record = self.open_gate(gate, notes)
        self.decide_gate(record, GateStatus.SKIPPED, notes=notes)

    def decide_gate(
        self,
        record: GateRecord,
        status: GateStatus,
        *,
        by: str | None = None,
        notes: str | None = None,
        **details: Any,
    ) -> None:
        record.status = status
        record.decided_at = self.now()
        record.decided_by = by
        if notes is not None:
            record.notes = notes
        record.details.update(details)
        self.show_details()

    # --- stages and visibility ------------------------------------------------------

    def enter(self, stage: SalesStage, note: str = "") -> None:
        self.state.stage = stage
        self.state.events_in_stage = 0
        self.state.timeline.append(StageChange(stage=stage, at=self.now(), note=note))
        self.state.next_action = None
        self.upsert(sa.SALES_STAGE.value_set(stage.value), sa.NEXT_ACTION_AT.value_unset())
        self._reject_leftovers()
        self.show_details()

    def expect(self, description: str, wait: timedelta) -> datetime:
        """Announce the next action, due after `wait`; returns when it is due."""
        due = self.now() + wait
        self.expect_at(description, due)
        return due

    def expect_at(self, description: str, due: datetime) -> None:
        self.state.next_action = NextAction(description=description, due_at=due)
        self.upsert(sa.NEXT_ACTION_AT.value_set(due))
        self.show_details()

    def show_details(self) -> None:
        """The current details in the Temporal UI (see `workflows.sale.details`)."""
        workflow.set_current_details(details_of(self.state))

    def upsert_lead_attributes(self) -> None:
        updates = sa.lead_attribute_updates(self.lead, self.playbook.name)
        # Added with playbook versions: sales already running replay without it.
        if workflow.patched("playbook-version"):
            updates.append(sa.PLAYBOOK_VERSION.value_set(self.playbook.version))
        workflow.upsert_search_attributes(updates)

    def upsert(self, *updates: SearchAttributeUpdate[Any]) -> None:
        # A replayed step set these in the run that saw it; a new run inherits them.
        if not self.journal.replaying:
            workflow.upsert_search_attributes(list(updates))

    # --- what the steps record --------------------------------------------------------

    def qualified(self, assessment: Assessment) -> None:
        self.state.qualification = assessment
        self.state.qualification_notes = list(assessment.reasons)
        self.show_details()

    def seller_decided(self, decision: LeadQualified) -> None:
        self.state.qualified_by = decision.by
        verdict = "qualified" if decision.qualified else "disqualified"
        why = f": {decision.reason}" if decision.reason else ""
        self.state.qualification_notes.append(f"{verdict} by {decision.by}{why}")
        self.show_details()

    def note(self, text: str) -> None:
        self.state.notes.append(text)

    def needs_recorded(self, needs: NeedsIdentified) -> None:
        self.state.needs = needs

    def offered(self, quote: Quote) -> None:
        """A quote version goes out: listed, filed, and its value shown in the UI."""
        self.draft = None
        self.state.quotes.append(quote)
        formal = quote.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        self.record_document(
            "proposal" if formal else "quote",
            quote.number,
            quote.version,
            quote.html_path,
            quote.pdf_path,
        )
        # The currency joined the value later in the same upsert command: replay compares a
        # command's kind, not which attributes it sets, so running sales need no patch here.
        self.upsert(
            sa.DEAL_VALUE.value_set(float(quote.totals.net)),
            sa.DEAL_CURRENCY.value_set(quote.currency),
        )

    def awaiting_approval(self, waiting: bool) -> None:
        self.state.awaiting_discount_approval = waiting

    def discount_approved(self, approver: str) -> None:
        self.state.discount_approved_by = approver

    def expired(self, number: str) -> None:
        self.state.expired.append(number)

    def accepted(self, acceptance: Acceptance) -> None:
        self.state.acceptance = acceptance

    def amended(self, changes: list[Redline]) -> None:
        self.state.amendments.extend(changes)

    def signed(self, signature: Signature) -> None:
        self.state.signature = signature

    def ordered(self, order: Order) -> None:
        self.state.order = order

    def won(self, support_workflow_id: str) -> SaleOutcome:
        self.state.support_workflow_id = support_workflow_id
        return self.outcome()

    async def record_opt_out(self, ended: SaleEnded) -> None:
        """An opt-out or a bounce puts the address on the list, so that no sale writes again."""
        if ended.reason not in (LostReason.OPTED_OUT, LostReason.BOUNCED) or ended.listed:
            return
        # Added with the opt-out list: sales already running replay without it.
        if not workflow.patched("opt-out-list"):
            return
        bounce = ended.reason is LostReason.BOUNCED
        await workflow.execute_activity_method(
            SuppressionActivities.record_opt_out,
            Suppress(
                address=ended.address or self.lead.email,
                reason=ended.notes or str(ended.reason),
                by=ended.by,
                source=SuppressionSource.BOUNCE if bounce else SuppressionSource.UNSUBSCRIBE,
                sale=self.state.workflow_id,
            ),
            start_to_close_timeout=timedelta(seconds=30),
            summary="put the address on the opt-out list",
        )

    def lost(self, ended: SaleEnded) -> SaleOutcome:
        self.state.lost_reason = ended.reason
        self.state.lost_notes = ended.notes
        self.enter(SalesStage.LOST, f"{ended.reason}: {ended.notes or ''}".rstrip(": "))
        self.upsert(sa.LOST_REASON.value_set(ended.reason.value))
        return self.outcome()

    def outcome(self) -> SaleOutcome:
        state = self.state
        return SaleOutcome(
            stage=state.stage,
            lost_reason=state.lost_reason,
            deal_value=state.deal_value,
            currency=self.playbook.currency if state.quotes else None,
            support_workflow_id=state.support_workflow_id,
        )
