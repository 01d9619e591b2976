"""CONTRACT: the accepted offer as a contract with the playbook's terms, sent, reminded, signed."""

import re

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import ContractSigned
    from sales.playbook import OnExpiry
    from sales.process import StepName
    from sales.requests import ContractDocument
    from sales.stages import LostReason
    from sales.state import DocumentRecord, Signature

from workflows.sale.contract_versions import Issued
from workflows.sale.events import SaleEnded
from workflows.sale.steps.base import Step
from workflows.sale.steps.drafting import (
    context_of,
    contract_document,
    email_contract,
    rendered_of,
    send_contract,
)

# The email of a version sent for signature (not its reminder, not a review draft's).
FOR_SIGNATURE = re.compile(r"contract_v\d+")


class Contract(Step):
    """Waits for the current version's signature; reminders, expiry, new versions per playbook."""

    name = StepName.CONTRACT

    async def run(self) -> None:
        sale = self.sale
        events = sale.events
        terms = sale.playbook.contract
        issued = await self._first()
        while True:
            contract = issued.document
            reminder = f"contract_v{contract.version}_reminder"
            reminded = sale.sent(reminder) or sale.cancelled(reminder)
            late = reminded or issued.remind_at >= issued.expires_at
            due = issued.expires_at if late else issued.remind_at
            if due != issued.expires_at:  # when the reminder can go (process version 9)
                due = min(sale.window.at_window("contract_reminder", due), issued.expires_at)
            sale.expect_at(f"customer signs {contract.number} (contract_signed)", due)
            received = await events.next(ContractSigned, due)
            if received is None:
                if due != issued.expires_at:
                    await sale.mail.send(
                        reminder,
                        "contract_reminder",
                        issued.context,
                        cancelled_by=(ContractSigned,),
                        before=issued.expires_at,
                        context_files=issued.context_files,
                    )
                    continue
                sale.expired(contract.number)
                if terms.on_expiry is OnExpiry.NEW_VERSION and self._sent() < terms.max_versions:
                    issued = await send_contract(sale, contract.version + 1)
                    continue
                raise SaleEnded(LostReason.CONTRACT_EXPIRED, f"{contract.number} not signed")
            signed = received.event
            refusal = self._wrong_version(signed, contract)
            if refusal is not None:
                events.reject(received, refusal)
                continue
            events.applied(received)
            sale.signed(
                Signature(
                    contract_number=contract.number,
                    signed_by=signed.signed_by,
                    signed_at=signed.signed_at or received.at,
                    envelope_id=signed.envelope_id,
                )
            )
            return

    def _sent(self) -> int:
        """The versions sent for signature so far."""
        return sum(1 for email in self.sale.state.emails if FOR_SIGNATURE.fullmatch(email.step))

    async def _first(self) -> Issued:
        """Version 1, or after a legal review the next version with the agreed amendments;
        a draft the buyer already signed during the review is not sent again. A resumed run
        finds the version it issued (its email sent, or still to send)."""
        sale = self.sale
        draft = sale.latest_document("contract")
        if draft is not None and not self._review_draft(draft):
            rendered = rendered_of(sale, draft)
            if self._issued(draft):
                remind_at = rendered.issued_at + sale.playbook.contract.reminder_after
                return Issued(
                    rendered.document, remind_at, rendered.expires_at, context_of(sale, rendered)
                )
            return await email_contract(sale, rendered)
        if draft is None:
            return await send_contract(sale, 1)
        if sale.events.has_kept(ContractSigned):
            now = sale.now()
            document = contract_document(draft)
            expires_at = now + sale.playbook.contract.expires_after
            return Issued(document, expires_at, expires_at, {})
        return await send_contract(sale, draft.version + 1)

    def _review_draft(self, draft: DocumentRecord) -> bool:
        return self.sale.sent(f"contract_review_v{draft.version}")

    def _issued(self, draft: DocumentRecord) -> bool:
        step = f"contract_v{draft.version}"
        return self.sale.sent(step) or self.sale.cancelled(step)

    def _wrong_version(self, signed: ContractSigned, contract: ContractDocument) -> str | None:
        named = signed.contract_number
        if named is None or named == contract.number:
            return None
        what = "has expired" if named in self.sale.state.expired else "is not the current version"
        return f"signature for {named}, which {what}; sign {contract.number}"
