"""Gate tender: a public call for tenders; the bid leaves before the deadline, the award decides."""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from sales.events import DiscountApproved, Event, TenderAwarded, TenderLost
    from sales.gates import TenderGate
    from sales.process import StepName
    from sales.quote import Quote
    from sales.requests import BidDocument, BidRequest
    from sales.stages import LostReason
    from sales.state import Acceptance, GateRecord, GateStatus

from workflows.emailing import MissedDeadline
from workflows.inbox import Received
from workflows.sale.book import SaleBook, SaleEnded
from workflows.sale.steps.approval import ApprovalTooLate, approved, needs_approval
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, DOCUMENT_HEARTBEAT, Step
from workflows.sale.steps.quoting import first_offer

AWARD = (TenderAwarded, TenderLost, DiscountApproved)


class Tender(Step):
    """The offer step of public buyers: no negotiation, a bid by a deadline, then the award."""

    name = StepName.TENDER

    def __init__(self, book: SaleBook) -> None:
        super().__init__(book)
        self.submitted = False

    @property
    def policy(self) -> TenderGate:
        return self.settings(self.book.playbook.gates.tender)

    async def run(self) -> None:
        book = self.book
        quote = await first_offer(book)
        needs = book.state.needs
        reference = needs.tender_reference if needs else None
        deadline = (needs.submission_deadline if needs else None) or (
            self.book.now() + self.policy.default_window
        )
        last_moment = deadline - self.policy.submission_margin
        record = book.open_gate(
            self.name,
            f"bid for {reference or 'the call for tenders'} due {deadline:%Y-%m-%d %H:%M} UTC",
            reference=reference,
            deadline=deadline.isoformat(),
        )
        if needs_approval(book, quote):
            try:
                quote = await approved(book, quote, by=last_moment)
            except ApprovalTooLate as late:
                self._missed(record, deadline, f"{late}; the bid was not sent")
        await self._submit(record, quote, deadline, last_moment)
        await self._award(record, quote, deadline)

    async def _submit(
        self, record: GateRecord, quote: Quote, deadline: datetime, last_moment: datetime
    ) -> None:
        """Render the bid from the quote and send it, unless it cannot leave in time."""
        book = self.book
        self._in_time(record, deadline, last_moment)
        book.offered(quote)
        request = BidRequest(
            workflow_id=book.state.workflow_id,
            lead=book.lead,
            playbook=book.playbook,
            quote=quote,
            tender_reference=record.details.get("reference"),
            submission_deadline=deadline,
            issued_on=book.now().date(),
        )
        bid = await book.journaled(
            f"render the bid from {quote.number}",
            lambda: workflow.execute_activity_method(
                DocumentActivities.prepare_bid,
                request,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=DOCUMENT_HEARTBEAT,
                summary=f"render the bid from {quote.number}",
            ),
            BidDocument,
        )
        book.record_document("bid", bid.number, quote.version, bid.html_path, bid.pdf_path)
        self._in_time(record, deadline, last_moment)
        try:
            await book.email(
                "tender_bid",
                "tender_bid",
                {
                    "quote": quote.model_dump(mode="json"),
                    "bid": bid.model_dump(mode="json"),
                    "reference": record.details.get("reference"),
                    "deadline": deadline.isoformat(),
                },
                attachments=[bid.pdf_path] if bid.pdf_path else [],
                within=last_moment - self.book.now(),
                outreach=False,  # a bid answers a deadline, not business hours
            )
        except MissedDeadline as missed:
            self._missed(record, deadline, str(missed))
        self.submitted = True
        book.note_gate(
            record,
            f"bid {bid.number} submitted; the award decides",
            bid_number=bid.number,
            submitted_at=self.book.now().isoformat(),
        )

    def _in_time(self, record: GateRecord, deadline: datetime, last_moment: datetime) -> None:
        if self.book.now() >= last_moment:
            margin = self.policy.submission_margin
            self._missed(
                record,
                deadline,
                f"the bid cannot leave {margin} before the deadline any more; not sent",
            )

    def _missed(self, record: GateRecord, deadline: datetime, why: str) -> None:
        notes = f"submission deadline {deadline:%Y-%m-%d %H:%M} UTC missed: {why}"
        self.book.decide_gate(record, GateStatus.FAILED, notes=notes)
        raise SaleEnded(LostReason.TENDER_DEADLINE_MISSED, notes)

    async def _award(self, record: GateRecord, quote: Quote, deadline: datetime) -> None:
        book = self.book
        due = deadline + self.policy.award_wait
        book.expect_at("the contracting authority awards the tender (tender_awarded/_lost)", due)
        while True:
            received = await book.next_of(AWARD, due)
            if received is None:
                notes = "no award decision in time"
                book.decide_gate(record, GateStatus.FAILED, notes=notes)
                raise SaleEnded(self.policy.lost_reason, notes)
            refusal = self.refuse(received.event)
            if refusal is not None:
                book.reject(received, refusal)
                continue
            book.applied(received)
            self._decided(record, received, quote)
            return

    def _decided(self, record: GateRecord, received: Received[Event], quote: Quote) -> None:
        book = self.book
        event = received.event
        if isinstance(event, TenderLost):
            notes = "tender lost" + (f" to {event.winner}" if event.winner else "")
            notes += f": {event.reason}" if event.reason else ""
            book.decide_gate(record, GateStatus.FAILED, notes=notes)
            raise SaleEnded(LostReason.TENDER_LOST, notes)
        if isinstance(event, TenderAwarded):
            book.decide_gate(record, GateStatus.PASSED, by=event.awarded_by, notes="tender awarded")
            book.accepted(
                Acceptance(
                    quote_number=quote.number,
                    accepted_by=event.awarded_by,
                    po_number=event.po_number,
                    at=received.at,
                )
            )

    def refuse(self, event: Event) -> str | None:
        book = self.book
        if isinstance(event, DiscountApproved):
            if not book.state.awaiting_discount_approval:
                return "no bid is waiting for a discount approval"
            return None
        if isinstance(event, TenderAwarded | TenderLost) and not self.submitted:
            return "no bid has been submitted yet"
        needs_po = book.playbook.proposal.po_number_required
        if isinstance(event, TenderAwarded) and needs_po and not event.po_number:
            return "this playbook needs the award's po_number"
        return None
