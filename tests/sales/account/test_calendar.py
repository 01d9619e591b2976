"""Service-level time: business hours in the customer's zone, weekends, holidays, DST."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from sales.account.calendar import BusinessCalendar, add_months
from sales.sending import ZONES

PARIS = ZONES["Europe/Paris"]
OFFICE = BusinessCalendar(zone=PARIS, window=(time(9), time(17, 30)), business_days_only=True)


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_a_p1_opened_on_friday_evening_is_due_on_monday_morning() -> None:
    # 1.5 h left on Friday (16:00-17:30), 2.5 h more on Monday from 09:00.
    due = OFFICE.add(paris(2026, 12, 11, 16), timedelta(hours=4))
    assert due == paris(2026, 12, 14, 11, 30).astimezone(UTC)


def test_a_ticket_opened_at_night_starts_counting_when_the_office_opens() -> None:
    assert OFFICE.add(paris(2026, 12, 8, 2), timedelta(hours=1)) == paris(2026, 12, 8, 10)


def test_a_target_ending_exactly_at_closing_time_is_due_then() -> None:
    assert OFFICE.add(paris(2026, 12, 8, 9), timedelta(hours=8, minutes=30)) == paris(
        2026, 12, 8, 17, 30
    )


def test_public_holidays_do_not_count() -> None:
    christmas = BusinessCalendar(
        zone=PARIS,
        window=(time(9), time(17, 30)),
        business_days_only=True,
        holidays=frozenset({date(2026, 12, 25)}),
    )
    # Thursday 24 December 17:00: half an hour, then Friday is Christmas, then the weekend.
    due = christmas.add(paris(2026, 12, 24, 17), timedelta(hours=2))
    assert due == paris(2026, 12, 28, 10, 30)


def test_a_day_of_the_dst_change_counts_its_real_hours() -> None:
    # Round the clock but not on holidays: Sunday 28 March 2027 has 23 hours in Paris.
    calendar = BusinessCalendar(zone=PARIS, holidays=frozenset({date(2027, 3, 29)}))
    due = calendar.add(paris(2027, 3, 27, 12), timedelta(hours=36))
    # 12 h of Saturday, 23 h of Sunday, Monday a holiday: the last hour on Tuesday.
    assert due == paris(2027, 3, 30, 1)


def test_a_clock_calendar_is_plain_addition() -> None:
    start = paris(2027, 3, 27, 12)
    assert BusinessCalendar(zone=PARIS).add(start, timedelta(hours=36)) == start + timedelta(
        hours=36
    )


def test_a_calendar_that_never_opens_is_an_error_not_a_hang() -> None:
    every_day = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(4000))
    with pytest.raises(ValueError, match="no business hours"):
        BusinessCalendar(zone=PARIS, holidays=every_day).add(paris(2026, 1, 1, 9), timedelta(1))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 7), 12, date(2027, 12, 7)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2027, 1, 31), 13, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 31), 24, date(2028, 12, 31)),
    ],
)
def test_months_are_added_to_the_month_and_end_on_its_last_day(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected
