"""When an email may leave: the lead's time zone and the playbook's sending window.

Outreach goes out in the lead's business hours, on business days where the
playbook says so and not on its country's public holidays. The computation is
pure, so a workflow makes it deterministically.
"""

import importlib.resources
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BeforeValidator

# Every email a sale and its support send to the lead, by name (the email's name in the process).
# The tender bid is not among them: it answers a deadline and never waits for a window.
LEAD_EMAILS = (
    "intro",
    "follow_up",
    "orientation",
    "proposal",
    "proposal_reminder",
    "contract_review",
    "contract",
    "contract_reminder",
    "welcome",
    "check_in",
)
# Unsolicited outreach waits for the lead's business hours; every other email answers the
# lead's own action (interest, needs, acceptance, the close) and goes at once.
OUTREACH_EMAILS = ("intro", "follow_up", "proposal_reminder", "contract_reminder", "check_in")

# Every zone is read when this module is imported, which is always outside a workflow:
# inside Temporal's sandbox, zoneinfo may not read its files. About 600 zones, ~75 ms.
ZONES: dict[str, ZoneInfo] = {key: ZoneInfo(key) for key in available_timezones()}

# Countries spanning several zones: the zone most of their business is in. zone.tab lists
# them in another order (Kaliningrad first for Russia); a lead far from it gives a timezone.
_MAIN_ZONE = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "MX": "America/Mexico_City",
    "RU": "Europe/Moscow",
    "US": "America/New_York",
}


def _country_zones() -> dict[str, str]:
    table = importlib.resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    zones: dict[str, str] = {}
    for line in table.splitlines():
        if line and not line.startswith("#"):
            country, _, zone = line.split("\t")[:3]
            zones.setdefault(country, zone)
    return {**zones, **_MAIN_ZONE}


COUNTRY_ZONES = _country_zones()


def _zone_name(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        name = value.strip()
        if name not in ZONES:
            raise ValueError(f"unknown time zone {name!r}: give an IANA name such as Asia/Tokyo")
        return name
    return value


TimeZoneName = Annotated[str | None, BeforeValidator(_zone_name)]
"""An IANA time zone name (`Europe/Berlin`), checked; empty means none."""


def zone_of(timezone: str | None, country: str | None, fallback: str) -> ZoneInfo:
    """The lead's zone: given explicitly, else its country's main one, else the fallback."""
    if timezone:
        return ZONES[timezone]
    if country and country in COUNTRY_ZONES:
        return ZONES[COUNTRY_ZONES[country]]
    return ZONES[fallback]


def parse_window(text: str) -> tuple[time, time]:
    """`09:00-17:30` as (start, end); ValueError naming what is wrong."""
    start_text, sep, end_text = text.partition("-")
    try:
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a window like 09:00-17:30") from None
    if not sep or start >= end:
        raise ValueError(f"{text!r}: the window must start before it ends, like 09:00-17:30")
    return start, end


def scheduled(send_at: datetime, zone: ZoneInfo) -> str:
    """When a held email leaves, in the lead's own time: `Mon 7 Dec 09:00 Europe/Paris`."""
    local = send_at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %H:%M} {zone.key}"


def next_send_time(
    now: datetime,
    *,
    window: tuple[time, time],
    zone: tzinfo,
    business_days_only: bool,
    holidays: frozenset[date] = frozenset(),
) -> datetime:
    """`now` when it is inside the window, else the start of the next window (UTC)."""
    start, end = window
    local = now.astimezone(zone)
    for offset in range(0, 370):
        day = local.date() + timedelta(days=offset)
        if business_days_only and (day.weekday() >= 5 or day in holidays):
            continue
        opens = datetime.combine(day, start, zone)
        closes = datetime.combine(day, end, zone)
        if offset == 0 and opens <= local < closes:
            return now
        if local < opens:
            return opens.astimezone(UTC)
    raise ValueError("no sending window in the next year")  # every day a holiday
