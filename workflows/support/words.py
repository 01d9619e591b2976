"""Dates and durations as the account's emails and details write them."""

from datetime import date, datetime, timedelta, tzinfo


def day_text(day: date | datetime, zone: tzinfo | None = None) -> str:
    """`Mon 4 Jan 2027`; a moment is written as its day in `zone`."""
    if isinstance(day, datetime):
        day = day.astimezone(zone).date() if zone else day.date()
    return f"{day:%a} {day.day} {day:%b %Y}"


def target_text(duration: timedelta, *, business: bool = False) -> str:
    """`4 business hours`, `2 days`, `2 weeks`: a wait as people say it."""
    hours = duration.total_seconds() / 3600
    if business:
        return _plural(hours, "business hour")
    if duration.days and not duration.seconds:
        if duration.days % 7 == 0:
            return _plural(duration.days / 7, "week")
        return _plural(duration.days, "day")
    if hours.is_integer():
        return _plural(hours, "hour")
    return _plural(round(duration.total_seconds() / 60), "minute")


def _plural(count: float, unit: str) -> str:
    number = f"{count:g}"
    return f"{number} {unit}" + ("" if count == 1 else "s")
