"""SaleWorkflow: one lead's whole sale, from qualification to a won customer or a lost reason.

Signals arrive through one dynamic handler (names in `sales.events.SALE_SIGNALS`)
that takes raw payloads, so a malformed or early event is never dropped: it
is applied once, kept for its stage, or recorded in `rejected_events`.
"""

from collections.abc import Sequence
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RawValue

with workflow.unsafe.imports_passed_through():
    from activities.qualification import qualify_lead
    from sales.events import LeadQualified, NeedsIdentified, OrderPlaced
    from sales.playbook import QualificationMode
    from sales.quote import Quote
    from sales.requests import QualificationRequest, SaleInput, SupportInput
    from sales.stages import LostReason, SalesStage
    from sales.state import Order, SaleOutcome, SaleState

from workflows import search_attributes as sa
from workflows.contract import sign_contract
from workflows.inbox import Received
from workflows.proposal import Negotiation, PricingFailed, prepare_quote
from workflows.sale_book import SaleBook, SaleEnded
from workflows.support import CustomerSupportWorkflow

ACTIVITY_TIMEOUT = timedelta(minutes=2)


@workflow.defn(name="SaleWorkflow")
class SaleWorkflow:
    """Runs one lead through the stages of its playbook; ends WON (support started) or LOST."""

    @workflow.init
    def __init__(self, input: SaleInput) -> None:
        self._book = SaleBook(input)

    @workflow.query(name="state")
    def state(self) -> SaleState:
        """The whole sale: stage, timeline, quotes, documents, emails, events."""
        pending = [received.signal for received in self._book.kept]
        return self._book.state.model_copy(update={"pending_events": pending})

    @workflow.signal(dynamic=True)
    def receive(self, name: str, args: Sequence[RawValue]) -> None:
        """Every signal: validated, de-duplicated by event_id, then kept, applied or rejected."""
        self._book.receive(name, args)

    @workflow.run
    async def run(self, input: SaleInput) -> SaleOutcome:
        """Qualify, contact, analyse needs, propose, contract, close; or lose with a reason."""
        book = self._book
        book.upsert_lead_attributes()
        try:
            await self._qualify()
            await self._contact()
            needs, quote = await self._analyse_needs()
            await Negotiation(book, needs).run(quote)
            await sign_contract(book)
            await self._close()
        except SaleEnded as ended:
            return self._lose(ended)
        return await self._win()

    async def _qualify(self) -> None:
        book = self._book
        book.enter(SalesStage.QUALIFICATION)
        result = await workflow.execute_activity(
            qualify_lead,
            QualificationRequest(lead=book.lead, playbook=book.playbook),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            summary="apply the playbook's viability rules",
        )
        book.state.qualification_notes = result.reasons
        if not result.viable:
            raise SaleEnded(LostReason.DISQUALIFIED, "; ".join(result.reasons))
        rules = book.playbook.qualification
        if rules.mode is QualificationMode.SELLER:
            due = book.expect(
                "a seller decides on the lead (lead_qualified)", rules.decision_timeout
            )
            received = await book.next({"lead_qualified"}, due)
            if received is None:
                raise SaleEnded(LostReason.STALLED, "no qualification decision in time")
            decision = received.event
            assert isinstance(decision, LeadQualified)
            book.applied(received)
            if not decision.qualified:
                raise SaleEnded(LostReason.DISQUALIFIED, decision.reason or f"by {decision.by}")
            book.state.qualification_notes.append(f"qualified by {decision.by}")

    async def _contact(self) -> None:
        book = self._book
        book.enter(SalesStage.CONTACT)
        cadence = book.playbook.contact
        await book.email("intro", "intro")
        waits = [*cadence.follow_ups, cadence.give_up_after]
        received: Received | None = None
        for number, wait in enumerate(waits, start=1):
            last = number == len(waits)
            what = "give up" if last else f"follow-up {number}"
            due = book.expect(f"await a reply; {what} after the wait", wait)
            received = await book.next({"contact_responded", "interest_expressed"}, due)
            if received is not None:
                break
            if last:
                raise SaleEnded(LostReason.UNRESPONSIVE, f"no reply after {number - 1} follow-ups")
            await book.email(f"follow_up_{number}", "follow_up", {"number": number})
        assert received is not None
        book.applied(received)
        if received.signal == "contact_responded":
            due = book.expect(
                "seller records interest (interest_expressed) or mark_lost", cadence.interest_wait
            )
            interest = await book.next({"interest_expressed"}, due)
            if interest is None:
                raise SaleEnded(LostReason.STALLED, "replied, but no interest recorded in time")
            book.applied(interest)

    async def _analyse_needs(self) -> tuple[NeedsIdentified, Quote]:
        book = self._book
        book.enter(SalesStage.NEEDS_ANALYSIS, "the lead is now a prospect")
        due = book.expect(
            "seller records needs and items (needs_identified)",
            book.playbook.needs_analysis.timeout,
        )
        while True:
            received = await book.next({"needs_identified"}, due)
            if received is None:
                raise SaleEnded(LostReason.STALLED, "needs were not identified in time")
            needs = received.event
            assert isinstance(needs, NeedsIdentified)
            procedure = (
                needs.purchasing_procedure or book.playbook.proposal.default_purchasing_procedure
            )
            try:
                quote = await prepare_quote(
                    book,
                    needs,
                    procedure,
                    needs.items,
                    needs.discount_percent,
                    needs.discount_amount,
                )
            except PricingFailed as err:
                book.reject(received, str(err))
                continue
            book.applied(received)
            break
        book.state.needs = needs
        await book.email(
            "orientation",
            "orientation",
            {"needs": needs.model_dump(mode="json"), "currency": book.playbook.currency},
        )
        return needs, quote

    async def _close(self) -> None:
        book = self._book
        book.enter(SalesStage.CLOSING, "proposal accepted and contract signed")
        due = book.expect(
            "customer places the first order (order_placed)", book.playbook.closing.order_wait
        )
        received = await book.next({"order_placed"}, due)
        if received is None:
            raise SaleEnded(LostReason.NO_ORDER, "no order placed in time")
        order = received.event
        assert isinstance(order, OrderPlaced)
        book.applied(received)
        book.state.order = Order(
            order_number=order.order_number, amount=order.amount, at=received.at
        )

    async def _win(self) -> SaleOutcome:
        book = self._book
        book.enter(SalesStage.WON, "the prospect is a customer")
        support_id = book.lead.support_workflow_id
        await workflow.start_child_workflow(
            CustomerSupportWorkflow.run,
            SupportInput(
                lead=book.lead,
                playbook=book.playbook,
                sale_workflow_id=book.state.workflow_id,
                order_number=book.state.order.order_number if book.state.order else None,
            ),
            id=support_id,
            parent_close_policy=workflow.ParentClosePolicy.ABANDON,
            static_summary=f"Support for {book.lead.company or book.lead.contact_name}",
        )
        book.state.support_workflow_id = support_id
        return self._outcome()

    def _lose(self, ended: SaleEnded) -> SaleOutcome:
        book = self._book
        book.state.lost_reason = ended.reason
        book.state.lost_notes = ended.notes
        book.enter(SalesStage.LOST, f"{ended.reason}: {ended.notes or ''}".rstrip(": "))
        book.upsert(sa.LOST_REASON.value_set(ended.reason.value))
        return self._outcome()

    def _outcome(self) -> SaleOutcome:
        state = self._book.state
        return SaleOutcome(
            stage=state.stage,
            lost_reason=state.lost_reason,
            deal_value=state.deal_value,
            currency=self._book.playbook.currency if state.quotes else None,
            support_workflow_id=state.support_workflow_id,
        )
