"""CONTACT: the intro email and follow-ups on the playbook's cadence, until the lead replies."""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sales.events import ContactResponded, Event, InterestExpressed
    from sales.process import StepName
    from sales.stages import LostReason

from workflows.received import Received
from workflows.sale import api
from workflows.sale.events import SaleEnded
from workflows.sale.steps.base import Step

# What makes the cadence pointless: the lead answered.
REPLIES = (ContactResponded, InterestExpressed)
INTRO = "intro"


class Contact(Step):
    """Intro, then a follow-up after each wait; a reply stops the cadence at once, even while
    an email of it waits for the lead's sending window."""

    name = StepName.CONTACT

    async def run(self) -> None:
        sale = self.sale
        events = sale.events
        # A resumed run already took the reply when it waits for the seller's interest.
        if api.CONTACT_RESPONDED.name not in self._applied():
            sent = sale.sent(INTRO)  # from process version 8, often by the qualification
            if not sent and not sale.cancelled(INTRO):
                sent = await sale.mail.send(INTRO, INTRO, cancelled_by=REPLIES)
            reply = await self._reply() if sent else await self._kept_reply()
            events.applied(reply)
            if not isinstance(reply.event, ContactResponded):
                return
        due = sale.expect(
            "seller records interest (interest_expressed) or mark_lost",
            sale.playbook.contact.interest_wait,
        )
        interest = await events.next(InterestExpressed, due)
        if interest is None:
            raise SaleEnded(LostReason.STALLED, "replied, but no interest recorded in time")
        events.applied(interest)

    def _applied(self) -> set[str]:
        return {event.signal for event in self.sale.state.applied_events}

    async def _reply(self) -> Received[Event]:
        """The reply or interest, following up after each wait; SaleEnded after the last."""
        sale = self.sale
        cadence = sale.playbook.contact
        waits = [*cadence.follow_ups, cadence.give_up_after]
        for number, wait in enumerate(waits, start=1):
            last = number == len(waits)
            step = f"follow_up_{number}"
            if not last and sale.sent(step):  # over in an earlier run
                continue
            if not sale.is_due(step):  # a resumed run may be past the wait, sending it
                what = "give up" if last else f"follow-up {number}"
                description = f"await a reply; {what} after the wait"
                due = sale.expect(description, wait)
                if not last:  # the follow-up goes when the lead's window is open (version 9)
                    at_window = sale.window.at_window("follow_up", due)
                    if at_window != due:
                        sale.expect_at(description, at_window)
                        due = at_window
                received = await sale.events.next_of(REPLIES, due)
                if received is not None:
                    return received
                if not last:
                    sale.email_due(step)
            if not last and not await sale.mail.send(
                step, "follow_up", {"number": number}, cancelled_by=REPLIES
            ):
                return await self._kept_reply()
        raise SaleEnded(LostReason.UNRESPONSIVE, f"no reply after {len(waits) - 1} follow-ups")

    async def _kept_reply(self) -> Received[Event]:
        """The reply that cancelled an email of the cadence: it is kept, so it is taken now."""
        received = await self.sale.events.next_of(REPLIES, self.sale.now())
        if received is None:  # an email is cancelled only by a reply the sale keeps
            raise ApplicationError("no reply kept after a cancelled email", non_retryable=True)
        return received
