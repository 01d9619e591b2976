"""When `make bench` begins the buyer's sale: a working morning in the lead's zone, whatever the
hour the bench runs (the dates are drawn here, not taken from the clock)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from soak.bench_costs import working_morning

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
