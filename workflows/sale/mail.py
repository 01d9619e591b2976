"""The sale's emails: inside the lead's sending window, once each, stopped by an opt-out.

A refused address of the seller's own (a sales manager's) is a mistake for a person to
fix, so the sale waits for it; the lead's own address refused is a bounce.
"""

from datetime import date, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import public_holidays
    from sales.events import RetryRequested
    from sales.lead import Lead
    from sales.playbook import Playbook
    from sales.requests import EmailRequest, HolidaysRequest
    from sales.sending import next_send_time, parse_window, zone_of
    from sales.stages import LostReason
    from sales.state import EmailRecord

from workflows.emailing import MissedDeadline, Stopped, Suppressed, Undeliverable, send_email
from workflows.sale.kept import SaleEnded
from workflows.sale.operations import NeedsAttention, Operations


class Mail(Operations):
    """Sends the sale's emails and keeps the lead country's holidays for its window."""

    lead: Lead
    playbook: Playbook
    holidays_found: set[date]
    holiday_years: set[int]

    async def email(
        self,
        step: str,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        to: str | None = None,
        attachments: list[str] | None = None,
        within: timedelta | None = None,
        outreach: bool = True,
    ) -> None:
        """Send one email of the sale; nothing goes out after a bounce, opt-out or mark_lost,
        and one being sent or retried when the sale ends is cancelled."""
        if self.ending is not None:
            raise self.ending
        if outreach and to in (None, self.lead.email):
            await self._within_window(step)

        def request() -> EmailRequest:
            # Built at each try: a retry command may have corrected a seller's address.
            return EmailRequest(
                workflow_id=self.state.workflow_id,
                step=step,
                template=self.playbook.email_template(template),
                to=self._addressed(to) if to else self.lead.email,
                lead=self.lead,
                playbook=self._corrected_playbook(),
                context=context or {},
                attachments=attachments or [],
            )

        record = await self.journaled(
            f"email {step}",
            lambda: self._send(request(), within=within, sellers=to not in (None, self.lead.email)),
            EmailRecord,
            errors=(MissedDeadline,),
        )
        self.state.emails.append(record)

    def _addressed(self, to: str) -> str:
        """The seller's address to use: the sales manager's as a retry command corrected it."""
        corrected = self.state.sales_manager_email
        manager = str(self.playbook.seller.sales_manager_email)
        return corrected if corrected and to == manager else to

    def _corrected_playbook(self) -> Playbook:
        """The playbook with the sales manager's address as corrected, so that mail to it is
        still the seller's own (no unsubscribe links, no opt-out check)."""
        corrected = self.state.sales_manager_email
        if not corrected:
            return self.playbook
        seller = self.playbook.seller.model_copy(update={"sales_manager_email": corrected})
        return self.playbook.model_copy(update={"seller": seller})

    def retried(self, event: Any) -> None:
        if isinstance(event, RetryRequested) and event.sales_manager_email:
            self.state.sales_manager_email = str(event.sales_manager_email)

    async def _send(
        self, request: EmailRequest, *, within: timedelta | None, sellers: bool
    ) -> EmailRecord:
        try:
            return await send_email(request, within=within, stop=lambda: self.ending is not None)
        except Stopped as stopped:
            raise (self.ending or SaleEnded(LostReason.OTHER, str(stopped))) from stopped
        except Suppressed as suppressed:
            raise SaleEnded(
                LostReason.OPTED_OUT, str(suppressed), by="the opt-out list", listed=True
            ) from suppressed
        except Undeliverable as refused:
            if sellers:
                raise NeedsAttention(f"{request.to} refused {request.step}: {refused}") from refused
            # The lead's own address refused for good: the same as a bounce signal.
            raise SaleEnded(LostReason.BOUNCED, str(refused), by="the mail server") from refused

    async def _within_window(self, step: str) -> None:
        """Wait, if need be, for the lead's next sending window; an opt-out ends the wait."""
        outreach = self.playbook.outreach
        if outreach.window is None:
            return
        zone = zone_of(self.lead.timezone, self.lead.country, outreach.fallback_timezone or "UTC")
        now = self.now()
        holidays = await self._holidays(now.astimezone(zone).year)
        send_at = next_send_time(
            now,
            window=parse_window(outreach.window),
            zone=zone,
            business_days_only=outreach.business_days_only,
            holidays=holidays,
        )
        if send_at > now:
            local = send_at.astimezone(zone)
            self.expect_at(f"send {step} at {local:%a %Y-%m-%d %H:%M} {zone}", send_at)
            await self.next_of((), send_at)

    async def _holidays(self, year: int) -> frozenset[date]:
        """The lead country's public holidays of this year and the next, fetched once."""
        country = self.lead.country
        if not self.playbook.outreach.public_holidays or not country:
            return frozenset()
        if year not in self.holiday_years:
            request = HolidaysRequest(country=country, years=[year, year + 1])
            found = await self.journaled(
                f"holidays {country} {year}",
                lambda: workflow.execute_activity(
                    public_holidays,
                    request,
                    start_to_close_timeout=timedelta(seconds=30),
                    summary=f"public holidays of {country}",
                ),
                list[date],
            )
            self.holidays_found |= set(found)
            self.holiday_years |= {year, year + 1}
        return frozenset(self.holidays_found)

    def sent(self, step: str) -> bool:
        return any(email.step == step for email in self.state.emails)
