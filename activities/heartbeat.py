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
    """Heartbeat every second while the body runs, with `details()` as they are then."""

    async def beat() -> None:
        while True:
            activity.heartbeat(*details())
            await asyncio.sleep(HEARTBEAT_EVERY)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
