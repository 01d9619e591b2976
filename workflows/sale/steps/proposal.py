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

from workflows.received import Received
from workflows.sale import references
from workflows.sale.events import SaleEnded
from workflows.sale.steps import orientation
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
        sale = self.sale
        policy = sale.playbook.proposal
        quotes = sale.state.quotes
        # A resumed run may find a version held for approval, or out without its email yet.
        if sale.draft is not None and sale.state.awaiting_discount_approval:
            await self._offer(sale.draft)
        elif not quotes:
            await self._offer(await first_offer(sale, offer=True))
        elif not self._emailed(quotes[-1]):
            await self._email(quotes[-1])
        while True:
            current = sale.state.quotes[-1]
            expires_at = expiry(current)
            reminder = f"proposal_v{current.version}_reminder"
            if not sale.is_due(reminder):
                due = expires_at
                reminded = sale.sent(reminder) or sale.cancelled(reminder)
                if policy.reminder_before_expiry is not None and not reminded:
                    remind_at = expires_at - policy.reminder_before_expiry
                    due = remind_at if remind_at > sale.now() else expires_at
                    if due != expires_at:  # when the reminder can go (process version 9)
                        due = min(sale.window.at_window("proposal_reminder", due), expires_at)
                sale.expect_at(f"prospect answers quote {current.number}", due)
                received = await sale.events.next_of(ANSWERS, due)
                if received is not None:
                    await self._answered(received, current)
                    if sale.state.acceptance is not None:
                        return
                    continue
                if due == expires_at:
                    await self._expired(current)
                    continue
                sale.email_due(reminder)
            context, files = references.quote_context(sale, current)
            await sale.mail.send(
                reminder,
                "proposal_reminder",
                context,
                cancelled_by=REPLIES,
                before=expires_at,
                context_files=files,
            )

    async def _answered(self, received: Received[Event], current: Quote) -> None:
        """The prospect's answer: rejected (lost), accepted, a revision, or a stray approval."""
        events = self.sale.events
        match received.event:
            case DiscountApproved():
                events.reject(received, "no quote is waiting for a discount approval")
            case ProposalRejected(reason=reason):
                events.applied(received)
                raise SaleEnded(LostReason.PROPOSAL_REJECTED, reason)
            case ProposalAccepted() as event:
                self._accept(received, event, current)
            case RevisionRequested() as event:
                await self._revise(received, event, current)

    def refuse(self, event: Event) -> str | None:
        sale = self.sale
        if isinstance(event, DiscountApproved) and not sale.state.awaiting_discount_approval:
            return "no quote is waiting for a discount approval"
        if isinstance(event, RevisionRequested):
            limit = sale.playbook.proposal.max_versions
            if len(sale.state.quotes) >= limit:
                return f"the playbook allows {limit} versions at most"
        return None

    async def _expired(self, quote: Quote) -> None:
        """Per the playbook: the sale is lost, or the same offer goes out again as a new version."""
        sale = self.sale
        policy = sale.playbook.proposal
        sale.expired(quote.number)
        versions_left = len(sale.state.quotes) < policy.max_versions
        if policy.on_expiry is OnExpiry.NEW_VERSION and versions_left:
            try:
                reissued = await reprice(
                    sale, quote, notes=f"re-issued after {quote.number} expired"
                )
            except PricingFailed as err:
                raise SaleEnded(
                    LostReason.PROPOSAL_EXPIRED, f"{quote.number} expired; {err}"
                ) from err
            await self._offer(reissued)
            return
        raise SaleEnded(LostReason.PROPOSAL_EXPIRED, f"{quote.number} expired")

    def _accept(self, received: Received[Event], event: ProposalAccepted, current: Quote) -> None:
        sale = self.sale
        named = event.quote_number
        if named is not None and named in sale.state.expired:
            sale.events.reject(
                received, f"quote {named} has expired; the current one is {current.number}"
            )
            return
        if named is not None and named != current.number:
            sale.events.reject(
                received,
                f"quote {named} is superseded by {current.number}; "
                "only the latest version can be accepted",
            )
            return
        formal = current.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        if (formal or sale.playbook.proposal.po_number_required) and not event.po_number:
            what = "a formal proposal" if formal else "an offer under this playbook"
            sale.events.reject(received, f"{what} is accepted with a po_number")
            return
        sale.events.applied(received)
        sale.accepted(
            Acceptance(
                quote_number=current.number,
                accepted_by=event.accepted_by,
                po_number=event.po_number,
                at=received.at,
            )
        )

    async def _revise(
        self, received: Received[Event], event: RevisionRequested, current: Quote
    ) -> None:
        sale = self.sale
        limit = sale.playbook.proposal.max_versions
        if len(sale.state.quotes) >= limit:
            sale.events.reject(received, f"the playbook allows {limit} versions at most")
            return
        try:
            revised = await reprice(
                sale,
                current,
                items=event.items,
                discount_percent=event.discount_percent,
                discount_amount=event.discount_amount,
                notes=event.notes,
            )
        except PricingFailed as err:
            sale.events.reject(received, str(err))
            return
        sale.events.applied(received)
        await self._offer(revised)

    async def _offer(self, quote: Quote) -> None:
        """Send a quote version, holding it for the manager when its discount is too large."""
        sale = self.sale
        if needs_approval(sale, quote):
            quote = await approved(sale, quote)
        sale.offered(quote)
        await self._email(quote)

    def _emailed(self, quote: Quote) -> bool:
        step = f"proposal_v{quote.version}"
        return self.sale.sent(step) or self.sale.cancelled(step)

    async def _email(self, quote: Quote) -> None:
        if self._emailed(quote):  # sent by the activity that priced it (process version 11)
            return
        formal = quote.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        context, files = references.quote_context(self.sale, quote)
        await self.sale.mail.send(
            f"proposal_v{quote.version}",
            "proposal",
            {**context, "formal": formal},
            attachments=[quote.pdf_path] if quote.pdf_path else [],
            context_files=files,
            earlier=orientation.with_offer(self.sale),
        )
