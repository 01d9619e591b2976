"""One delivery per Message-ID in this worker, however many attempts of a send overlap.

The server gives up on an attempt that misses its heartbeat timeout and schedules
the next one, usually on the same worker, while the first may still be talking to
the SMTP server (an overloaded worker, a slow server just back). The later attempt
waits here for the earlier one and sends nothing if it delivered. Across workers a
killed attempt is covered by its last heartbeat (see activities/email.py).
"""

import asyncio
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable

REMEMBERED = 10_000  # Message-IDs kept; an attempt overlaps its retry by seconds, not days


class Deliveries:
    """The Message-IDs this worker handed to SMTP, and a turn per Message-ID being sent."""

    def __init__(self, remembered: int = REMEMBERED) -> None:
        self._remembered = remembered
        self._delivered: OrderedDict[str, None] = OrderedDict()
        self._turns: dict[str, asyncio.Lock] = {}
        self._waiting: Counter[str] = Counter()

    def __contains__(self, message_id: str) -> bool:
        return message_id in self._delivered

    def attempts(self, message_id: str) -> int:
        """How many attempts are sending `message_id` or waiting for their turn."""
        return self._waiting[message_id]

    async def once(self, message_id: str, deliver: Callable[[], Awaitable[None]]) -> bool:
        """Run `deliver` unless this worker delivered `message_id` already; True if it ran now."""
        turn = self._turns.setdefault(message_id, asyncio.Lock())
        self._waiting[message_id] += 1
        try:
            async with turn:
                if message_id in self._delivered:
                    return False
                await deliver()
                self._delivered[message_id] = None
                if len(self._delivered) > self._remembered:
                    self._delivered.popitem(last=False)
                return True
        finally:
            self._waiting[message_id] -= 1
            if not self._waiting[message_id]:
                del self._waiting[message_id]
                del self._turns[message_id]
