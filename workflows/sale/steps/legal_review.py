"""Gate legal_review: the buyer's lawyers redline the draft contract, a new version each round."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import ContractRedlined, ContractSigned, Event, LegalApproved
    from sales.gates import LegalReviewGate
    from sales.process import StepName
    from sales.requests import ContractDocument
    from sales.state import GateRecord, GateStatus

from workflows.sale.book import SaleBook, SaleEnded
from workflows.sale.steps.base import Step
from workflows.sale.steps.drafting import context_of, render_contract


class LegalReview(Step):
    """Sends the draft to the buyer's lawyers and takes their redlines, up to the playbook's cap.

    Ends when they approve (`legal_approved`) or the buyer signs the draft (the contract
    step then applies the signature); lost when they do not answer within a round's wait.
    """

    name = StepName.LEGAL_REVIEW

    def __init__(self, book: SaleBook) -> None:
        super().__init__(book)
        self.draft: ContractDocument | None = None
        self.rounds = 0

    @property
    def policy(self) -> LegalReviewGate:
        return self.settings(self.book.playbook.gates.legal_review)

    async def run(self) -> None:
        book = self.book
        record = book.open_gate(self.name, "the buyer's lawyers review the draft contract")
        draft = await self._send_draft(1)
        while True:
            due = book.expect(
                f"the buyer's lawyers answer on {draft.number} "
                "(contract_redlined or legal_approved)",
                self.policy.round_timeout,
            )
            received = await book.next_of((ContractRedlined, LegalApproved, ContractSigned), due)
            if received is None:
                notes = f"no answer from the buyer's lawyers on {draft.number} in time"
                book.decide_gate(record, GateStatus.FAILED, notes=notes)
                raise SaleEnded(self.policy.lost_reason, notes)
            event = received.event
            if isinstance(event, ContractSigned):
                book.put_back(received)
                self._passed(record, event.signed_by, f"{draft.number} signed during the review")
                return
            refusal = self.refuse(event)
            if refusal is not None:
                book.reject(received, refusal)
                continue
            book.applied(received)
            if isinstance(event, LegalApproved):
                self._passed(record, event.approved_by, f"{draft.number} approved")
                return
            if isinstance(event, ContractRedlined):
                self.rounds += 1
                book.amended(event.changes)
                book.note_gate(record, f"redline round {self.rounds}", rounds=self.rounds)
                draft = await self._send_draft(draft.version + 1)

    def _passed(self, record: GateRecord, by: str, notes: str) -> None:
        self.book.decide_gate(record, GateStatus.PASSED, by=by, notes=notes, rounds=self.rounds)

    async def _send_draft(self, version: int) -> ContractDocument:
        book = self.book
        rendered = await render_contract(book, version, for_review=True)
        self.draft = rendered.document
        pdf = rendered.document.pdf_path
        await book.email(
            f"contract_review_v{version}",
            "contract_review",
            {
                **context_of(book, rendered),
                "round": self.rounds,
                "max_rounds": self.policy.max_rounds,
            },
            attachments=[pdf] if pdf else [],
        )
        return rendered.document

    def refuse(self, event: Event) -> str | None:
        draft = self.draft
        if not isinstance(event, ContractRedlined | LegalApproved) or draft is None:
            return None
        named = event.contract_number
        if named is not None and named != draft.number:
            return f"{named} is not the draft under review; the current one is {draft.number}"
        if isinstance(event, ContractRedlined) and self.rounds >= self.policy.max_rounds:
            return (
                f"the playbook allows {self.policy.max_rounds} redline rounds; "
                f"approve or sign {draft.number}"
            )
        return None
