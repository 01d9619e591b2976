"""The sale's book: the one owner of its state, with the emails, documents, gates and UI details.

Every step of `SaleWorkflow` works through one `SaleBook`, so bookkeeping (what
was applied, kept, rejected, sent, shown in the UI) is written once, and the
state changes only through the methods here.
"""

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.calendar import public_holidays
    from activities.suppression import SuppressionActivities
    from sales.events import LeadQualified, NeedsIdentified, Redline
    from sales.playbook import PurchasingProcedure
    from sales.process import StepName, stage_of
    from sales.qualification import Assessment
    from sales.quote import Quote
    from sales.requests import EmailRequest, HolidaysRequest, SaleInput
    from sales.sending import next_send_time, parse_window, zone_of
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
from workflows.emailing import Stopped, Suppressed, Undeliverable, send_email
from workflows.sale.details import details_of
from workflows.sale.kept import KeptEvents, SaleEnded

__all__ = ["SaleBook", "SaleEnded"]


class SaleBook(KeptEvents):
    """One sale's state, the events kept for its steps, and what every step shares."""

    def __init__(self, input: SaleInput) -> None:
        self.lead = input.lead
        self.playbook = input.playbook
        steps = tuple(input.playbook.process.steps)
        state = SaleState(
            workflow_id=workflow.info().workflow_id,
            lead=input.lead,
            playbook=input.playbook.name,
            playbook_version=input.playbook.version,
            steps=[str(step) for step in steps],
        )
        super().__init__(state, steps, input.playbook.name)
        self.draft: Quote | None = None  # priced by the needs analysis, not offered yet
        self._holidays_found: set[date] = set()
        self._holiday_years: set[int] = set()

    def begin(self, index: int, note: str = "") -> None:
        """Step `index` starts: its stage is entered if the sale is not in it yet."""
        self.current = index
        stage = stage_of(self.steps, index)
        if stage != self.state.stage or not self.state.timeline:
            self.enter(stage, note)
        self._reject_leftovers()

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
        outreach: bool = True,
    ) -> None:
        """Send one email of the sale; nothing goes out after a bounce, opt-out or mark_lost,
        and one being sent or retried when the sale ends is cancelled."""
        if self.ending is not None:
            raise self.ending
        if outreach and to in (None, self.lead.email):
            await self._within_window(step)
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
                stop=lambda: self.ending is not None,
            )
        except Stopped as stopped:
            raise (self.ending or SaleEnded(LostReason.OTHER, str(stopped))) from stopped
        except Suppressed as suppressed:
            raise SaleEnded(
                LostReason.OPTED_OUT, str(suppressed), by="the opt-out list", listed=True
            ) from suppressed
        except Undeliverable as refused:
            if to not in (None, self.lead.email):
                # An address of the seller's own: fail the sale visibly, as before.
                raise ApplicationError(str(refused), non_retryable=True) from refused
            # The lead's own address refused for good: the same as a bounce signal.
            raise SaleEnded(LostReason.BOUNCED, str(refused), by="the mail server") from refused
        self.state.emails.append(record)

    async def _within_window(self, step: str) -> None:
        """Wait, if need be, for the lead's next sending window; an opt-out ends the wait."""
        outreach = self.playbook.outreach
        if outreach.window is None:
            return
        zone = zone_of(self.lead.timezone, self.lead.country, outreach.fallback_timezone or "UTC")
        now = workflow.now()
        holidays = await self._holidays(now.astimezone(zone).year)
        send_at = next_send_time(
            now,
            window=parse_window(outreach.window),
            zone=zone,
            business_days_only=outreach.business_days_only,
            holidays=holidays,
        )
        if send_at > now:
            local = send_at.astimezone(zone)
            self.expect_at(f"send {step} at {local:%a %Y-%m-%d %H:%M} {zone}", send_at)
            await self.next_of((), send_at)

    async def _holidays(self, year: int) -> frozenset[date]:
        """The lead country's public holidays of this year and the next, fetched once."""
        country = self.lead.country
        if not self.playbook.outreach.public_holidays or not country:
            return frozenset()
        if year not in self._holiday_years:
            found = await workflow.execute_activity(
                public_holidays,
                HolidaysRequest(country=country, years=[year, year + 1]),
                start_to_close_timeout=timedelta(seconds=30),
                summary=f"public holidays of {country}",
            )
            self._holidays_found |= set(found)
            self._holiday_years |= {year, year + 1}
        return frozenset(self._holidays_found)

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
