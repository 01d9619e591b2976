"""The first offer priced and sent by one activity (process version 11): the quote priced,
rendered and filed as `prepare_quote` does it, then its email, with the orientation before it,
as `send_email` sends them; one billed action and one workflow task less than two activities.

Never held by its email: a discount that waits for a manager sends nothing, and an email that
cannot go (the mail server down, the address refused, the lead on the opt-out list) comes back
as no receipt, for the sale to send the offer the usual way, retried and reported as ever.
"""

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.documents import DocumentActivities
from activities.email import EmailActivities
from activities.heartbeat import heartbeating
from activities.playbooks import store_for
from sales.requests import OfferedQuote, QuoteRequest
from settings import Settings


class OfferActivities:
    """Prices a quote and sends the offer's email in one activity (see the module)."""

    def __init__(
        self, settings: Settings, documents: DocumentActivities, emails: EmailActivities
    ) -> None:
        self._playbooks_dir = settings.playbooks_dir
        self._documents = documents
        self._emails = emails

    @activity.defn
    async def offer_quote(self, request: QuoteRequest) -> OfferedQuote:
        """Price, render and file the quote; then send the offer's email the request carries,
        unless the quote's discount waits for a manager's approval."""
        # Heartbeats, as an email's do: a worker dying here is noticed in seconds. They keep
        # what the last attempt's said (an email delivered), for the next one to read.
        async with heartbeating(lambda: tuple(activity.info().heartbeat_details)):
            quote = await self._documents.prepare_quote(request)
        offer = request.offer
        if offer is None:
            return OfferedQuote(quote=quote)
        policy = store_for(self._playbooks_dir).complete(request).book.proposal
        if quote.totals.need_approval(policy.discount_approval_threshold):
            return OfferedQuote(quote=quote)
        email = offer.with_quote(quote, request.needs)
        delivered: list[str] = []
        try:
            receipt = await self._emails.complete_and_deliver(email, delivered)
        except ApplicationError as err:
            if delivered:
                # The orientation went and the offer did not: this activity is retried, and
                # its heartbeat keeps the orientation from going twice.
                raise ApplicationError(
                    f"{email.step} failed after {len(delivered)} email(s) went: {err.message}",
                    type="OfferIncomplete",
                ) from err
            activity.logger.info("the offer was left to the sale: %s", err)
            return OfferedQuote(quote=quote)
        return OfferedQuote(quote=quote, offer=receipt)
