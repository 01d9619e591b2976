"""CONTRACT: the accepted offer as a contract with the playbook's terms, sent, reminded, signed."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import ContractSigned
    from sales.playbook import OnExpiry
    from sales.process import StepName
    from sales.requests import ContractDocument
    from sales.stages import LostReason
    from sales.state import Signature

from workflows.sale.book import SaleEnded
from workflows.sale.steps.base import Step
from workflows.sale.steps.drafting import Issued, send_contract


class Contract(Step):
    """Waits for the current version's signature; reminders, expiry, new versions per playbook."""

    name = StepName.CONTRACT

    async def run(self) -> None:
        book = self.book
        terms = book.playbook.contract
        issued = await self._first()
        sent = 1
        while True:
            contract = issued.document
            reminder = f"contract_v{contract.version}_reminder"
            reminded = book.sent(reminder) or book.cancelled(reminder)
            late = reminded or issued.remind_at >= issued.expires_at
            due = issued.expires_at if late else issued.remind_at
            book.expect_at(f"customer signs {contract.number} (contract_signed)", due)
            received = await book.next(ContractSigned, due)
            if received is None:
                if due != issued.expires_at:
                    await book.email(
                        reminder,
                        "contract_reminder",
                        issued.context,
                        cancelled_by=(ContractSigned,),
                        before=issued.expires_at,
                    )
                    continue
                book.expired(contract.number)
                if terms.on_expiry is OnExpiry.NEW_VERSION and sent < terms.max_versions:
                    issued = await send_contract(book, contract.version + 1)
                    sent += 1
                    continue
                raise SaleEnded(LostReason.CONTRACT_EXPIRED, f"{contract.number} not signed")
            signed = received.event
            refusal = self._wrong_version(signed, contract)
            if refusal is not None:
                book.reject(received, refusal)
                continue
            book.applied(received)
            book.signed(
                Signature(
                    contract_number=contract.number,
                    signed_by=signed.signed_by,
                    signed_at=signed.signed_at or received.at,
                    envelope_id=signed.envelope_id,
                )
            )
            return

    async def _first(self) -> Issued:
        """Version 1, or after a legal review the next version with the agreed amendments;
        a draft the buyer already signed during the review is not sent again."""
        book = self.book
        draft = book.latest_document("contract")
        if draft is None:
            return await send_contract(book, 1)
        if book.has_kept(ContractSigned):
            now = book.now()
            document = ContractDocument(
                number=draft.number,
                version=draft.version,
                html_path=draft.html_path,
                pdf_path=draft.pdf_path,
            )
            expires_at = now + book.playbook.contract.expires_after
            return Issued(document, expires_at, expires_at, {})
        return await send_contract(book, draft.version + 1)

    def _wrong_version(self, signed: ContractSigned, contract: ContractDocument) -> str | None:
        named = signed.contract_number
        if named is None or named == contract.number:
            return None
        what = "has expired" if named in self.book.state.expired else "is not the current version"
        return f"signature for {named}, which {what}; sign {contract.number}"
