"""Gate legal_review: the buyer's lawyers redline the draft contract, a new version each round."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import ContractRedlined, ContractSigned, Event, LegalApproved
    from sales.gates import LegalReviewGate
    from sales.process import StepName
    from sales.requests import ContractDocument
    from sales.state import GateRecord, GateStatus

from workflows.sale.contract_versions import Rendered
from workflows.sale.events import SaleEnded
from workflows.sale.sale import Sale
from workflows.sale.steps.base import Step
from workflows.sale.steps.drafting import context_of, render_contract, rendered_of


class LegalReview(Step):
    """Sends the draft to the buyer's lawyers and takes their redlines, up to the playbook's cap.

    Ends when they approve (`legal_approved`) or the buyer signs the draft (the contract
    step then applies the signature); lost when they do not answer within a round's wait.
    Its rounds are kept in its gate's record; a resumed run finds the draft out (or still
    to send) there.
    """

    name = StepName.LEGAL_REVIEW

    def __init__(self, sale: Sale) -> None:
        super().__init__(sale)
        self.draft: ContractDocument | None = None

    @property
    def policy(self) -> LegalReviewGate:
        return self.settings(self.sale.playbook.gates.legal_review)

    @property
    def rounds(self) -> int:
        record = self.sale.gate(self.name)
        return int(record.details.get("rounds", 0)) if record else 0

    async def run(self) -> None:
        sale = self.sale
        events = sale.events
        record = sale.gate(self.name)
        if record is None:
            record = sale.open_gate(self.name, "the buyer's lawyers review the draft contract")
            draft = await self._send_draft(1)
        else:
            draft = await self._resumed_draft()
        while True:
            due = sale.expect(
                f"the buyer's lawyers answer on {draft.number} "
                "(contract_redlined or legal_approved)",
                self.policy.round_timeout,
            )
            received = await events.next_of((ContractRedlined, LegalApproved, ContractSigned), due)
            if received is None:
                notes = f"no answer from the buyer's lawyers on {draft.number} in time"
                sale.decide_gate(record, GateStatus.FAILED, notes=notes)
                raise SaleEnded(self.policy.lost_reason, notes)
            event = received.event
            if isinstance(event, ContractSigned):
                events.put_back(received)
                self._passed(record, event.signed_by, f"{draft.number} signed during the review")
                return
            refusal = self.refuse(event)
            if refusal is not None:
                events.reject(received, refusal)
                continue
            events.applied(received)
            if isinstance(event, LegalApproved):
                self._passed(record, event.approved_by, f"{draft.number} approved")
                return
            if isinstance(event, ContractRedlined):
                rounds = self.rounds + 1
                sale.amended(event.changes)
                sale.note_gate(record, f"redline round {rounds}", rounds=rounds)
                draft = await self._send_draft(draft.version + 1)

    def _passed(self, record: GateRecord, by: str, notes: str) -> None:
        self.sale.decide_gate(record, GateStatus.PASSED, by=by, notes=notes, rounds=self.rounds)

    async def _resumed_draft(self) -> ContractDocument:
        """The draft of the round a resumed run is in, emailed if it had not gone yet."""
        sale = self.sale
        latest = sale.latest_document("contract")
        assert latest is not None  # the gate opened with its first draft
        rendered = rendered_of(sale, latest)
        self.draft = rendered.document
        if not sale.sent(f"contract_review_v{latest.version}"):
            await self._email(rendered)
        return rendered.document

    async def _send_draft(self, version: int) -> ContractDocument:
        rendered = await render_contract(self.sale, version, for_review=True)
        self.draft = rendered.document
        await self._email(rendered)
        return rendered.document

    async def _email(self, rendered: Rendered) -> None:
        sale = self.sale
        pdf = rendered.document.pdf_path
        await sale.mail.send(
            f"contract_review_v{rendered.document.version}",
            "contract_review",
            {
                **context_of(sale, rendered),
                "round": self.rounds,
                "max_rounds": self.policy.max_rounds,
            },
            attachments=[pdf] if pdf else [],
        )

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
