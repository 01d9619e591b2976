"""When `make bench` begins the buyer's sale: a Wednesday morning in the lead's zone, whatever the
hour and the weekday the bench runs (the dates are drawn here, not taken from the clock), and each
working day's morning for the count by start day; and the working morning `make histories` begins
its sales on."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from soak.bench_costs import wednesday_morning, weekday_morning, working_morning

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("after", "begins"),
    [
        # A Tuesday night in Berlin (already Wednesday there): Thursday 10:00.
        (datetime(2027, 3, 2, 23, 30, tzinfo=UTC), datetime(2027, 3, 4, 10, tzinfo=BERLIN)),
        # A Friday afternoon: the Monday after the weekend.
        (datetime(2027, 3, 5, 15, tzinfo=UTC), datetime(2027, 3, 8, 10, tzinfo=BERLIN)),
        # Christmas Eve: the 25th (a Friday) and the 26th are public holidays, then Sunday.
        (datetime(2026, 12, 24, 9, tzinfo=UTC), datetime(2026, 12, 28, 10, tzinfo=BERLIN)),
        # The day before Easter Monday 2027 (29 March): Tuesday.
        (datetime(2027, 3, 28, 12, tzinfo=UTC), datetime(2027, 3, 30, 10, tzinfo=BERLIN)),
    ],
)
def test_the_buyer_begins_on_the_next_working_morning(after: datetime, begins: datetime) -> None:
    assert working_morning(after, BERLIN) == begins


@pytest.mark.parametrize(
    ("after", "begins"),
    [
        # A Monday evening: the Wednesday of the same week.
        (datetime(2026, 12, 7, 20, tzinfo=UTC), datetime(2026, 12, 9, 10, tzinfo=BERLIN)),
        # A Wednesday morning: the next week's, never the same day.
        (datetime(2027, 3, 3, 8, tzinfo=UTC), datetime(2027, 3, 10, 10, tzinfo=BERLIN)),
        # A Tuesday night in Berlin (already Wednesday there): the Wednesday after.
        (datetime(2027, 3, 2, 23, 30, tzinfo=UTC), datetime(2027, 3, 10, 10, tzinfo=BERLIN)),
        # Before Christmas: Wednesday 30 December (no holiday), not the 23rd's week's past.
        (datetime(2026, 12, 23, 12, tzinfo=UTC), datetime(2026, 12, 30, 10, tzinfo=BERLIN)),
        # Before New Year's Day 2031, a Wednesday and a public holiday: the 8th.
        (datetime(2030, 12, 31, 12, tzinfo=UTC), datetime(2031, 1, 8, 10, tzinfo=BERLIN)),
    ],
)
def test_the_bench_s_buyer_begins_on_the_next_wednesday_morning(
    after: datetime, begins: datetime
) -> None:
    assert wednesday_morning(after, BERLIN) == begins


@pytest.mark.parametrize(
    ("after", "weekday", "begins"),
    [
        # A Monday evening: the next Monday, never the same day.
        (datetime(2026, 12, 7, 20, tzinfo=UTC), 0, datetime(2026, 12, 14, 10, tzinfo=BERLIN)),
        # A Wednesday: Friday 25 December is a public holiday, so the Friday after.
        (datetime(2026, 12, 23, 12, tzinfo=UTC), 4, datetime(2027, 1, 8, 10, tzinfo=BERLIN)),
        # Easter Monday 2027 (29 March) is skipped for the Monday after.
        (datetime(2027, 3, 24, 12, tzinfo=UTC), 0, datetime(2027, 4, 5, 10, tzinfo=BERLIN)),
    ],
)
def test_each_working_days_buyer_begins_on_the_next_such_morning(
    after: datetime, weekday: int, begins: datetime
) -> None:
    assert weekday_morning(after, BERLIN, weekday) == begins
