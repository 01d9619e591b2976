"""The lead's sending window as the sale sees it: when outreach may go, and the lead country's
public holidays it needs, fetched once (or brought by the qualification) and carried across
runs."""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import public_holidays
    from sales.requests import HolidaysRequest

from workflows.versions import OUTREACH_IN_ITS_WINDOW, REMINDERS_AT_THE_WINDOW

if TYPE_CHECKING:
    from workflows.sale.sale import Sale


class SendingWindow:
    """When the lead may be mailed, with the holidays of its country that the sale knows."""

    def __init__(self, sale: "Sale", holidays: list[date], holiday_years: list[int]) -> None:
        self._sale = sale
        self.holidays_found = set(holidays)
        self.holiday_years = set(holiday_years)

    async def send_time(self) -> tuple[datetime, ZoneInfo]:
        """When the lead's sending window is next open (now, if it is), and the lead's zone."""
        sale = self._sale
        outreach = sale.playbook.outreach
        zone = outreach.zone_for(sale.lead)
        now = sale.now()
        holidays = await self._holidays(now.astimezone(zone).year)
        return outreach.opens(now, zone, holidays), zone

    def at_window(self, template: str, due: datetime) -> datetime:
        """When an outreach email due at `due` goes: from process version 9, the lead's next
        window at or after `due`, for the wait before it to end then (it would only wait again);
        `due` for an email that does not wait, an older version, or a year whose holidays the
        sale has not fetched (no activity for this: the email then waits at `due` as before).
        From version 12, later inside that same day's window where the sale's one timer already
        rings then (`later_the_same_day`)."""
        sale = self._sale
        version = sale.process_version
        outreach = sale.playbook.outreach
        if (
            version is None
            or version < REMINDERS_AT_THE_WINDOW
            or not sale.outreach_rules
            or not outreach.waits(template)
        ):
            return due
        zone = outreach.zone_for(sale.lead)
        if (
            outreach.public_holidays
            and sale.lead.country
            and due.astimezone(zone).year not in self.holiday_years
        ):
            return due
        holidays = frozenset(self.holidays_found)
        opens = outreach.opens(due, zone, holidays)
        if version >= OUTREACH_IN_ITS_WINDOW:
            return self._later_the_same_day(opens, zone, holidays)
        return opens

    def _later_the_same_day(
        self, opens: datetime, zone: ZoneInfo, holidays: frozenset[date]
    ) -> datetime:
        """The sale's one timer's time, if it rings after `opens` inside the same day's window:
        the email goes then, the same working day, and the timer needs no setting earlier
        (a billed action); else `opens`."""
        outreach = self._sale.playbook.outreach
        alarm = self._sale.alarm
        at = alarm.at if alarm is not None and alarm.set else None
        if outreach.window is None or at is None or at <= opens:
            return opens  # without a window, an email is due at its time
        same_day = at.astimezone(zone).date() == opens.astimezone(zone).date()
        return at if same_day and outreach.opens(at, zone, holidays) == at else opens

    def holidays_wanted(self) -> HolidaysRequest | None:
        """The holidays the window needs this year and the next, unless known or not used."""
        sale = self._sale
        country = sale.lead.country
        if not sale.playbook.outreach.public_holidays or not country:
            return None
        year = sale.now().astimezone(sale.playbook.outreach.zone_for(sale.lead)).year
        if year in self.holiday_years:
            return None
        return HolidaysRequest(country=country, years=[year, year + 1])

    def holidays_known(self, request: HolidaysRequest, found: list[date]) -> None:
        """Dates another activity brought (the qualification): not fetched again."""
        self.holidays_found |= set(found)
        self.holiday_years |= set(request.years)

    async def _holidays(self, year: int) -> frozenset[date]:
        """The lead country's public holidays of this year and the next, fetched once."""
        sale = self._sale
        country = sale.lead.country
        if not sale.playbook.outreach.public_holidays or not country:
            return frozenset()
        if year not in self.holiday_years:
            request = HolidaysRequest(country=country, years=[year, year + 1])
            found = await sale.operations.run(
                f"holidays {country} {year}",
                lambda: workflow.execute_activity(
                    public_holidays,
                    request,
                    start_to_close_timeout=timedelta(seconds=30),
                    summary=f"public holidays of {country}",
                ),
            )
            self.holidays_found |= set(found)
            self.holiday_years |= {year, year + 1}
        return frozenset(self.holidays_found)
