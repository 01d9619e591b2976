"""The sale's book: its state, the events waiting for their stage, waits, emails and visibility.

Each stage of `SaleWorkflow` works through one `SaleBook`, so bookkeeping
(what was applied, rejected, sent, shown in the UI) is written once.
"""

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import (
        APPLIES_IN,
        ENDS_SALE,
        SALE_SIGNALS,
        EmailBounced,
        MarkLost,
        Unsubscribed,
    )
    from sales.requests import EmailRequest, SaleInput
    from sales.stages import LostReason, SalesStage
    from sales.state import (
        AppliedEvent,
        DocumentRecord,
        NextAction,
        SaleState,
        StageChange,
    )

from workflows import search_attributes as sa
from workflows.emailing import Undeliverable, send_email
from workflows.inbox import EventInbox, Received


class SaleEnded(Exception):
    """Raised inside the workflow to leave the stage sequence for LOST."""

    def __init__(self, reason: LostReason, notes: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.notes = notes


class SaleBook:
    """One sale's state and the events kept for it, with the steps every stage shares."""

    def __init__(self, input: SaleInput) -> None:
        self.lead = input.lead
        self.playbook = input.playbook
        self.state = SaleState(
            workflow_id=workflow.info().workflow_id,
            lead=input.lead,
            playbook=input.playbook.name,
        )
        self.events = EventInbox(SALE_SIGNALS, self.state.rejected_events)
        self.kept: list[Received] = []
        self.ending: SaleEnded | None = None

    # --- events -----------------------------------------------------------------------

    def receive(self, name: str, args: Sequence[RawValue]) -> None:
        """Validate, then end the sale, keep the event for its stage, or reject it."""
        received = self.events.decode(name, args)
        if received is None:
            return
        stage = self.state.stage
        applies_in = APPLIES_IN.get(name)
        if stage.is_final:
            self.events.reject_received(received, f"the sale is already {stage}")
        elif applies_in is not None and max(s.order for s in applies_in) < stage.order:
            stages = ", ".join(applies_in)
            self.events.reject_received(received, f"arrived in {stage}; applies in {stages} only")
        elif name in ENDS_SALE:
            self._end_from(received)
        else:
            self.events.take(received)
            self.kept.append(received)

    def _end_from(self, received: Received) -> None:
        if self.ending is not None:
            self.events.reject_received(
                received, f"the sale is already ending ({self.ending.reason})"
            )
            return
        self.events.take(received)
        self.applied(received)
        event = received.event
        if isinstance(event, MarkLost):
            self.ending = SaleEnded(event.reason, event.notes)
        elif isinstance(event, EmailBounced):
            self.ending = SaleEnded(LostReason.BOUNCED, event.reason)
        elif isinstance(event, Unsubscribed):
            self.ending = SaleEnded(LostReason.OPTED_OUT, event.reason)

    async def next(self, signals: set[str], due: datetime) -> Received | None:
        """The first kept event among `signals`, or None at `due`; SaleEnded on an opt-out."""

        def ready() -> bool:
            return self.ending is not None or any(r.signal in signals for r in self.kept)

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
            if received.signal in signals:
                return self.kept.pop(index)
        return None

    def applied(self, received: Received) -> None:
        self.state.applied_events.append(
            AppliedEvent(signal=received.signal, event_id=received.event.event_id, at=received.at)
        )

    def reject(self, received: Received, reason: str) -> None:
        self.events.reject_received(received, reason)

    def _reject_leftovers(self) -> None:
        """Events kept for a stage the sale left without applying them are rejected, not lost."""
        stage = self.state.stage
        keep: list[Received] = []
        for received in self.kept:
            stages = APPLIES_IN.get(received.signal, ())
            if stage.is_final or all(s.order < stage.order for s in stages):
                self.reject(received, f"not applied: the sale moved on to {stage}")
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
    ) -> None:
        """Send one email of the sale; nothing goes out after a bounce, opt-out or mark_lost."""
        if self.ending is not None:
            raise self.ending
        try:
            record = await send_email(
                EmailRequest(
                    workflow_id=self.state.workflow_id,
                    step=step,
                    template=template,
                    to=to or self.lead.email,
                    lead=self.lead,
                    playbook=self.playbook,
                    context=context or {},
                    attachments=attachments or [],
                )
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
        """The current details in the Temporal UI: stage, next action, latest quote, outcome."""
        state = self.state
        lines = [f"**Stage:** {state.stage}"]
        if state.next_action is not None:
            action = state.next_action
            due = f" (by {action.due_at:%Y-%m-%d %H:%M} UTC)" if action.due_at else ""
            lines.append(f"**Next:** {action.description}{due}")
        if state.quotes:
            quote = state.quotes[-1]
            lines.append(f"**Quote:** {quote.number}, {quote.currency} {quote.totals.total}")
        if state.lost_reason:
            lines.append(f"**Lost:** {state.lost_reason}")
        workflow.set_current_details("\n\n".join(lines))

    def upsert_lead_attributes(self) -> None:
        workflow.upsert_search_attributes(sa.lead_attribute_updates(self.lead, self.playbook.name))

    def upsert(self, *updates: SearchAttributeUpdate[Any]) -> None:
        workflow.upsert_search_attributes(list(updates))
