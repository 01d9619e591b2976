"""Latency: sales waiting in needs analysis told their needs; how soon the email each one
causes (the orientation, after the quote is priced and filed) reaches the SMTP server.

Two ways: paced, each sale told at a moment of its own within a spread of seconds (customers
answer when they answer: the figure a customer's action sees on a busy worker), and in a
burst, all in the same instant (a webhook replay, an import): the last waits behind the rest.
Runs against `worker.py` itself (real documents, real SMTP). The clock starts as each signal
is sent and stops when the SMTP server has the whole message (its DATA ended).
"""

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from functools import partial

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from client.sales import start_sale
from sales.lead import Lead
from sales.playbook import Playbook
from soak.bench_driving import Follower, bench_lead, bounded
from soak.stack import Inbox

EMAIL = "orientation"
CAUSE = "needs_identified"
NEEDS = {
    "summary": "Three packaging lines stop twice a month on bearing failures",
    "items": [{"sku": "NW-SENSOR-100", "quantity": 10}, {"sku": "NW-PLATFORM", "quantity": 1}],
}
ARRIVAL_TIMEOUT = 180.0
# Sales opened at once (each is a start and a few long polls until it waits).
OPENING = 32


@dataclass(frozen=True)
class Latencies:
    seconds: list[float]
    missing: int  # sales whose email did not arrive in time
    retried_activities: int  # attempts after the first, in these sales' histories


async def _in_needs_analysis(client: Client, playbook: Playbook, queue: str, lead: Lead) -> str:
    started = await start_sale(client, lead, playbook, queue)
    follower = Follower(client, started.workflow_id)
    await follower.until_waiting()  # contact: the intro went out
    await follower.signal("interest_expressed", {"notes": "met at the booth"})
    await follower.until_waiting()  # needs analysis
    return started.workflow_id


async def measure(
    client: Client,
    playbook: Playbook,
    queue: str,
    inbox: Inbox,
    count: int,
    *,
    spread_s: float = 0.0,
) -> Latencies:
    """`count` sales opened, then told their needs within `spread_s` seconds (0: at once);
    the moments are drawn with a fixed seed, the same in every run."""
    tag = uuid.uuid4().hex[:6]
    workflow_ids = await bounded(
        OPENING,
        (
            partial(_in_needs_analysis, client, playbook, queue, bench_lead(tag, n))
            for n in range(count)
        ),
    )
    sent_at: dict[str, float] = {}
    draw = random.Random(count)
    delays = {w: draw.uniform(0.0, spread_s) for w in workflow_ids}

    async def tell(workflow_id: str) -> bool:
        await asyncio.sleep(delays[workflow_id])
        sent_at[workflow_id] = time.time()
        await client.get_workflow_handle(workflow_id).signal(CAUSE, NEEDS)
        return await inbox.wait_for(workflow_id, EMAIL, ARRIVAL_TIMEOUT)

    await asyncio.gather(*(tell(workflow_id) for workflow_id in workflow_ids))
    arrived: dict[str, float] = {}
    for arrival in inbox.snapshot():
        if arrival.step == EMAIL:
            arrived.setdefault(arrival.workflow_id, arrival.at)
    seconds = [arrived[w] - sent_at[w] for w in workflow_ids if w in arrived]
    retried = await bounded(OPENING, (partial(_retries, client, w) for w in workflow_ids))
    return Latencies(seconds=seconds, missing=count - len(seconds), retried_activities=sum(retried))


async def _retries(client: Client, workflow_id: str) -> int:
    """Activity attempts after the first in a sale's history (a timeout, a failure)."""
    retries = 0
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            retries += event.activity_task_started_event_attributes.attempt - 1
    return retries
