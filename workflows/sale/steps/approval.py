"""Discount approval: a quote whose discount passes the playbook's threshold waits for a manager."""

from datetime import datetime
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import DiscountApproved, ItemOfInterest
    from sales.playbook import OnApprovalTimeout
    from sales.quote import Quote
    from sales.stages import LostReason

from workflows.sale.book import SaleBook, SaleEnded
from workflows.sale.steps.quoting import PricingFailed, reprice


class ApprovalTooLate(Exception):
    """No approval came before the moment the caller had to go on without one."""


def needs_approval(book: SaleBook, quote: Quote) -> bool:
    threshold = book.playbook.proposal.discount_approval_threshold
    return quote.totals.effective_discount_percent > threshold


async def approved(book: SaleBook, quote: Quote, *, by: datetime | None = None) -> Quote:
    """The quote once the manager approves; at the allowed discount, or lost, if not.

    `by` caps the wait (a tender's deadline) when it comes before the playbook's timeout;
    ApprovalTooLate when that cap, not the playbook, ended the wait.
    """
    policy = book.playbook.proposal
    threshold = policy.discount_approval_threshold
    given = quote.totals.effective_discount_percent
    book.awaiting_approval(True)
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
        f"sales manager approves {given}% off (discount_approved)", policy.approval_timeout
    )
    capped = by is not None and by < due
    if by is not None and capped:
        due = by
        book.expect_at(f"sales manager approves {given}% off (discount_approved)", due)
    received = await book.next(DiscountApproved, due)
    book.awaiting_approval(False)
    if received is not None:
        book.applied(received)
        book.discount_approved(received.event.approver)
        return quote
    if capped:
        raise ApprovalTooLate(f"{given}% off {quote.number} was not approved in time")
    if policy.on_approval_timeout is OnApprovalTimeout.WITHOUT_DISCOUNT:
        plain = [ItemOfInterest(sku=line.sku, quantity=line.quantity) for line in quote.lines]
        try:
            return await reprice(
                book,
                quote,
                items=plain,
                discount_percent=Decimal(threshold),
                notes=f"{given}% was not approved; the allowed {threshold}% applies",
            )
        except PricingFailed as err:
            raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, str(err)) from err
    raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, f"{quote.number} not approved")
