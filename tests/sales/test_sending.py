"""A lead's time zone: its own, else its country's main business zone, else the playbook's."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from sales.account.policy import AccountPolicy
from sales.playbook import OutreachPolicy, load_playbook
from sales.sending import (
    LEAD_EMAILS,
    OUTREACH_EMAILS,
    ZONES,
    next_send_time,
    parse_window,
    scheduled,
    zone_of,
)
from settings import ROOT


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


def test_a_held_email_says_when_it_leaves_in_the_leads_own_time() -> None:
    paris = ZONES["Europe/Paris"]
    assert scheduled(datetime(2026, 12, 7, 8, tzinfo=UTC), paris) == "Mon 7 Dec 09:00 Europe/Paris"
    summer = datetime(2026, 7, 6, 7, tzinfo=UTC)  # CEST: UTC+2
    assert scheduled(summer, paris) == "Mon 6 Jul 09:00 Europe/Paris"


def test_only_outreach_waits_for_the_window_unless_the_playbook_adds_an_email() -> None:
    windowed = OutreachPolicy(window="09:00-17:30")
    assert [e for e in LEAD_EMAILS if windowed.waits(e)] == list(OUTREACH_EMAILS)
    assert not OutreachPolicy().waits("intro")  # no window: nothing waits
    quotes_too = OutreachPolicy(window="09:00-17:30", wait_for_window=["intro", "proposal"])
    assert quotes_too.waits("proposal") and not quotes_too.waits("follow_up")
    with pytest.raises(ValidationError) as refused:
        OutreachPolicy(wait_for_window=["intro", "tender_bid", "quote"])
    assert "'tender_bid', 'quote': no email to the lead has that name" in str(refused.value)
    assert "a tender bid never waits" in str(refused.value)


def test_the_default_list_leaves_every_playbooks_version_as_it_was() -> None:
    shipped = load_playbook(ROOT / "playbooks", "default")
    # Without the account section added later (its default leaves the version alone too).
    playbook = shipped.model_copy(update={"account": AccountPolicy()})
    assert playbook.version == "6286e7656b82"  # the version sales began with before the list
    assert shipped.version != playbook.version
    outreach = playbook.outreach.model_copy(update={"wait_for_window": ["intro"]})
    assert playbook.model_copy(update={"outreach": outreach}).version != playbook.version


def test_with_no_window_the_email_leaves_now() -> None:
    now = datetime(2026, 12, 6, 23, tzinfo=UTC)
    assert OutreachPolicy().opens(now, ZONES["Asia/Tokyo"], frozenset()) == now
