"""PROPOSAL: quote versions, large discounts held for approval, reminders, expiry, acceptance."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from sales.events import (
        DiscountApproved,
        ItemOfInterest,
        NeedsIdentified,
        ProposalAccepted,
        ProposalRejected,
        RevisionRequested,
    )
    from sales.playbook import OnApprovalTimeout, OnExpiry, PurchasingProcedure
    from sales.quote import Quote
    from sales.requests import QuoteRequest
    from sales.stages import LostReason, SalesStage
    from sales.state import Acceptance

from workflows import search_attributes as sa
from workflows.inbox import Received
from workflows.sale_book import SaleBook, SaleEnded

ACTIVITY_TIMEOUT = timedelta(minutes=2)
ANSWERS = {"proposal_accepted", "revision_requested", "proposal_rejected", "discount_approved"}


class PricingFailed(Exception):
    """The items of a request cannot be priced (unknown sku, no price in the currency)."""


async def prepare_quote(
    book: SaleBook,
    needs: NeedsIdentified,
    procedure: PurchasingProcedure,
    items: list[ItemOfInterest],
    discount_percent: Decimal | None,
    discount_amount: Decimal | None = None,
    notes: str | None = None,
) -> Quote:
    """Price and render the next quote version; PricingFailed names what cannot be priced."""
    request = QuoteRequest(
        workflow_id=book.state.workflow_id,
        lead=book.lead,
        playbook=book.playbook,
        version=len(book.state.quotes) + 1,
        issued_on=workflow.now().date(),
        items=items,
        discount_percent=discount_percent or Decimal(0),
        discount_amount=discount_amount,
        purchasing_procedure=procedure,
        needs=needs,
        notes=notes,
    )
    try:
        return await workflow.execute_activity_method(
            DocumentActivities.prepare_quote,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            summary=f"price and render quote v{request.version}",
        )
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "PricingError":
            raise PricingFailed(f"cannot be quoted: {cause.message}") from err
        raise


def expiry(quote: Quote) -> datetime:
    """The end (UTC) of the quote's printed validity date: what the buyer reads is what holds."""
    return datetime.combine(quote.valid_until + timedelta(days=1), time(0), tzinfo=UTC)


class Negotiation:
    """Runs the PROPOSAL stage until a quote is accepted; SaleEnded when the sale is lost here."""

    def __init__(self, book: SaleBook, needs: NeedsIdentified) -> None:
        self.book = book
        self.needs = needs
        self.policy = book.playbook.proposal

    async def run(self, first: Quote) -> None:
        book = self.book
        book.enter(SalesStage.PROPOSAL)
        await self._offer(first)
        while True:
            current = book.state.quotes[-1]
            expires_at = expiry(current)
            remind_at = expires_at - self.policy.reminder_before_expiry
            reminder = f"proposal_v{current.version}_reminder"
            late = book.sent(reminder) or remind_at <= workflow.now()
            due = expires_at if late else remind_at
            book.expect_at(f"prospect answers quote {current.number}", due)
            received = await book.next(ANSWERS, due)
            if received is None:
                if due == expires_at:
                    await self._expired(current)
                else:
                    context = {"quote": current.model_dump(mode="json")}
                    await book.email(reminder, "proposal_reminder", context)
                continue
            event = received.event
            if isinstance(event, DiscountApproved):
                book.reject(received, "no quote is waiting for a discount approval")
            elif isinstance(event, ProposalRejected):
                book.applied(received)
                raise SaleEnded(LostReason.PROPOSAL_REJECTED, event.reason)
            elif isinstance(event, ProposalAccepted):
                if self._accept(received, event, current):
                    return
            elif isinstance(event, RevisionRequested):
                await self._revise(received, event, current)

    async def _expired(self, quote: Quote) -> None:
        """Per the playbook: the sale is lost, or the same offer goes out again as a new version."""
        book = self.book
        book.state.expired.append(quote.number)
        versions_left = len(book.state.quotes) < self.policy.max_versions
        if self.policy.on_expiry is OnExpiry.NEW_VERSION and versions_left:
            try:
                reissued = await self._reprice(
                    quote, notes=f"re-issued after {quote.number} expired"
                )
            except PricingFailed as err:
                raise SaleEnded(
                    LostReason.PROPOSAL_EXPIRED, f"{quote.number} expired; {err}"
                ) from err
            await self._offer(reissued)
            return
        raise SaleEnded(LostReason.PROPOSAL_EXPIRED, f"{quote.number} expired")

    def _accept(self, received: Received, event: ProposalAccepted, current: Quote) -> bool:
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
        if formal and not event.po_number:
            book.reject(received, "a formal proposal is accepted with a po_number")
            return False
        book.applied(received)
        book.state.acceptance = Acceptance(
            quote_number=current.number,
            accepted_by=event.accepted_by,
            po_number=event.po_number,
            at=received.at,
        )
        return True

    async def _revise(self, received: Received, event: RevisionRequested, current: Quote) -> None:
        book = self.book
        if len(book.state.quotes) >= self.policy.max_versions:
            book.reject(
                received, f"the playbook allows {self.policy.max_versions} versions at most"
            )
            return
        try:
            revised = await self._reprice(
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

    async def _reprice(
        self,
        current: Quote,
        *,
        items: list[ItemOfInterest] | None = None,
        discount_percent: Decimal | None = None,
        discount_amount: Decimal | None = None,
        notes: str | None = None,
    ) -> Quote:
        """A new version of `current`, with whatever the revision changes."""
        totals = current.totals
        if discount_percent is None and discount_amount is None:
            amount_based = not totals.discount_percent and totals.discount
            discount_percent = None if amount_based else totals.discount_percent
            discount_amount = totals.discount if amount_based else None
        lines = items or [
            ItemOfInterest(
                sku=line.sku,
                quantity=line.quantity,
                discount_percent=line.discount_percent or None,
                discount_amount=line.discount_amount or None,
            )
            for line in current.lines
        ]
        return await prepare_quote(
            self.book,
            self.needs,
            current.purchasing_procedure,
            lines,
            discount_percent,
            discount_amount,
            notes,
        )

    async def _offer(self, quote: Quote) -> None:
        """Send a quote version, holding it for the manager when its discount is too large."""
        book = self.book
        given = quote.totals.effective_discount_percent
        if given > self.policy.discount_approval_threshold:
            quote = await self._approval(quote, given)
        book.state.quotes.append(quote)
        formal = quote.purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL
        book.record_document(
            "proposal" if formal else "quote",
            quote.number,
            quote.version,
            quote.html_path,
            quote.pdf_path,
        )
        book.upsert(sa.DEAL_VALUE.value_set(float(quote.totals.net)))
        await book.email(
            f"proposal_v{quote.version}",
            "proposal",
            {"quote": quote.model_dump(mode="json"), "formal": formal},
            attachments=[quote.pdf_path] if quote.pdf_path else [],
        )

    async def _approval(self, quote: Quote, given: Decimal) -> Quote:
        """The quote once the manager approves; without the excess discount, or lost, if not."""
        book = self.book
        threshold = self.policy.discount_approval_threshold
        book.state.awaiting_discount_approval = True
        await book.email(
            f"discount_approval_v{quote.version}",
            "discount_approval_request",
            {
                "quote": quote.model_dump(mode="json"),
                "discount_percent": str(given),
                "threshold": str(threshold),
            },
            to=book.playbook.seller.sales_manager_email,
        )
        due = book.expect(
            f"sales manager approves {given}% off (discount_approved)",
            self.policy.approval_timeout,
        )
        received = await book.next({"discount_approved"}, due)
        book.state.awaiting_discount_approval = False
        if received is not None:
            approval = received.event
            assert isinstance(approval, DiscountApproved)
            book.applied(received)
            book.state.discount_approved_by = approval.approver
            return quote
        if self.policy.on_approval_timeout is OnApprovalTimeout.WITHOUT_DISCOUNT:
            plain = [ItemOfInterest(sku=line.sku, quantity=line.quantity) for line in quote.lines]
            try:
                return await self._reprice(
                    quote,
                    items=plain,
                    discount_percent=threshold,
                    notes=f"{given}% was not approved; the allowed {threshold}% applies",
                )
            except PricingFailed as err:
                raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, str(err)) from err
        raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, f"{quote.number} not approved")
