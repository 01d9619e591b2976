"""A lead's time zone: its own, else its country's main business zone, else the playbook's."""

from datetime import UTC, date, datetime

import pytest

from sales.sending import ZONES, next_send_time, parse_window, zone_of


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("JP", "Asia/Tokyo"),  # one zone: from zone.tab
        ("RU", "Europe/Moscow"),  # zone.tab lists Kaliningrad first
        ("US", "America/New_York"),  # zone.tab lists New York first too
        ("AU", "Australia/Sydney"),  # zone.tab lists Lord Howe first
        ("BR", "America/Sao_Paulo"),  # zone.tab lists Noronha first
    ],
)
def test_a_lead_without_a_zone_gets_its_countrys_main_business_zone(
    country: str, zone: str
) -> None:
    assert zone_of(None, country, "Europe/Berlin").key == zone


def test_the_leads_own_zone_wins_and_an_unknown_country_falls_back() -> None:
    assert zone_of("America/Los_Angeles", "DE", "Europe/Berlin").key == "America/Los_Angeles"
    assert zone_of("", "XX", "Europe/Berlin").key == "Europe/Berlin"
    assert zone_of(None, None, "UTC").key == "UTC"


WINDOW = parse_window("09:00-17:30")
LOS_ANGELES = ZONES["America/Los_Angeles"]
TOKYO = ZONES["Asia/Tokyo"]


def test_inside_the_leads_hours_the_email_leaves_at_once_though_utc_is_a_day_on() -> None:
    now = datetime(2026, 3, 3, 0, 30, tzinfo=UTC)  # Monday 16:30 in Los Angeles
    assert next_send_time(now, window=WINDOW, zone=LOS_ANGELES, business_days_only=True) == now


def test_after_hours_it_waits_for_the_next_business_morning_in_the_leads_zone() -> None:
    friday_evening = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # Friday 19:00 in Tokyo
    monday_nine = datetime(2026, 3, 9, 0, 0, tzinfo=UTC)  # Monday 09:00 in Tokyo
    assert (
        next_send_time(friday_evening, window=WINDOW, zone=TOKYO, business_days_only=True)
        == monday_nine
    )


def test_a_public_holiday_is_skipped_like_a_weekend() -> None:
    monday_night = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # Monday 19:00 in Tokyo
    holiday = frozenset({date(2026, 3, 3)})  # Tuesday
    wednesday_nine = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
    assert (
        next_send_time(
            monday_night, window=WINDOW, zone=TOKYO, business_days_only=True, holidays=holiday
        )
        == wednesday_nine
    )
