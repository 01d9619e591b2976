"""Time as a service level counts it: the customer's business hours, or the clock.

The calendar is the lead's sending calendar (time zone, window, business days, public
holidays), so a P1 opened on Friday evening in Paris is due on Monday morning there.
Pure, so the account computes its deadlines deterministically.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class BusinessCalendar:
    """The hours that count: a daily window in a zone, on business days, without holidays."""

    zone: tzinfo
    window: tuple[time, time] | None = None
    business_days_only: bool = False
    holidays: frozenset[date] = frozenset()

    def working(self, day: date) -> bool:
        if self.business_days_only and day.weekday() >= 5:
            return False
        return day not in self.holidays

    def hours_of(self, day: date) -> tuple[datetime, datetime]:
        """The counted span of a working day, as aware local datetimes."""
        if self.window is None:
            start = datetime.combine(day, time(0), self.zone)
            return start, datetime.combine(day + timedelta(days=1), time(0), self.zone)
        opens, closes = self.window
        return datetime.combine(day, opens, self.zone), datetime.combine(day, closes, self.zone)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of counted time after `start` (UTC)."""
        if self.window is None and not self.business_days_only and not self.holidays:
            return start + duration
        remaining = duration
        local = start.astimezone(self.zone)
        day = local.date()
        for _ in range(3700):  # ten years of days: a calendar that never opens is an error
            if self.working(day):
                opens, closes = self.hours_of(day)
                begin = max(opens, local)
                if begin < closes:
                    # Spans are compared in UTC: a DST change inside the window counts real time.
                    available = closes.astimezone(UTC) - begin.astimezone(UTC)
                    if remaining <= available:
                        return (begin.astimezone(UTC) + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no business hours in the next ten years")


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, on the month's last day where it is shorter (31 Jan + 1: 28 Feb).

    Our own six lines: dateutil's relativedelta would bring a dependency and its stubs for it.
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
