"""A sale: the one owner of its state, working through a few collaborators, one concern each.

`Events` receives, keeps and waits for what customers and sellers send; `Mail` sends the
emails; `Operations` runs activities and waits for a person where only a person can help;
`Visibility` keeps the search attributes and the UI's details. Every step of `SaleWorkflow`
works through one `Sale`: what the sale knows and has done (its stage, gates, quotes,
documents, emails) changes only through the methods here.
"""

from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.suppression import SuppressionActivities
    from sales.events import LeadQualified, NeedsIdentified, Redline, RetryRequested
    from sales.playbook import Playbook, PurchasingProcedure
    from sales.process import StepName, stage_of
    from sales.qualification import Assessment
    from sales.quote import Quote
    from sales.requests import PlaybookRef, UsesPlaybook
    from sales.stages import LostReason, SalesStage
    from sales.state import (
        Acceptance,
        Attention,
        CancelledEmail,
        DocumentRecord,
        EmailRecord,
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

from workflows.alarm import Alarm
from workflows.playbook_delivery import PlaybookDelivery
from workflows.sale.api import SaleInput
from workflows.sale.events import Events, SaleEnded
from workflows.sale.legacy import snapshot_of
from workflows.sale.mail import Mail
from workflows.sale.operations import FIRST_RETRY, LONGEST_RETRY, Operations
from workflows.sale.snapshot import SaleSnapshot, StepProgress
from workflows.sale.visibility import Visibility
from workflows.sale.window import SendingWindow
from workflows.versions import (
    EARLY_PATCHES,
    FILED_BY_EMAIL,
    LATER_DEADLINES_WITH_THE_STAGE,
    LEAN,
    follows,
)

R = TypeVar("R", bound="UsesPlaybook")

# Added with the opt-out list: sales already running replay without it.
OPT_OUT_LIST_PATCH = "opt-out-list"


class Sale:
    """One sale's state, and everything its steps do to it."""

    def __init__(self, input: SaleInput) -> None:
        self.lead = input.lead
        self.playbook = input.playbook
        self.steps = tuple(input.playbook.process.steps)
        self.history_limit = input.history_limit
        self.process_version = input.process_version
        snapshot = input.snapshot or (snapshot_of(input.resume) if input.resume else None)
        self.resumed_at = snapshot.step if snapshot else 0
        # A new run starts its step again and finds the wait the last run stood in.
        self.resuming = snapshot is not None
        if snapshot is None:
            self.state = SaleState(
                workflow_id=workflow.info().workflow_id,
                lead=input.lead,
                playbook=input.playbook.name,
                playbook_version=input.playbook.version,
                steps=[str(step) for step in self.steps],
                account_workflow_id=input.account_workflow_id,
            )
            snapshot = SaleSnapshot(step=0, state=self.state)
        else:
            self.state = snapshot.state.model_copy(deep=True)
            self.state.runs += 1
        if input.restarted_from:
            self.state.restarted_from = input.restarted_from
        self.outreach_rules = snapshot.outreach_rules
        self.draft: Quote | None = snapshot.draft  # priced, not offered yet
        self.progress = snapshot.progress.model_copy()
        self._carried = self.resuming
        self.visibility = Visibility(self.state, self.process_version)
        self.lean = self.process_version is not None and self.process_version >= LEAN
        # Process version 5: activities get the playbook by version, unless a worker lacked it.
        self.playbook_delivery = PlaybookDelivery(input.playbook, whole=not self.lean)
        # Process version 6: documents filed by the emails that carry them, the quote read by
        # reference, `NextActionAt` the wait's deadline (`workflows.versions`).
        self.filed_by_email = (
            self.process_version is not None and self.process_version >= FILED_BY_EMAIL
        )
        # From version 6 `NextActionAt` is the wait's own deadline, not the alarm's time; from
        # version 10 a later one kept back is shown when the alarm is set again.
        on_set = (
            (lambda _: self.visibility.alarm_set_again())
            if self.filed_by_email
            else self.visibility.alarm_set
        )
        self.alarm = Alarm(on_set) if self.lean else None
        self.later_deadlines_with_the_stage = (
            self.process_version is not None
            and self.process_version >= LATER_DEADLINES_WITH_THE_STAGE
        )
        self.visibility.alarm = self.alarm
        self.events = Events(
            self.state,
            self.steps,
            input.playbook.name,
            history_limit=input.history_limit,
            seen=snapshot.seen,
            ending=snapshot.ending,
            fresh=not self.resuming,
            alarm=self.alarm,
            before_wait=self.visibility.flush,
        )
        self.events.restore(snapshot.kept)
        self.window = SendingWindow(self, snapshot.holidays, snapshot.holiday_years)
        self.mail = Mail(self)
        self.operations = Operations(self)

    def now(self) -> datetime:
        return workflow.now()

    @property
    def current(self) -> int:
        return self.events.current

    def begin(self, index: int, note: str = "") -> None:
        """Step `index` starts: its stage is entered if the sale is not in it yet."""
        if self._carried:
            self._carried = False  # the step the last run was in goes on with its progress
        else:
            self.progress = StepProgress()
        self.events.current = index
        stage = stage_of(self.steps, index)
        if stage != self.state.stage or not self.state.timeline:
            self.enter(stage, note)
        self.events.reject_leftovers()

    # --- continuing as new -------------------------------------------------------------

    def snapshot(self) -> SaleSnapshot:
        """The sale as it stands at this wait, for the next run to go on from."""
        kept, seen, ending = self.events.carried()
        return SaleSnapshot(
            step=self.current,
            state=self.state.model_copy(deep=True, update={"pending_events": []}),
            kept=kept,
            seen=seen,
            ending=ending,
            draft=self.draft,
            holidays=sorted(self.window.holidays_found),
            holiday_years=sorted(self.window.holiday_years),
            outreach_rules=self.outreach_rules,
            progress=self.progress,
        )

    def next_run(self) -> SaleInput:
        return SaleInput(
            lead=self.lead,
            playbook=self.playbook,
            history_limit=self.history_limit,
            process_version=self.process_version,
            snapshot=self.snapshot(),
        )

    # --- stages and what comes next -----------------------------------------------------

    def enter(self, stage: SalesStage, note: str = "") -> None:
        self.state.stage = stage
        self.state.events_in_stage = 0
        self.state.timeline.append(StageChange(stage=stage, at=self.now(), note=note))
        self.state.next_action = None
        self.visibility.stage(stage)
        self.events.reject_leftovers()
        self.visibility.details()

    def expect(self, description: str, wait: timedelta) -> datetime:
        """Announce the next action, due after `wait`; returns when it is due. A resumed run
        finds the wait it stood in with its due time, from the state it carried."""
        action = self.state.next_action
        resumed = self.resuming and action is not None and action.description == description
        if resumed and action is not None and action.due_at is not None:
            self.expect_at(description, action.due_at)
            return action.due_at
        due = self.now() + wait
        self.expect_at(description, due)
        return due

    def expect_at(self, description: str, due: datetime) -> None:
        action = NextAction(description=description, due_at=due)
        resumed = self.resuming and self.state.next_action == action
        self.resuming = False
        if resumed:
            # The new run carries the attribute over; one kept back (version 10) goes now.
            if self.later_deadlines_with_the_stage:
                self.visibility.next_action(due)
            return
        self.state.next_action = action
        self.visibility.next_action(due)
        self.visibility.details()

    def playbook_for_activity(self) -> Playbook | PlaybookRef:
        """The playbook as an activity gets it: by version from process version 5 (the worker
        finds it in its folder or among those it was sent whole), whole once a worker did not
        have it (`activities.playbooks.PlaybookStore`)."""
        return self.playbook_delivery.for_activity()

    def with_playbook(self, request: R) -> R:
        """`request` with the playbook as `playbook_for_activity` says, at each try."""
        return request.model_copy(update={"playbook": self.playbook_for_activity()})

    def upsert_lead_attributes(self) -> None:
        self.visibility.lead(self.lead, self.playbook.name, self.playbook.version)

    # --- documents and gates ----------------------------------------------------------

    def record_document(
        self,
        kind: str,
        number: str,
        version: int,
        html_path: str,
        pdf_path: str,
        *,
        at: datetime | None = None,
    ) -> None:
        self.state.documents.append(
            DocumentRecord(
                kind=kind,
                number=number,
                version=version,
                html_path=html_path,
                pdf_path=pdf_path,
                created_at=at or self.now(),
            )
        )

    def latest_document(self, kind: str) -> DocumentRecord | None:
        return next((d for d in reversed(self.state.documents) if d.kind == kind), None)

    def gate(self, gate: StepName) -> GateRecord | None:
        """The gate's record, once it has opened."""
        return next((g for g in reversed(self.state.gates) if g.gate == str(gate)), None)

    def open_gate(self, gate: StepName, notes: str, **details: Any) -> GateRecord:
        record = GateRecord(
            gate=str(gate),
            status=GateStatus.WAITING,
            opened_at=self.now(),
            notes=notes,
            details=details,
        )
        self.state.gates.append(record)
        self.visibility.details()
        return record

    def note_gate(self, record: GateRecord, notes: str, **details: Any) -> None:
        record.notes = notes
        record.details.update(details)
        self.visibility.details()

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
        self.visibility.details()

    # --- emails -----------------------------------------------------------------------

    def emailed(self, record: EmailRecord) -> None:
        self.state.emails.append(record)
        if record.filed is not None:
            self.state.documents.append(record.filed)
        if self.progress.due_email == record.step:
            self.progress.due_email = None

    def email_cancelled(self, step: str, why: str) -> None:
        self.state.cancelled_emails.append(CancelledEmail(step=step, why=why, at=self.now()))
        if self.progress.due_email == step:
            self.progress.due_email = None

    def email_due(self, step: str) -> None:
        """`step`'s wait is over: it is sent next, whatever its window or a retry take."""
        self.progress.due_email = step

    def is_due(self, step: str) -> bool:
        return self.progress.due_email == step

    def sent(self, step: str) -> bool:
        return any(email.step == step for email in self.state.emails)

    def cancelled(self, step: str) -> bool:
        """Whether the sale decided not to send `step` (see `Mail.send`)."""
        return any(email.step == step for email in self.state.cancelled_emails)

    # --- a person's attention ---------------------------------------------------------

    def needs_attention(self, what: str, problem: str) -> datetime:
        """Show what needs a person; returns when the sale tries again by itself."""
        now = self.now()
        previous = self.state.attention
        again = previous is not None and previous.what == what
        attempts = previous.attempts + 1 if previous and again else 1
        wait: timedelta = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
        self.state.attention = Attention(
            what=what,
            problem=problem,
            since=previous.since if previous and again else now,
            attempts=attempts,
            retry_at=now + wait,
        )
        self.visibility.needs_attention(True)
        self.expect_at(f"needs attention: {what}: {problem}", now + wait)
        return now + wait

    def attended(self) -> None:
        if self.state.attention is not None:
            self.state.attention = None
            self.visibility.needs_attention(False)
            self.visibility.details()

    def retried(self, event: Any) -> None:
        """What a `retry` command changes besides trying again: the sales manager's address."""
        if isinstance(event, RetryRequested) and event.sales_manager_email:
            self.state.sales_manager_email = str(event.sales_manager_email)

    # --- what the steps record --------------------------------------------------------

    def qualified(self, assessment: Assessment) -> None:
        self.state.qualification = assessment
        self.state.qualification_notes = list(assessment.reasons)
        self.visibility.details()

    def lead_filed(self, reference: str | None) -> None:
        self.state.lead_file = reference

    def seller_decided(self, decision: LeadQualified) -> None:
        self.state.qualified_by = decision.by
        verdict = "qualified" if decision.qualified else "disqualified"
        why = f": {decision.reason}" if decision.reason else ""
        self.state.qualification_notes.append(f"{verdict} by {decision.by}{why}")
        self.visibility.details()

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
        self.visibility.deal(quote)

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

    # --- the end ----------------------------------------------------------------------

    def won(self, support_workflow_id: str) -> SaleOutcome:
        self.state.support_workflow_id = support_workflow_id
        return self.outcome()

    async def record_opt_out(self, ended: SaleEnded) -> None:
        """An opt-out or a bounce puts the address on the list, so that no sale writes again."""
        if ended.reason not in (LostReason.OPTED_OUT, LostReason.BOUNCED) or ended.listed:
            return
        if not follows(self.process_version, EARLY_PATCHES, OPT_OUT_LIST_PATCH):
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
        self.visibility.lost(ended.reason)
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
