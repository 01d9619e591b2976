"""The opt-out list from a sale: record an opt-out or a bounce so that no sale writes again."""

from temporalio import activity
from temporalio.client import Client

from client.suppression import status_of, suppress
from sales.suppression import Suppress, SuppressionStatus


class SuppressionActivities:
    """Reads and writes the opt-out list (entity workflows) through the worker's client."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def lookup(self, address: str) -> SuppressionStatus | None:
        """The address's entry on the list, for the email and qualification activities."""
        return await status_of(self._client, address)

    @activity.defn
    async def record_opt_out(self, request: Suppress) -> SuppressionStatus:
        """Put the address on the list; a repeat keeps the first entry."""
        return await suppress(self._client, request, activity.info().task_queue)
