"""The sale's book: the one owner of its state, the events kept for its steps, its waits and emails.

Every step of `SaleWorkflow` works through one `SaleBook`, so bookkeeping (what
was applied, kept, rejected, sent, shown in the UI) is written once, and the
state changes only through the methods here.
"""

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from temporalio import workflow
from temporalio.common import RawValue, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import (
        ENDS_SALE,
        EmailBounced,
        Event,
        LeadQualified,
        MarkLost,
        NeedsIdentified,
        Redline,
        Unsubscribed,
    )
    from sales.process import StepName, stage_of, takers
    from sales.qualification import Assessment
    from sales.quote import Quote
    from sales.requests import EmailRequest, SaleInput
    from sales.stages import LostReason, SalesStage
    from sales.state import (
        Acceptance,
        AppliedEvent,
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

from workflows import search_attributes as sa
from workflows.emailing import Undeliverable, send_email
from workflows.inbox import EventInbox, Received, Refused
from workflows.sale import api
from workflows.sale.details import details_of

E = TypeVar("E", bound=Event)


class SaleEnded(Exception):
    """Raised inside the workflow to leave the steps for LOST."""

    def __init__(self, reason: LostReason, notes: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.notes = notes


class SaleBook:
    """One sale's state and the events kept for its steps, with what every step shares."""

    def __init__(self, input: SaleInput) -> None:
        self.lead = input.lead
        self.playbook = input.playbook
        self.steps = tuple(input.playbook.process.steps)
        self.state = SaleState(
            workflow_id=workflow.info().workflow_id,
            lead=input.lead,
            playbook=input.playbook.name,
            playbook_version=input.playbook.version,
            steps=[str(step) for step in self.steps],
        )
        self.events = EventInbox(api.MESSAGES, self.state.rejected_events)
        self.kept: list[Received[Event]] = []
        self.ending: SaleEnded | None = None
        self.current: int = -1
        self.draft: Quote | None = None  # priced by the needs analysis, not offered yet
        # Seller commands whose update waits for the step to apply or reject them.
        self._commands: dict[int, tuple[Received[Event], str | None]] = {}

    # --- where the sale is ------------------------------------------------------------

    @property
    def step(self) -> StepName | None:
        return self.steps[self.current] if 0 <= self.current < len(self.steps) else None

    def begin(self, index: int, note: str = "") -> None:
        """Step `index` starts: its stage is entered if the sale is not in it yet."""
        self.current = index
        stage = stage_of(self.steps, index)
        if stage != self.state.stage or not self.state.timeline:
            self.enter(stage, note)
        self._reject_leftovers()

    def _over(self, step: StepName) -> bool:
        return self.steps.index(step) < self.current or self.state.stage.is_final

    # --- events -----------------------------------------------------------------------

    def receive(self, name: str, args: Sequence[RawValue]) -> Received[Event] | None:
        """Validate, then end the sale, keep the event for its step, or reject it."""
        received = self.events.decode(name, args)
        if received is None:
            return None
        refusal = self._route(received)
        if refusal is not None:
            self.events.reject_received(received, refusal)
            return None
        if isinstance(received.event, ENDS_SALE):
            self._end_from(received)
        else:
            self.events.take(received)
            self.kept.append(received)
        return received

    def _route(self, received: Received[Event]) -> str | None:
        """Why the event cannot be taken now, or None when it can (now or at its step)."""
        stage = self.state.stage
        if stage.is_final:
            return f"the sale is already {stage}"
        if isinstance(received.event, ENDS_SALE):
            if self.ending is not None:
                return f"the sale is already ending ({self.ending.reason})"
            return None
        steps = takers(self.steps, type(received.event))
        if not steps:
            return (
                f"the playbook {self.playbook.name!r} has no step that takes {received.signal} "
                f"(its steps: {', '.join(self.steps)})"
            )
        if all(self._over(step) for step in steps):
            stages = ", ".join(
                dict.fromkeys(stage_of(self.steps, self.steps.index(s)) for s in steps)
            )
            return f"arrived in {stage}; applies in {stages} only"
        return None

    def refusal(
        self, name: str, args: Sequence[RawValue], refuse: Callable[[Event], str | None]
    ) -> str | None:
        """Why a seller command would be refused, recording nothing (the update validator)."""
        message = api.MESSAGES.get(name)
        if message is None or not message.command:
            commands = ", ".join(api.MESSAGES.commands())
            what = "an event, not a seller command: send it as a signal" if message else "unknown"
            return f"{name} is {what}; seller commands: {commands}"
        parsed = self.events.parse(name, args)
        if isinstance(parsed, Refused):
            return parsed.reason
        routed = self._route(parsed)
        if routed is not None:
            return routed
        if self.step in takers(self.steps, type(parsed.event)):
            return refuse(parsed.event)
        return None

    async def command(self, name: str, args: Sequence[RawValue]) -> api.CommandAnswer:
        """A seller command, once its validator accepted it: applied, or kept for its step."""
        received = self.receive(name, args)
        if received is None:
            reason = self.state.rejected_events[-1].reason
            raise ApplicationError(reason, type="CommandRefused", non_retryable=True)
        if isinstance(received.event, ENDS_SALE):
            return api.CommandAnswer(status="applied", detail="the sale ends")
        if self.step not in takers(self.steps, type(received.event)):
            later = ", ".join(takers(self.steps, type(received.event)))
            return api.CommandAnswer(status="kept", detail=f"kept until the sale reaches {later}")
        key = id(received)
        self._commands[key] = (received, None)
        await workflow.wait_condition(lambda: self._commands[key][1] is not None)
        outcome = self._commands.pop(key)[1] or "not applied"
        if outcome != "applied":
            raise ApplicationError(outcome, type="CommandRefused", non_retryable=True)
        return api.CommandAnswer(status="applied", detail=f"applied in {self.state.stage}")

    def _end_from(self, received: Received[Event]) -> None:
        self.events.take(received)
        self.applied(received)
        event = received.event
        if isinstance(event, MarkLost):
            self.ending = SaleEnded(event.reason, event.notes)
        elif isinstance(event, EmailBounced):
            self.ending = SaleEnded(LostReason.BOUNCED, event.reason)
        elif isinstance(event, Unsubscribed):
            self.ending = SaleEnded(LostReason.OPTED_OUT, event.reason)

    async def next(self, kind: type[E], due: datetime) -> Received[E] | None:
        """The first kept event of `kind`, or None at `due`; SaleEnded on an opt-out."""
        return cast(Received[E] | None, await self.next_of((kind,), due))

    async def next_of(
        self, kinds: tuple[type[Event], ...], due: datetime
    ) -> Received[Event] | None:
        """The first kept event of any of `kinds`, or None at `due`; SaleEnded on an opt-out."""

        def ready() -> bool:
            return self.ending is not None or any(isinstance(r.event, kinds) for r in self.kept)

        timeout = max(due - workflow.now(), timedelta(0))
        if not ready() and timeout > timedelta(0):
            action = self.state.next_action
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    ready,
                    timeout=timeout,
                    timeout_summary=action.description if action else None,
                )
        if self.ending is not None:
            raise self.ending
        for index, received in enumerate(self.kept):
            if isinstance(received.event, kinds):
                return self.kept.pop(index)
        return None

    def has_kept(self, kind: type[Event]) -> bool:
        return any(isinstance(r.event, kind) for r in self.kept)

    def put_back(self, received: Received[Event]) -> None:
        """An event a step woke on but leaves for the step that applies it."""
        self.kept.insert(0, received)

    def applied(self, received: Received[Event]) -> None:
        self.state.applied_events.append(
            AppliedEvent(signal=received.signal, event_id=received.event.event_id, at=received.at)
        )
        self._settle(received, "applied")

    def reject(self, received: Received[Event], reason: str) -> None:
        self.events.reject_received(received, reason)
        self._settle(received, reason)

    def _settle(self, received: Received[Event], outcome: str) -> None:
        if id(received) in self._commands:
            self._commands[id(received)] = (received, outcome)

    def _reject_leftovers(self) -> None:
        """Events kept for steps that are over are rejected, not lost."""
        keep: list[Received[Event]] = []
        for received in self.kept:
            steps = takers(self.steps, type(received.event))
            if self.state.stage.is_final or all(self._over(step) for step in steps):
                self.reject(received, f"not applied: the sale moved on to {self.state.stage}")
            else:
                keep.append(received)
        self.kept = keep

    # --- side effects ---------------------------------------------------------------

    async def email(
        self,
        step: str,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        to: str | None = None,
        attachments: list[str] | None = None,
        within: timedelta | None = None,
    ) -> None:
        """Send one email of the sale; nothing goes out after a bounce, opt-out or mark_lost."""
        if self.ending is not None:
            raise self.ending
        try:
            record = await send_email(
                EmailRequest(
                    workflow_id=self.state.workflow_id,
                    step=step,
                    template=self.playbook.email_template(template),
                    to=to or self.lead.email,
                    lead=self.lead,
                    playbook=self.playbook,
                    context=context or {},
                    attachments=attachments or [],
                ),
                within=within,
            )
        except Undeliverable as refused:
            if to not in (None, self.lead.email):
                # An address of the seller's own: fail the sale visibly, as before.
                raise ApplicationError(str(refused), non_retryable=True) from refused
            # The lead's own address refused for good: the same as a bounce signal.
            raise SaleEnded(LostReason.BOUNCED, str(refused)) from refused
        self.state.emails.append(record)

    def sent(self, step: str) -> bool:
        return any(email.step == step for email in self.state.emails)

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
                created_at=workflow.now(),
            )
        )

    def latest_document(self, kind: str) -> DocumentRecord | None:
        return next((d for d in reversed(self.state.documents) if d.kind == kind), None)

    # --- gates ----------------------------------------------------------------------

    def open_gate(self, gate: StepName, notes: str, **details: Any) -> GateRecord:
        record = GateRecord(
            gate=str(gate),
            status=GateStatus.WAITING,
            opened_at=workflow.now(),
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
        record.decided_at = workflow.now()
        record.decided_by = by
        if notes is not None:
            record.notes = notes
        record.details.update(details)
        self.show_details()

    # --- stages and visibility ------------------------------------------------------

    def enter(self, stage: SalesStage, note: str = "") -> None:
        self.state.stage = stage
        self.state.timeline.append(StageChange(stage=stage, at=workflow.now(), note=note))
        self.state.next_action = None
        self.upsert(sa.SALES_STAGE.value_set(stage.value), sa.NEXT_ACTION_AT.value_unset())
        self._reject_leftovers()
        self.show_details()

    def expect(self, description: str, wait: timedelta) -> datetime:
        """Announce the next action, due after `wait`; returns when it is due."""
        due = workflow.now() + wait
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
        formal = quote.purchasing_procedure == "formal_proposal"
        self.record_document(
            "proposal" if formal else "quote",
            quote.number,
            quote.version,
            quote.html_path,
            quote.pdf_path,
        )
        self.upsert(sa.DEAL_VALUE.value_set(float(quote.totals.net)))

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
