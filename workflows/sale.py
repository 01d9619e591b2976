"""SaleWorkflow: one lead's whole sale, from qualification to a won customer or a lost reason.

Signals arrive through one dynamic handler (names in `sales.events.SALE_SIGNALS`)
that takes raw payloads, so a malformed or early event is never dropped: it
is applied once, kept for its stage, or recorded in `rejected_events`.
"""

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from activities.email import EmailActivities
    from activities.qualification import qualify_lead
    from sales.events import (
        APPLIES_IN,
        ENDS_SALE,
        SALE_SIGNALS,
        ContractSigned,
        DiscountApproved,
        EmailBounced,
        Event,
        ItemOfInterest,
        LeadQualified,
        MarkLost,
        NeedsIdentified,
        OrderPlaced,
        ProposalAccepted,
        ProposalRejected,
        RevisionRequested,
        Unsubscribed,
    )
    from sales.playbook import PurchasingProcedure
    from sales.quote import Quote
    from sales.requests import (
        ContractDocument,
        ContractRequest,
        EmailRequest,
        QualificationRequest,
        QuoteRequest,
        SaleInput,
        SupportInput,
    )
    from sales.stages import LostReason, SalesStage
    from sales.state import (
        Acceptance,
        AppliedEvent,
        DocumentRecord,
        EmailRecord,
        NextAction,
        Order,
        RejectedEvent,
        SaleOutcome,
        SaleState,
        Signature,
        StageChange,
    )

import contextlib

from workflows import search_attributes as sa
from workflows.inbox import Received, decode
from workflows.support import CustomerSupportWorkflow

ACTIVITY_TIMEOUT = timedelta(minutes=2)


class SaleEnded(Exception):
    """Raised inside the workflow to leave the stage sequence for LOST."""

    def __init__(self, reason: LostReason, notes: str | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.notes = notes


@workflow.defn(name="SaleWorkflow")
class SaleWorkflow:
    """Runs one lead through the stages of its playbook; ends WON (support started) or LOST."""

    @workflow.init
    def __init__(self, input: SaleInput) -> None:
        self._lead = input.lead
        self._playbook = input.playbook
        self._sale = SaleState(
            workflow_id=workflow.info().workflow_id,
            lead=input.lead,
            playbook=input.playbook.name,
        )
        self._inbox: list[Received] = []
        self._seen_event_ids: set[str] = set()
        self._ending: SaleEnded | None = None

    # --- what outside systems see -------------------------------------------------

    @workflow.query(name="state")
    def state(self) -> SaleState:
        """The whole sale: stage, timeline, quotes, documents, emails, events."""
        pending = [received.signal for received in self._inbox]
        return self._sale.model_copy(update={"pending_events": pending})

    @workflow.signal(dynamic=True)
    def receive(self, name: str, args: Sequence[RawValue]) -> None:
        """Every signal: validated, de-duplicated by event_id, then kept, applied or rejected."""
        now = workflow.now()
        model = SALE_SIGNALS.get(name)
        if model is None:
            known = ", ".join(SALE_SIGNALS)
            self._reject(name, f"unknown signal; known: {known}", payload=None)
            return
        decoded = decode(name, list(args), model, now)
        if isinstance(decoded, RejectedEvent):
            self._sale.rejected_events.append(decoded)
            return
        event = decoded.event
        if event.event_id is not None and event.event_id in self._seen_event_ids:
            self._reject(name, "duplicate event_id: this event was already received", event)
            return
        if self._sale.stage.is_final:
            self._reject(name, f"the sale is already {self._sale.stage}", event)
            return
        applies_in = APPLIES_IN.get(name)
        if applies_in is not None and max(s.order for s in applies_in) < self._sale.stage.order:
            stages = ", ".join(applies_in)
            self._reject(name, f"arrived in {self._sale.stage}; applies in {stages} only", event)
            return
        if event.event_id is not None:
            self._seen_event_ids.add(event.event_id)
        if name in ENDS_SALE:
            self._end_from(name, event, now)
        else:
            self._inbox.append(decoded)

    def _end_from(self, name: str, event: Event, now: datetime) -> None:
        if self._ending is not None:
            self._reject(name, f"the sale is already ending ({self._ending.reason})", event)
            return
        self._applied(name, event, now)
        if isinstance(event, MarkLost):
            self._ending = SaleEnded(event.reason, event.notes)
        elif isinstance(event, EmailBounced):
            self._ending = SaleEnded(LostReason.BOUNCED, event.reason)
        elif isinstance(event, Unsubscribed):
            self._ending = SaleEnded(LostReason.OPTED_OUT, event.reason)

    # --- the process ----------------------------------------------------------------

    @workflow.run
    async def run(self, input: SaleInput) -> SaleOutcome:
        """Qualify, contact, analyse needs, propose, contract, close; or lose with a reason."""
        self._upsert_lead_attributes()
        try:
            await self._qualify()
            await self._contact()
            needs, quote = await self._analyse_needs()
            await self._propose(needs, quote)
            await self._contract()
            await self._close()
        except SaleEnded as ended:
            return self._lose(ended)
        return await self._win()

    async def _qualify(self) -> None:
        self._enter(SalesStage.QUALIFICATION)
        result = await workflow.execute_activity(
            qualify_lead,
            QualificationRequest(lead=self._lead, playbook=self._playbook),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            summary="apply the playbook's viability rules",
        )
        self._sale.qualification_notes = result.reasons
        if not result.viable:
            raise SaleEnded(LostReason.DISQUALIFIED, "; ".join(result.reasons))
        if self._playbook.qualification.mode == "seller":
            due = self._expect(
                "a seller decides on the lead (lead_qualified)",
                self._playbook.qualification.decision_timeout,
            )
            received = await self._next({"lead_qualified"}, due)
            if received is None:
                raise SaleEnded(LostReason.STALLED, "no qualification decision in time")
            decision = received.event
            assert isinstance(decision, LeadQualified)
            if not decision.qualified:
                raise SaleEnded(LostReason.DISQUALIFIED, decision.reason or f"by {decision.by}")
            self._sale.qualification_notes.append(f"qualified by {decision.by}")

    async def _contact(self) -> None:
        self._enter(SalesStage.CONTACT)
        cadence = self._playbook.contact
        await self._email("intro", "intro")
        waits = [*cadence.follow_ups, cadence.give_up_after]
        replies = {"contact_responded", "interest_expressed"}
        received: Received | None = None
        for number, wait in enumerate(waits, start=1):
            last = number == len(waits)
            what = "give up" if last else f"follow-up {number}"
            due = self._expect(f"await a reply; {what} after the wait", wait)
            received = await self._next(replies, due)
            if received is not None:
                break
            if last:
                raise SaleEnded(LostReason.UNRESPONSIVE, f"no reply after {number - 1} follow-ups")
            await self._email(f"follow_up_{number}", "follow_up", {"number": number})
        assert received is not None
        if received.signal == "contact_responded":
            due = self._expect(
                "seller records interest (interest_expressed) or mark_lost", cadence.interest_wait
            )
            if await self._next({"interest_expressed"}, due) is None:
                raise SaleEnded(LostReason.STALLED, "replied, but no interest recorded in time")

    async def _analyse_needs(self) -> tuple[NeedsIdentified, Quote]:
        self._enter(SalesStage.NEEDS_ANALYSIS, "the lead is now a prospect")
        due = self._expect(
            "seller records needs and items (needs_identified)",
            self._playbook.needs_analysis.timeout,
        )
        while True:
            received = await self._next({"needs_identified"}, due)
            if received is None:
                raise SaleEnded(LostReason.STALLED, "needs were not identified in time")
            needs = received.event
            assert isinstance(needs, NeedsIdentified)
            procedure = (
                needs.purchasing_procedure or self._playbook.proposal.default_purchasing_procedure
            )
            quote = await self._prepare_quote(received, needs, procedure, needs.discount_percent)
            if quote is not None:
                break
        self._sale.needs = needs
        await self._email(
            "orientation",
            "orientation",
            {"needs": needs.model_dump(mode="json"), "currency": self._playbook.currency},
        )
        return needs, quote

    async def _prepare_quote(
        self,
        received: Received,
        needs: NeedsIdentified,
        procedure: PurchasingProcedure,
        discount: Decimal | None,
        items: list[ItemOfInterest] | None = None,
        notes: str | None = None,
    ) -> Quote | None:
        """The next quote version, or None with the event rejected when it cannot be priced."""
        request = QuoteRequest(
            workflow_id=self._sale.workflow_id,
            lead=self._lead,
            playbook=self._playbook,
            version=len(self._sale.quotes) + 1,
            issued_on=workflow.now().date(),
            items=items or needs.items,
            discount_percent=discount or Decimal(0),
            purchasing_procedure=procedure,
            needs=needs,
            notes=notes,
        )
        try:
            quote = await workflow.execute_activity_method(
                DocumentActivities.prepare_quote,
                request,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                summary=f"price and render quote v{request.version}",
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "PricingError":
                self._reject_received(received, f"cannot be quoted: {cause.message}")
                return None
            raise
        self._applied(received.signal, received.event, received.at)
        return quote

    async def _propose(self, needs: NeedsIdentified, quote: Quote) -> None:
        self._enter(SalesStage.PROPOSAL)
        policy = self._playbook.proposal
        await self._offer(quote)
        events = {
            "proposal_accepted",
            "revision_requested",
            "proposal_rejected",
            "discount_approved",
        }
        while True:
            current = self._sale.quotes[-1]
            sent_at = self._sale.documents[-1].created_at
            expires_at = sent_at + policy.validity
            remind_at = expires_at - policy.reminder_before_expiry
            reminded = any(
                e.step == f"proposal_v{current.version}_reminder" for e in self._sale.emails
            )
            due = expires_at if reminded or remind_at <= workflow.now() else remind_at
            self._expect_at(f"prospect answers quote {current.number}", due)
            received = await self._next(events, due)
            if received is None:
                if due == expires_at:
                    raise SaleEnded(LostReason.PROPOSAL_EXPIRED, f"{current.number} expired")
                await self._email(
                    f"proposal_v{current.version}_reminder",
                    "proposal_reminder",
                    {"quote": current.model_dump(mode="json")},
                )
                continue
            event = received.event
            if isinstance(event, DiscountApproved):
                self._reject_received(received, "no quote is waiting for a discount approval")
            elif isinstance(event, ProposalRejected):
                self._applied(received.signal, event, received.at)
                raise SaleEnded(LostReason.PROPOSAL_REJECTED, event.reason)
            elif isinstance(event, ProposalAccepted):
                if self._accept(received, event, current):
                    return
            elif isinstance(event, RevisionRequested):
                procedure = current.purchasing_procedure
                discount = (
                    event.discount_percent
                    if event.discount_percent is not None
                    else current.totals.discount_percent
                )
                items = event.items or [
                    ItemOfInterest(
                        sku=line.sku,
                        quantity=line.quantity,
                        discount_percent=line.discount_percent,
                    )
                    for line in current.lines
                ]
                revised = await self._prepare_quote(
                    received, needs, procedure, discount, items, event.notes
                )
                if revised is not None:
                    await self._offer(revised)

    def _accept(self, received: Received, event: ProposalAccepted, current: Quote) -> bool:
        if event.quote_number is not None and event.quote_number != current.number:
            self._reject_received(
                received,
                f"quote {event.quote_number} is superseded by {current.number}; "
                "only the latest version can be accepted",
            )
            return False
        formal = current.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        if formal and not event.po_number:
            self._reject_received(received, "a formal proposal is accepted with a po_number")
            return False
        self._applied(received.signal, event, received.at)
        self._sale.acceptance = Acceptance(
            quote_number=current.number,
            accepted_by=event.accepted_by,
            po_number=event.po_number,
            at=received.at,
        )
        return True

    async def _offer(self, quote: Quote) -> None:
        """Send a quote version, holding it for the manager when its discount is too large."""
        policy = self._playbook.proposal
        discount = quote.totals.discount_percent
        if discount > policy.discount_approval_threshold:
            self._sale.awaiting_discount_approval = True
            await self._email(
                f"discount_approval_v{quote.version}",
                "discount_approval_request",
                {
                    "quote": quote.model_dump(mode="json"),
                    "discount_percent": str(discount),
                    "threshold": str(policy.discount_approval_threshold),
                },
                to=self._playbook.seller.sales_manager_email,
            )
            due = self._expect(
                f"sales manager approves {discount}% off (discount_approved)",
                policy.approval_timeout,
            )
            received = await self._next({"discount_approved"}, due)
            if received is None:
                raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, f"{quote.number} not approved")
            approval = received.event
            assert isinstance(approval, DiscountApproved)
            self._applied(received.signal, approval, received.at)
            self._sale.awaiting_discount_approval = False
            self._sale.discount_approved_by = approval.approver
        self._sale.quotes.append(quote)
        self._record_document(
            "proposal"
            if quote.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
            else "quote",
            quote.number,
            quote.version,
            quote.html_path,
            quote.pdf_path,
        )
        self._upsert(sa.DEAL_VALUE.value_set(float(quote.totals.net)))
        await self._email(
            f"proposal_v{quote.version}",
            "proposal",
            {
                "quote": quote.model_dump(mode="json"),
                "formal": quote.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL,
            },
            attachments=[quote.pdf_path] if quote.pdf_path else [],
        )

    async def _contract(self) -> None:
        self._enter(SalesStage.CONTRACT)
        terms = self._playbook.contract
        quote = self._sale.quotes[-1]
        acceptance = self._sale.acceptance
        now = workflow.now()
        expires_at = now + terms.expires_after
        contract: ContractDocument = await workflow.execute_activity_method(
            DocumentActivities.prepare_contract,
            ContractRequest(
                workflow_id=self._sale.workflow_id,
                lead=self._lead,
                playbook=self._playbook,
                quote=quote,
                version=1,
                issued_on=now.date(),
                signature_due=expires_at.date(),
                po_number=acceptance.po_number if acceptance else None,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            summary="render the contract",
        )
        self._record_document(
            "contract", contract.number, contract.version, contract.html_path, contract.pdf_path
        )
        context = {
            "contract": contract.model_dump(mode="json"),
            "quote": quote.model_dump(mode="json"),
            "signature_due": expires_at.date().isoformat(),
        }
        await self._email(
            f"contract_v{contract.version}",
            "contract",
            context,
            attachments=[contract.pdf_path] if contract.pdf_path else [],
        )
        remind_at = now + terms.reminder_after
        while True:
            reminder = f"contract_v{contract.version}_reminder"
            reminded = any(e.step == reminder for e in self._sale.emails)
            due = expires_at if reminded or remind_at >= expires_at else remind_at
            self._expect_at(f"customer signs {contract.number} (contract_signed)", due)
            received = await self._next({"contract_signed"}, due)
            if received is None:
                if due == expires_at:
                    raise SaleEnded(LostReason.CONTRACT_EXPIRED, f"{contract.number} not signed")
                await self._email(reminder, "contract_reminder", context)
                continue
            signed = received.event
            assert isinstance(signed, ContractSigned)
            if signed.contract_number is not None and signed.contract_number != contract.number:
                self._reject_received(
                    received,
                    f"signature for {signed.contract_number}, current is {contract.number}",
                )
                continue
            self._applied(received.signal, signed, received.at)
            self._sale.signature = Signature(
                contract_number=contract.number,
                signed_by=signed.signed_by,
                signed_at=signed.signed_at or received.at,
                envelope_id=signed.envelope_id,
            )
            return

    async def _close(self) -> None:
        self._enter(SalesStage.CLOSING, "proposal accepted and contract signed")
        due = self._expect(
            "customer places the first order (order_placed)", self._playbook.closing.order_wait
        )
        received = await self._next({"order_placed"}, due)
        if received is None:
            raise SaleEnded(LostReason.NO_ORDER, "no order placed in time")
        order = received.event
        assert isinstance(order, OrderPlaced)
        self._applied(received.signal, order, received.at)
        self._sale.order = Order(
            order_number=order.order_number, amount=order.amount, at=received.at
        )

    async def _win(self) -> SaleOutcome:
        self._enter(SalesStage.WON, "the prospect is a customer")
        support_id = self._lead.support_workflow_id
        await workflow.start_child_workflow(
            CustomerSupportWorkflow.run,
            SupportInput(
                lead=self._lead,
                playbook=self._playbook,
                sale_workflow_id=self._sale.workflow_id,
                order_number=self._sale.order.order_number if self._sale.order else None,
            ),
            id=support_id,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"Support for {self._lead.company or self._lead.contact_name}",
        )
        self._sale.support_workflow_id = support_id
        return self._outcome()

    def _lose(self, ended: SaleEnded) -> SaleOutcome:
        self._sale.lost_reason = ended.reason
        self._sale.lost_notes = ended.notes
        self._enter(SalesStage.LOST, f"{ended.reason}: {ended.notes or ''}".rstrip(": "))
        self._upsert(sa.LOST_REASON.value_set(ended.reason.value))
        return self._outcome()

    def _outcome(self) -> SaleOutcome:
        return SaleOutcome(
            stage=self._sale.stage,
            lost_reason=self._sale.lost_reason,
            deal_value=self._sale.deal_value,
            currency=self._playbook.currency if self._sale.quotes else None,
            support_workflow_id=self._sale.support_workflow_id,
        )

    # --- waiting for events ---------------------------------------------------------

    async def _next(self, signals: set[str], due: datetime | None) -> Received | None:
        """The first kept event among `signals`, or None at `due`; SaleEnded on an opt-out."""

        def ready() -> bool:
            return self._ending is not None or any(r.signal in signals for r in self._inbox)

        if not ready():
            timeout = None if due is None else max(due - workflow.now(), timedelta(0))
            if timeout is None or timeout > timedelta(0):
                with contextlib.suppress(asyncio.TimeoutError):
                    await workflow.wait_condition(
                        ready,
                        timeout=timeout,
                        timeout_summary=self._sale.next_action.description
                        if self._sale.next_action
                        else None,
                    )
        if self._ending is not None:
            raise self._ending
        for index, received in enumerate(self._inbox):
            if received.signal in signals:
                return self._inbox.pop(index)
        return None

    def _applied(self, signal: str, event: Event, at: datetime) -> None:
        self._sale.applied_events.append(
            AppliedEvent(signal=signal, event_id=event.event_id, at=at)
        )

    def _reject(
        self, signal: str, reason: str, event: Event | None = None, payload: Any = None
    ) -> None:
        self._sale.rejected_events.append(
            RejectedEvent(
                signal=signal,
                event_id=event.event_id if event else None,
                payload=event.model_dump(mode="json") if event else payload,
                reason=reason,
                at=workflow.now(),
            )
        )

    def _reject_received(self, received: Received, reason: str) -> None:
        # A rejected event may be sent again, corrected, with the same event_id.
        if received.event.event_id is not None:
            self._seen_event_ids.discard(received.event.event_id)
        self._reject(received.signal, reason, received.event)

    def _reject_leftovers(self) -> None:
        """Events kept for a stage the sale left without applying them are rejected, not lost."""
        stage = self._sale.stage
        keep: list[Received] = []
        for received in self._inbox:
            stages = APPLIES_IN.get(received.signal, ())
            if stage.is_final or all(s.order < stage.order for s in stages):
                reason = f"not applied: the sale moved on to {stage}"
                self._reject(received.signal, reason, received.event)
            else:
                keep.append(received)
        self._inbox = keep

    # --- side effects through activities --------------------------------------------

    async def _email(
        self,
        step: str,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        to: str | None = None,
        attachments: list[str] | None = None,
    ) -> None:
        if self._ending is not None:
            raise self._ending  # nothing goes out after a bounce, an opt-out or mark_lost
        receipt = await workflow.execute_activity_method(
            EmailActivities.send_email,
            EmailRequest(
                workflow_id=self._sale.workflow_id,
                step=step,
                template=template,
                to=to or self._lead.email,
                lead=self._lead,
                playbook=self._playbook,
                context=context or {},
                attachments=attachments or [],
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            summary=f"email: {step}",
        )
        self._sale.emails.append(
            EmailRecord(
                step=step,
                template=template,
                to=receipt.to,
                subject=receipt.subject,
                message_id=receipt.message_id,
                sent_at=workflow.now(),
                attachments=attachments or [],
            )
        )

    def _record_document(
        self, kind: str, number: str, version: int, html_path: str, pdf_path: str
    ) -> None:
        self._sale.documents.append(
            DocumentRecord(
                kind=kind,
                number=number,
                version=version,
                html_path=html_path,
                pdf_path=pdf_path,
                created_at=workflow.now(),
            )
        )

    # --- stage bookkeeping and visibility -------------------------------------------

    def _enter(self, stage: SalesStage, note: str = "") -> None:
        self._sale.stage = stage
        self._sale.timeline.append(StageChange(stage=stage, at=workflow.now(), note=note))
        self._sale.next_action = None
        self._upsert(sa.SALES_STAGE.value_set(stage.value), sa.NEXT_ACTION_AT.value_unset())
        self._reject_leftovers()
        self._show_details()

    def _expect(self, description: str, wait: timedelta) -> datetime:
        due = workflow.now() + wait
        self._expect_at(description, due)
        return due

    def _expect_at(self, description: str, due: datetime) -> None:
        self._sale.next_action = NextAction(description=description, due_at=due)
        self._upsert(sa.NEXT_ACTION_AT.value_set(due))
        self._show_details()

    def _show_details(self) -> None:
        lines = [f"**Stage:** {self._sale.stage}"]
        if self._sale.next_action is not None:
            action = self._sale.next_action
            due = f" (by {action.due_at:%Y-%m-%d %H:%M} UTC)" if action.due_at else ""
            lines.append(f"**Next:** {action.description}{due}")
        if self._sale.quotes:
            quote = self._sale.quotes[-1]
            lines.append(f"**Quote:** {quote.number}, {quote.currency} {quote.totals.total}")
        if self._sale.lost_reason:
            lines.append(f"**Lost:** {self._sale.lost_reason}")
        workflow.set_current_details("\n\n".join(lines))

    def _upsert_lead_attributes(self) -> None:
        lead = self._lead
        updates = [sa.PLAYBOOK.value_set(self._playbook.name)]
        for key, value in (
            (sa.LEAD_SOURCE, lead.source),
            (sa.SALES_OWNER, lead.owner),
            (sa.INDUSTRY, lead.industry),
            (sa.LEAD_COMPANY, lead.company),
        ):
            if value:
                updates.append(key.value_set(value))
        workflow.upsert_search_attributes(updates)

    def _upsert(self, *updates: Any) -> None:
        workflow.upsert_search_attributes(list(updates))
