"""Heartbeats while an activity works: a worker that dies mid-way is noticed in seconds, not at
the end of the start-to-close timeout, and a cancel reaches the activity."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from temporalio import activity

HEARTBEAT_EVERY = 1.0  # seconds; the workflows' heartbeat timeouts are a few times this


@contextlib.asynccontextmanager
async def heartbeating(
    details: Callable[[], Sequence[Any]] = tuple,
) -> AsyncIterator[None]:
    """Heartbeat every second while the body runs, with `details()` as they are then.

    The first beat comes a second in, not at once: a heartbeat that reaches the server is a
    billed action on Temporal Cloud, and most sends and renders are over sooner. The server
    notices a dead worker by the heartbeat timeout all the same, counted from the start.
    """

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_EVERY)
            activity.heartbeat(*details())

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
