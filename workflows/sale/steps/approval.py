"""Discount approval: a quote whose discount passes the playbook's threshold waits for a manager."""

from datetime import datetime
from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import DiscountApproved, ItemOfInterest
    from sales.playbook import OnApprovalTimeout
    from sales.quote import Quote
    from sales.stages import LostReason

from workflows.sale.events import SaleEnded
from workflows.sale.sale import Sale
from workflows.sale.steps.quoting import PricingFailed, reprice


class ApprovalTooLate(Exception):
    """No approval came before the moment the caller had to go on without one."""


def needs_approval(sale: Sale, quote: Quote) -> bool:
    return quote.totals.need_approval(sale.playbook.proposal.discount_approval_threshold)


async def approved(sale: Sale, quote: Quote, *, by: datetime | None = None) -> Quote:
    """The quote once the manager approves; at the allowed discount, or lost, if not.

    `by` caps the wait (a tender's deadline) when it comes before the playbook's timeout;
    ApprovalTooLate when that cap, not the playbook, ended the wait.
    """
    policy = sale.playbook.proposal
    threshold = policy.discount_approval_threshold
    given = quote.totals.effective_discount_percent
    sale.draft = quote  # priced, held for the manager: a resumed run finds it here
    sale.awaiting_approval(True)
    request = f"discount_approval_v{quote.version}"
    if not sale.sent(request):
        await sale.mail.send(
            request,
            "discount_approval_request",
            {
                "quote": quote.model_dump(mode="json"),
                "discount_percent": str(given),
                "threshold": str(threshold),
            },
            to=sale.playbook.seller.sales_manager_email,
        )
    due = sale.expect(
        f"sales manager approves {given}% off (discount_approved)", policy.approval_timeout
    )
    # A resumed run finds the capped due itself: the cap still decides.
    capped = by is not None and by <= due
    if by is not None and capped:
        due = by
        sale.expect_at(f"sales manager approves {given}% off (discount_approved)", due)
    received = await sale.events.next(DiscountApproved, due)
    sale.awaiting_approval(False)
    if received is not None:
        sale.events.applied(received)
        sale.discount_approved(received.event.approver)
        return quote
    if capped:
        raise ApprovalTooLate(f"{given}% off {quote.number} was not approved in time")
    if policy.on_approval_timeout is OnApprovalTimeout.WITHOUT_DISCOUNT:
        plain = [ItemOfInterest(sku=line.sku, quantity=line.quantity) for line in quote.lines]
        try:
            return await reprice(
                sale,
                quote,
                items=plain,
                discount_percent=Decimal(threshold),
                notes=f"{given}% was not approved; the allowed {threshold}% applies",
            )
        except PricingFailed as err:
            raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, str(err)) from err
    raise SaleEnded(LostReason.DISCOUNT_NOT_APPROVED, f"{quote.number} not approved")
