"""A customer country's public holidays, read once per pair of years by the calendar activity."""

from datetime import date, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.calendar import public_holidays
    from sales.requests import HolidaysRequest


class Holidays:
    """The holidays a workflow has read so far: this year's and the next, asked for once."""

    def __init__(self) -> None:
        self._dates: set[date] = set()
        self._years: set[int] = set()

    async def of(self, country: str, year: int) -> frozenset[date]:
        if year not in self._years:
            found = await workflow.execute_activity(
                public_holidays,
                HolidaysRequest(country=country, years=[year, year + 1]),
                start_to_close_timeout=timedelta(seconds=30),
                summary=f"public holidays of {country}",
            )
            self._dates |= set(found)
            self._years |= {year, year + 1}
        return frozenset(self._dates)
