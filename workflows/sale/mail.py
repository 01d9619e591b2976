"""The sale's emails: once each, stopped by an opt-out; outreach inside the lead's sending
window, and never after the reply or answer that made it pointless.

A refused address of the seller's own (a sales manager's) is a mistake for a person to
fix, so the sale waits for it; the lead's own address refused is a bounce.
"""

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sales.events import Event
    from sales.playbook import Playbook
    from sales.requests import CarriedEmail, ContractDraft, EmailRequest
    from sales.sending import scheduled
    from sales.stages import LostReason
    from sales.state import EmailRecord

from workflows.emailing import MissedDeadline, Stopped, Suppressed, Undeliverable, send_emails
from workflows.sale import references
from workflows.sale.events import SaleEnded
from workflows.sale.operations import NeedsAttention

if TYPE_CHECKING:
    from workflows.sale.sale import Sale


class Cancelled(Exception):
    """An email not sent: the event that made it pointless came while it was being sent."""


class Mail:
    """Sends the sale's emails, inside the lead's sending window where they wait for it."""

    def __init__(self, sale: "Sale") -> None:
        self._sale = sale

    async def send(
        self,
        step: str,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        to: str | None = None,
        attachments: list[str] | None = None,
        within: timedelta | None = None,
        outreach: bool = True,
        cancelled_by: tuple[type[Event], ...] = (),
        before: datetime | None = None,
        context_files: dict[str, str] | None = None,
        contract: ContractDraft | None = None,
        earlier: CarriedEmail | None = None,
    ) -> bool:
        """Send one email of the sale; nothing goes out after a bounce, opt-out or mark_lost,
        and one being sent or retried when the sale ends is cancelled.

        An email the playbook holds for the lead's sending window (`template`, its name in
        the process, in `outreach.wait_for_window`) waits for it; every other one goes at
        once. False when it was not sent: an event of `cancelled_by` came first (before the
        email, while it waited, or while it was being retried), or its window opens only at
        `before` or later. `outreach`: the rule of sales begun before those rules.
        `context_files`: context the email reads from the document store; `contract`: one it
        renders, files and attaches (recorded among the sale's documents when sent);
        `earlier`: an email to the same recipient the same activity sends first (recorded
        first), which the caller has checked may go when this one does.
        """
        sale = self._sale
        events = sale.events
        if events.ending is not None:
            raise events.ending
        lead = sale.lead
        to_lead = to in (None, lead.email)
        if sale.outreach_rules and to_lead:
            first = events.first_kept(cancelled_by)
            if first is not None:
                sale.email_cancelled(step, f"{first.signal} came first")
                return False
            if sale.playbook.outreach.waits(template) and not await self._window(
                step, cancelled_by, before
            ):
                return False
        elif outreach and to_lead:
            await self._within_window(step)

        def this_try() -> EmailRequest:
            # Built at each try: a retry command may have corrected a seller's address.
            return self.request(
                step,
                template,
                context,
                to=to,
                attachments=attachments,
                context_files=context_files,
                contract=contract,
                earlier=earlier,
            )

        cancels = cancelled_by if sale.outreach_rules else ()
        try:
            records = await sale.operations.run(
                f"email {step}",
                lambda: self._send(this_try(), within=within, sellers=not to_lead, cancels=cancels),
                errors=(MissedDeadline, Cancelled),
            )
        except Cancelled as cancelled:
            sale.email_cancelled(step, str(cancelled))
            return False
        for record in records:
            sale.emailed(record)
        return True

    def request(
        self,
        step: str,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        to: str | None = None,
        attachments: list[str] | None = None,
        context_files: dict[str, str] | None = None,
        contract: ContractDraft | None = None,
        earlier: CarriedEmail | None = None,
    ) -> EmailRequest:
        """One email of the sale as its activity gets it (to the lead unless `to`)."""
        sale = self._sale
        corrected = self._corrected_playbook()
        return EmailRequest(
            workflow_id=sale.state.workflow_id,
            step=step,
            template=sale.playbook.email_template(template),
            to=self._addressed(to) if to else sale.lead.email,
            lead=references.lead_of(sale),
            playbook=sale.playbook_for_activity() if corrected is None else corrected,
            context=context or {},
            attachments=attachments or [],
            context_files=context_files or {},
            contract=contract,
            earlier=earlier,
        )

    def _addressed(self, to: str) -> str:
        """The seller's address to use: the sales manager's as a retry command corrected it."""
        corrected = self._sale.state.sales_manager_email
        manager = str(self._sale.playbook.seller.sales_manager_email)
        return corrected if corrected and to == manager else to

    def _corrected_playbook(self) -> Playbook | None:
        """The playbook with the sales manager's address as corrected, so that mail to it is
        still the seller's own (no unsubscribe links, no opt-out check); None uncorrected."""
        playbook = self._sale.playbook
        corrected = self._sale.state.sales_manager_email
        if not corrected:
            return None
        seller = playbook.seller.model_copy(update={"sales_manager_email": corrected})
        return playbook.model_copy(update={"seller": seller})

    async def _send(
        self,
        request: EmailRequest,
        *,
        within: timedelta | None,
        sellers: bool,
        cancels: tuple[type[Event], ...],
    ) -> list[EmailRecord]:
        events = self._sale.events

        def stop() -> bool:
            return events.ending is not None or events.first_kept(cancels) is not None

        try:
            return await send_emails(
                request, process_version=self._sale.process_version, within=within, stop=stop
            )
        except Stopped as stopped:
            first = events.first_kept(cancels)
            if events.ending is None and first is not None:
                raise Cancelled(f"{first.signal} came while it was being sent") from stopped
            raise (events.ending or SaleEnded(LostReason.OTHER, str(stopped))) from stopped
        except Suppressed as suppressed:
            raise SaleEnded(
                LostReason.OPTED_OUT, str(suppressed), by="the opt-out list", listed=True
            ) from suppressed
        except Undeliverable as refused:
            if sellers:
                raise NeedsAttention(f"{request.to} refused {request.step}: {refused}") from refused
            # The lead's own address refused for good: the same as a bounce signal.
            raise SaleEnded(LostReason.BOUNCED, str(refused), by="the mail server") from refused

    async def _window(
        self, step: str, cancelled_by: tuple[type[Event], ...], before: datetime | None
    ) -> bool:
        """Wait, if need be, for the lead's next sending window: True when it is open, False
        when an event of `cancelled_by` came first or the window opens at `before` or later;
        an opt-out ends the wait."""
        sale = self._sale
        send_at, zone = await self._sale.window.send_time()
        if send_at <= sale.now():
            return True
        when = scheduled(send_at, zone)
        if before is not None and send_at >= before:
            sale.email_cancelled(step, f"its sending window opens {when}, too late")
            return False
        sale.expect_at(f"{step.replace('_', ' ')} scheduled {when}", send_at)
        first = await sale.events.next_of(cancelled_by, send_at)
        if first is None:
            return True
        sale.events.put_back(first)  # for the step, which acts on it next
        sale.email_cancelled(step, f"{first.signal} came while it waited for {when}")
        return False

    async def _within_window(self, step: str) -> None:
        """Wait, if need be, for the lead's next sending window; an opt-out ends the wait.
        (Every email to the lead of a sale begun before the outreach rules.)"""
        sale = self._sale
        if sale.playbook.outreach.window is None:
            return
        send_at, zone = await self._sale.window.send_time()
        if send_at > sale.now():
            sale.expect_at(
                f"{step.replace('_', ' ')} scheduled {scheduled(send_at, zone)}", send_at
            )
            await sale.events.next_of((), send_at)
