"""Public holidays of a lead's country, for the sending window (from the `holidays` package)."""

from datetime import date

import holidays
from temporalio import activity

from sales.requests import HolidaysRequest


@activity.defn
async def public_holidays(request: HolidaysRequest) -> list[date]:
    """Every public holiday of the country in those years; none for a country it does not know.

    An activity because the package reads data files, which a workflow may not; the
    workflow keeps the dates it got and computes send times from them.
    """
    return holidays_of(request)


def holidays_of(request: HolidaysRequest) -> list[date]:
    """`public_holidays` as a plain call, for activities that bring the dates along."""
    try:
        found = holidays.country_holidays(request.country, years=request.years)
    except NotImplementedError:
        activity.logger.info("no public holidays known for %s", request.country)
        return []
    return sorted(found.keys())
