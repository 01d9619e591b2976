"""Pricing and rendering quote versions, shared by the needs analysis, proposal and tender steps."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from activities.documents import DocumentActivities
    from activities.offers import OfferActivities
    from sales.events import ItemOfInterest, NeedsIdentified
    from sales.playbook import PurchasingProcedure
    from sales.quote import Quote
    from sales.requests import EmailRequest, QuoteRequest
    from sales.stages import LostReason

from workflows.emailing import HEARTBEAT_TIMEOUT, carried_until_done, records
from workflows.sale import references
from workflows.sale.events import SaleEnded
from workflows.sale.sale import Sale
from workflows.sale.steps import orientation
from workflows.sale.steps.base import ACTIVITY_TIMEOUT, DOCUMENT_HEARTBEAT
from workflows.versions import OFFER_WITH_ITS_QUOTE

LEAD_ITEMS = "the lead's items "


class PricingFailed(Exception):
    """The items of a request cannot be priced (unknown sku, no price in the currency)."""


async def prepare_quote(
    sale: Sale,
    needs: NeedsIdentified,
    procedure: PurchasingProcedure,
    items: list[ItemOfInterest],
    *,
    discount_percent: Decimal | None = None,
    discount_amount: Decimal | None = None,
    notes: str | None = None,
    offer: bool = False,
) -> Quote:
    """Price and render the next quote version; PricingFailed names what cannot be priced.
    `offer`: the quote is offered at once, and from process version 11 the activity that
    prices it sends its email too, where it may (`offer_email`)."""
    version = len(sale.state.quotes) + 1
    request = QuoteRequest(
        workflow_id=sale.state.workflow_id,
        lead=references.lead_of(sale),
        playbook=sale.playbook,
        version=version,
        issued_on=sale.now().date(),
        items=items,
        discount_percent=discount_percent or Decimal(0),
        discount_amount=discount_amount,
        purchasing_procedure=procedure,
        needs=needs,
        notes=notes,
    )

    async def render() -> Quote:
        # The offer's email built at each try, as an email's is: its playbook as this try has it.
        email = offer_email(sale, procedure, version) if offer else None
        try:
            if email is not None:
                asked = request.model_copy(update={"offer": email})
                return await _offered(sale, sale.with_playbook(asked), email)
            return await workflow.execute_activity_method(
                DocumentActivities.prepare_quote,
                sale.with_playbook(request),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                heartbeat_timeout=DOCUMENT_HEARTBEAT,
                summary=f"price and render quote v{request.version}",
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.type == "PricingError":
                raise PricingFailed(f"cannot be quoted: {cause.message}") from err
            raise

    return await sale.operations.run(
        f"price and render quote v{request.version}", render, errors=(PricingFailed,)
    )


def offer_email(sale: Sale, procedure: PurchasingProcedure, version: int) -> EmailRequest | None:
    """From process version 11, the email of an offer that goes as soon as it is priced, for
    the pricing activity to send (the orientation first, if it is still to go): None where the
    proposal waits for the lead's window, was sent or cancelled, or the sale is ending."""
    sale_version = sale.process_version
    step = f"proposal_v{version}"
    if (
        sale_version is None
        or sale_version < OFFER_WITH_ITS_QUOTE
        or not sale.outreach_rules
        or sale.playbook.outreach.waits("proposal")
        or sale.sent(step)
        or sale.cancelled(step)
        or sale.events.ending is not None
    ):
        return None
    formal = procedure is PurchasingProcedure.FORMAL_PROPOSAL
    earlier = orientation.before_offer(sale)
    return sale.mail.request(step, "proposal", {"formal": formal}, earlier=earlier)


async def _offered(sale: Sale, request: QuoteRequest, email: EmailRequest) -> Quote:
    """The quote from `offer_quote`, its emails recorded as the sale's if it sent them; the
    activity is cancelled when the sale ends meanwhile (an opt-out), as an email's is."""
    handle = workflow.start_activity_method(
        OfferActivities.offer_quote,
        request,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        heartbeat_timeout=HEARTBEAT_TIMEOUT,
        summary=f"price and render quote v{request.version}; its offer unless held",
        cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    )
    offered = await carried_until_done(handle, lambda: sale.events.ending)
    if offered.offer is not None:
        for record in records(email.with_quote(offered.quote, request.needs), offered.offer):
            sale.emailed(record)
    return offered.quote


async def reprice(
    sale: Sale,
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
    needs = sale.state.needs
    if needs is None:  # a sale always records its needs before its first quote
        raise ApplicationError("no needs recorded to reprice from", non_retryable=True)
    return await prepare_quote(
        sale,
        needs,
        current.purchasing_procedure,
        lines,
        discount_percent=discount_percent,
        discount_amount=discount_amount,
        notes=notes,
    )


async def priced_needs(
    sale: Sale, due: datetime, *, offer: bool = False
) -> tuple[NeedsIdentified, Quote]:
    """The prospect's needs and their first quote; needs that cannot be priced are rejected.
    `offer`: the quote is offered as soon as it is priced (see `prepare_quote`)."""
    while True:
        received = await sale.events.next(NeedsIdentified, due)
        if received is None:
            raise SaleEnded(LostReason.STALLED, "needs were not identified in time")
        needs = received.event
        try:
            quote = await prepare_quote(
                sale,
                needs,
                needs.purchasing_procedure or sale.playbook.proposal.default_purchasing_procedure,
                needs.items,
                discount_percent=needs.discount_percent,
                discount_amount=needs.discount_amount,
                offer=offer,
            )
        except PricingFailed as err:
            sale.events.reject(received, str(err))
            continue
        sale.events.applied(received)
        sale.needs_recorded(needs)
        return needs, quote


async def first_offer(sale: Sale, *, offer: bool = False) -> Quote:
    """The quote an offer step starts from: priced by the needs analysis, or from the lead's items,
    or from the needs a seller records now (playbooks without a needs analysis). `offer`: a quote
    priced here is offered at once (see `prepare_quote`)."""
    if sale.draft is not None:
        return sale.draft
    lead_items = sale.lead.items
    tried = any(note.startswith(LEAD_ITEMS) for note in sale.state.notes)  # in an earlier run
    if lead_items and not tried:
        needs = NeedsIdentified(summary="items ordered with the lead", items=lead_items)
        procedure = sale.playbook.proposal.default_purchasing_procedure
        try:
            quote = await prepare_quote(sale, needs, procedure, lead_items, offer=offer)
        except PricingFailed as err:
            sale.note(f"{LEAD_ITEMS}{err}; waiting for needs_identified")
        else:
            sale.needs_recorded(needs)
            return quote
    due = sale.expect(
        "seller records needs and items (needs_identified)", sale.playbook.needs_analysis.timeout
    )
    return (await priced_needs(sale, due, offer=offer))[1]


def expiry(quote: Quote) -> datetime:
    """The end (UTC) of the quote's printed validity date: what the buyer reads is what holds."""
    return datetime.combine(quote.valid_until + timedelta(days=1), time(0), tzinfo=UTC)
