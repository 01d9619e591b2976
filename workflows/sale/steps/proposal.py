"""PROPOSAL: quote versions, large discounts held for approval, reminders, expiry, acceptance."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import (
        DiscountApproved,
        Event,
        ProposalAccepted,
        ProposalRejected,
        RevisionRequested,
    )
    from sales.playbook import OnExpiry, PurchasingProcedure
    from sales.process import StepName
    from sales.quote import Quote
    from sales.stages import LostReason
    from sales.state import Acceptance

from workflows.inbox import Received
from workflows.sale.book import SaleEnded
from workflows.sale.steps.approval import approved, needs_approval
from workflows.sale.steps.base import Step
from workflows.sale.steps.quoting import PricingFailed, expiry, first_offer, reprice

ANSWERS = (ProposalAccepted, RevisionRequested, ProposalRejected, DiscountApproved)
# What makes a reminder pointless: the prospect answered the quote.
REPLIES = (ProposalAccepted, RevisionRequested, ProposalRejected)


class Proposal(Step):
    """Sends the quote and negotiates until one version is accepted; lost on rejection or expiry."""

    name = StepName.PROPOSAL

    async def run(self) -> None:
        book = self.book
        policy = book.playbook.proposal
        await self._offer(await first_offer(book))
        while True:
            current = book.state.quotes[-1]
            expires_at = expiry(current)
            reminder = f"proposal_v{current.version}_reminder"
            due = expires_at
            reminded = book.sent(reminder) or book.cancelled(reminder)
            if policy.reminder_before_expiry is not None and not reminded:
                remind_at = expires_at - policy.reminder_before_expiry
                due = remind_at if remind_at > book.now() else expires_at
            book.expect_at(f"prospect answers quote {current.number}", due)
            received = await book.next_of(ANSWERS, due)
            if received is None:
                if due == expires_at:
                    await self._expired(current)
                else:
                    context = {"quote": current.model_dump(mode="json")}
                    await book.email(
                        reminder,
                        "proposal_reminder",
                        context,
                        cancelled_by=REPLIES,
                        before=expires_at,
                    )
                continue
            match received.event:
                case DiscountApproved():
                    book.reject(received, "no quote is waiting for a discount approval")
                case ProposalRejected(reason=reason):
                    book.applied(received)
                    raise SaleEnded(LostReason.PROPOSAL_REJECTED, reason)
                case ProposalAccepted() as event:
                    if self._accept(received, event, current):
                        return
                case RevisionRequested() as event:
                    await self._revise(received, event, current)

    def refuse(self, event: Event) -> str | None:
        book = self.book
        if isinstance(event, DiscountApproved) and not book.state.awaiting_discount_approval:
            return "no quote is waiting for a discount approval"
        if isinstance(event, RevisionRequested):
            limit = book.playbook.proposal.max_versions
            if len(book.state.quotes) >= limit:
                return f"the playbook allows {limit} versions at most"
        return None

    async def _expired(self, quote: Quote) -> None:
        """Per the playbook: the sale is lost, or the same offer goes out again as a new version."""
        book = self.book
        policy = book.playbook.proposal
        book.expired(quote.number)
        versions_left = len(book.state.quotes) < policy.max_versions
        if policy.on_expiry is OnExpiry.NEW_VERSION and versions_left:
            try:
                reissued = await reprice(
                    book, quote, notes=f"re-issued after {quote.number} expired"
                )
            except PricingFailed as err:
                raise SaleEnded(
                    LostReason.PROPOSAL_EXPIRED, f"{quote.number} expired; {err}"
                ) from err
            await self._offer(reissued)
            return
        raise SaleEnded(LostReason.PROPOSAL_EXPIRED, f"{quote.number} expired")

    def _accept(self, received: Received[Event], event: ProposalAccepted, current: Quote) -> bool:
        book = self.book
        named = event.quote_number
        if named is not None and named in book.state.expired:
            book.reject(received, f"quote {named} has expired; the current one is {current.number}")
            return False
        if named is not None and named != current.number:
            book.reject(
                received,
                f"quote {named} is superseded by {current.number}; "
                "only the latest version can be accepted",
            )
            return False
        formal = current.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        if (formal or book.playbook.proposal.po_number_required) and not event.po_number:
            what = "a formal proposal" if formal else "an offer under this playbook"
            book.reject(received, f"{what} is accepted with a po_number")
            return False
        book.applied(received)
        book.accepted(
            Acceptance(
                quote_number=current.number,
                accepted_by=event.accepted_by,
                po_number=event.po_number,
                at=received.at,
            )
        )
        return True

    async def _revise(
        self, received: Received[Event], event: RevisionRequested, current: Quote
    ) -> None:
        book = self.book
        limit = book.playbook.proposal.max_versions
        if len(book.state.quotes) >= limit:
            book.reject(received, f"the playbook allows {limit} versions at most")
            return
        try:
            revised = await reprice(
                book,
                current,
                items=event.items,
                discount_percent=event.discount_percent,
                discount_amount=event.discount_amount,
                notes=event.notes,
            )
        except PricingFailed as err:
            book.reject(received, str(err))
            return
        book.applied(received)
        await self._offer(revised)

    async def _offer(self, quote: Quote) -> None:
        """Send a quote version, holding it for the manager when its discount is too large."""
        book = self.book
        if needs_approval(book, quote):
            quote = await approved(book, quote)
        book.offered(quote)
        formal = quote.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        await book.email(
            f"proposal_v{quote.version}",
            "proposal",
            {"quote": quote.model_dump(mode="json"), "formal": formal},
            attachments=[quote.pdf_path] if quote.pdf_path else [],
        )
