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
    from sales.state import Acceptance, DocumentRecord, GateRecord, GateStatus

from workflows.emailing import MissedDeadline
from workflows.received import Received
from workflows.sale.events import SaleEnded
from workflows.sale.steps.approval import ApprovalTooLate, approved, needs_approval
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, DOCUMENT_HEARTBEAT, Step
from workflows.sale.steps.quoting import first_offer

AWARD = (TenderAwarded, TenderLost, DiscountApproved)


class Tender(Step):
    """The offer step of public buyers: no negotiation, a bid by a deadline, then the award."""

    name = StepName.TENDER

    @property
    def submitted(self) -> bool:
        record = self.sale.gate(self.name)
        return record is not None and "bid_number" in record.details

    @property
    def policy(self) -> TenderGate:
        return self.settings(self.sale.playbook.gates.tender)

    async def run(self) -> None:
        sale = self.sale
        record = sale.gate(self.name)  # a resumed run finds its gate open
        if record is None:
            quote = await first_offer(sale)
            needs = sale.state.needs
            reference = needs.tender_reference if needs else None
            deadline = (needs.submission_deadline if needs else None) or (
                sale.now() + self.policy.default_window
            )
            record = sale.open_gate(
                self.name,
                f"bid for {reference or 'the call for tenders'} due {deadline:%Y-%m-%d %H:%M} UTC",
                reference=reference,
                deadline=deadline.isoformat(),
            )
        else:
            deadline = datetime.fromisoformat(str(record.details["deadline"]))
            quote = sale.draft or sale.state.quotes[-1]
        last_moment = deadline - self.policy.submission_margin
        offered = quote in sale.state.quotes
        if not offered and needs_approval(sale, quote):
            try:
                quote = await approved(sale, quote, by=last_moment)
            except ApprovalTooLate as late:
                self._missed(record, deadline, f"{late}; the bid was not sent")
        if not self.submitted:
            await self._submit(record, quote, deadline, last_moment)
        await self._award(record, quote, deadline)

    async def _submit(
        self, record: GateRecord, quote: Quote, deadline: datetime, last_moment: datetime
    ) -> None:
        """Render the bid from the quote and send it, unless it cannot leave in time."""
        sale = self.sale
        if quote not in sale.state.quotes:
            self._in_time(record, deadline, last_moment)
            sale.offered(quote)
        bid = sale.latest_document("bid")
        if bid is None or bid.version != quote.version:
            bid = await self._render(quote, record, deadline)
        self._in_time(record, deadline, last_moment)
        try:
            await sale.mail.send(
                "tender_bid",
                "tender_bid",
                {
                    "quote": quote.model_dump(mode="json"),
                    "bid": BidDocument(
                        number=bid.number, html_path=bid.html_path, pdf_path=bid.pdf_path
                    ).model_dump(mode="json"),
                    "reference": record.details.get("reference"),
                    "deadline": deadline.isoformat(),
                },
                attachments=[bid.pdf_path] if bid.pdf_path else [],
                within=last_moment - sale.now(),
                outreach=False,  # a bid answers a deadline, not business hours
            )
        except MissedDeadline as missed:
            self._missed(record, deadline, str(missed))
        sale.note_gate(
            record,
            f"bid {bid.number} submitted; the award decides",
            bid_number=bid.number,
            submitted_at=sale.now().isoformat(),
        )

    async def _render(self, quote: Quote, record: GateRecord, deadline: datetime) -> DocumentRecord:
        """The bid rendered from the quote and filed."""
        sale = self.sale
        request = BidRequest(
            workflow_id=sale.state.workflow_id,
            lead=sale.lead,
            playbook=sale.playbook,
            quote=quote,
            tender_reference=record.details.get("reference"),
            submission_deadline=deadline,
            issued_on=sale.now().date(),
        )
        bid = await sale.operations.run(
            f"render the bid from {quote.number}",
            lambda: workflow.execute_activity_method(
                DocumentActivities.prepare_bid,
                sale.with_playbook(request),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=DOCUMENT_HEARTBEAT,
                summary=f"render the bid from {quote.number}",
            ),
        )
        sale.record_document("bid", bid.number, quote.version, bid.html_path, bid.pdf_path)
        filed = sale.latest_document("bid")
        assert filed is not None
        return filed

    def _in_time(self, record: GateRecord, deadline: datetime, last_moment: datetime) -> None:
        if self.sale.now() >= last_moment:
            margin = self.policy.submission_margin
            self._missed(
                record,
                deadline,
                f"the bid cannot leave {margin} before the deadline any more; not sent",
            )

    def _missed(self, record: GateRecord, deadline: datetime, why: str) -> None:
        notes = f"submission deadline {deadline:%Y-%m-%d %H:%M} UTC missed: {why}"
        self.sale.decide_gate(record, GateStatus.FAILED, notes=notes)
        raise SaleEnded(LostReason.TENDER_DEADLINE_MISSED, notes)

    async def _award(self, record: GateRecord, quote: Quote, deadline: datetime) -> None:
        sale = self.sale
        due = deadline + self.policy.award_wait
        sale.expect_at("the contracting authority awards the tender (tender_awarded/_lost)", due)
        while True:
            received = await sale.events.next_of(AWARD, due)
            if received is None:
                notes = "no award decision in time"
                sale.decide_gate(record, GateStatus.FAILED, notes=notes)
                raise SaleEnded(self.policy.lost_reason, notes)
            refusal = self.refuse(received.event)
            if refusal is not None:
                sale.events.reject(received, refusal)
                continue
            sale.events.applied(received)
            self._decided(record, received, quote)
            return

    def _decided(self, record: GateRecord, received: Received[Event], quote: Quote) -> None:
        sale = self.sale
        event = received.event
        if isinstance(event, TenderLost):
            notes = "tender lost" + (f" to {event.winner}" if event.winner else "")
            notes += f": {event.reason}" if event.reason else ""
            sale.decide_gate(record, GateStatus.FAILED, notes=notes)
            raise SaleEnded(LostReason.TENDER_LOST, notes)
        if isinstance(event, TenderAwarded):
            sale.decide_gate(record, GateStatus.PASSED, by=event.awarded_by, notes="tender awarded")
            sale.accepted(
                Acceptance(
                    quote_number=quote.number,
                    accepted_by=event.awarded_by,
                    po_number=event.po_number,
                    at=received.at,
                )
            )

    def refuse(self, event: Event) -> str | None:
        sale = self.sale
        if isinstance(event, DiscountApproved):
            if not sale.state.awaiting_discount_approval:
                return "no bid is waiting for a discount approval"
            return None
        if isinstance(event, TenderAwarded | TenderLost) and not self.submitted:
            return "no bid has been submitted yet"
        needs_po = sale.playbook.proposal.po_number_required
        if isinstance(event, TenderAwarded) and needs_po and not event.po_number:
            return "this playbook needs the award's po_number"
        return None
