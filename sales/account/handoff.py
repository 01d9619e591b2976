"""The deal a won sale hands to the account: what was needed, bought, signed and ordered."""

from sales.account.records import Handoff, HandoffLine
from sales.items import ItemOfInterest
from sales.playbook import Playbook
from sales.process import StepName
from sales.quote import Quote
from sales.state import SaleState


def accepted_quote(state: SaleState) -> Quote | None:
    """The quote the customer accepted (the latest where the acceptance names none we have)."""
    if state.acceptance is not None:
        for quote in state.quotes:
            if quote.number == state.acceptance.quote_number:
                return quote
    return state.latest_quote


def handoff_of(state: SaleState, playbook: Playbook) -> Handoff:
    """What the account's owner needs to know of the deal, from the sale's state."""
    quote = accepted_quote(state)
    signature = state.signature
    has_contract = playbook.has_step(StepName.CONTRACT)
    return Handoff(
        needs_summary=state.needs.summary if state.needs else None,
        quote_number=quote.number if quote else None,
        lines=[
            HandoffLine(
                sku=line.sku,
                description=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total=line.net,
            )
            for line in (quote.lines if quote else [])
        ],
        net_total=quote.totals.net if quote else None,
        gross_total=quote.totals.total if quote else None,
        currency=quote.currency if quote else playbook.currency,
        terms=playbook.proposal.terms or None,
        contract_number=signature.contract_number if signature else None,
        contract_signed_on=signature.signed_at.date() if signature else None,
        payment_terms=playbook.contract.payment_terms if has_contract else None,
        term_months=playbook.contract.term_months if has_contract else None,
        order_number=state.order.order_number if state.order else None,
        order_amount=state.order.amount if state.order else None,
        ordered_at=state.order.at if state.order else None,
        po_number=state.acceptance.po_number if state.acceptance else None,
    )


def items_of(handoff: Handoff) -> list[ItemOfInterest]:
    """The accepted quote's items: where a renewal or an upsell starts from."""
    return [ItemOfInterest(sku=line.sku, quantity=line.quantity) for line in handoff.lines]
