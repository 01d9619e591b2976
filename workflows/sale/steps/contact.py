"""CONTACT: the intro email and follow-ups on the playbook's cadence, until the lead replies."""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import ContactResponded, Event, InterestExpressed
    from sales.process import StepName
    from sales.stages import LostReason

from workflows.inbox import Received
from workflows.sale.book import SaleEnded
from workflows.sale.steps.base import Step

# What makes the cadence pointless: the lead answered.
REPLIES = (ContactResponded, InterestExpressed)


class Contact(Step):
    """Intro, then a follow-up after each wait; a reply stops the cadence at once, even while
    an email of it waits for the lead's sending window."""

    name = StepName.CONTACT

    async def run(self) -> None:
        book = self.book
        sent = await book.email("intro", "intro", cancelled_by=REPLIES)
        reply = await self._reply() if sent else await self._kept_reply()
        book.applied(reply)
        if isinstance(reply.event, ContactResponded):
            due = book.expect(
                "seller records interest (interest_expressed) or mark_lost",
                book.playbook.contact.interest_wait,
            )
            interest = await book.next(InterestExpressed, due)
            if interest is None:
                raise SaleEnded(LostReason.STALLED, "replied, but no interest recorded in time")
            book.applied(interest)

    async def _reply(self) -> Received[Event]:
        """The reply or interest, following up after each wait; SaleEnded after the last."""
        book = self.book
        cadence = book.playbook.contact
        waits = [*cadence.follow_ups, cadence.give_up_after]
        for number, wait in enumerate(waits, start=1):
            last = number == len(waits)
            what = "give up" if last else f"follow-up {number}"
            due = book.expect(f"await a reply; {what} after the wait", wait)
            received = await book.next_of(REPLIES, due)
            if received is not None:
                return received
            if not last and not await book.email(
                f"follow_up_{number}", "follow_up", {"number": number}, cancelled_by=REPLIES
            ):
                return await self._kept_reply()
        raise SaleEnded(LostReason.UNRESPONSIVE, f"no reply after {len(waits) - 1} follow-ups")

    async def _kept_reply(self) -> Received[Event]:
        """The reply that cancelled an email of the cadence: it is kept, so it is taken now."""
        received = await self.book.next_of(REPLIES, self.book.now())
        if received is None:  # an email is cancelled only by a reply the sale keeps
            raise ApplicationError("no reply kept after a cancelled email", non_retryable=True)
        return received
