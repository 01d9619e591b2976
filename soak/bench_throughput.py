"""Throughput: default-playbook sales from start to WON against their floor, interleaved.

Each sale (and each bare sale) is driven as a customer would: the next event of its script
goes once it waits for one (`soak.bench_driving`). Batches of sales and of bare sales
alternate on the same server and worker process, so both see the same machine; sales per
second are counted over the sales' batches, the floor over the bare ones.
"""

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory

from client.sales import lead_search_attributes, start_sale
from sales.lead import Lead
from sales.playbook import Playbook
from sales.stages import SalesStage
from sales.state import SaleOutcome
from simulation.actions import action_breakdown, history_bytes
from soak.bare import BARE_SALE, BareInput, Segment, segments_of
from soak.bench_driving import Followed, Step, follow
from soak.script import Script

# A batch that takes longer has stalled: the bench stops rather than wait for ever.
BATCH_TIMEOUT = 300.0


@dataclass
class Side:
    """One side of the comparison: its batches' wall times and its workflows."""

    name: str
    batch_seconds: list[float] = field(default_factory=list)
    runs: list[Followed] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.runs)

    @property
    def per_second(self) -> float:
        total = sum(self.batch_seconds)
        return self.count / total if total else 0.0

    @property
    def median_seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs) if self.runs else 0.0

    @property
    def quiet_sends(self) -> int:
        return sum(run.quiet_sends for run in self.runs)


@dataclass
class Reference:
    """The sale the floor is shaped after, and the bare sale made from it."""

    sale: WorkflowHistory
    bare: WorkflowHistory
    shape: list[Segment]


class Throughput:
    """Drives sales on `queue` and bare sales on `floor_queue` through one client."""

    def __init__(
        self, client: Client, playbook: Playbook, queue: str, floor_queue: str, seed: int = 1
    ) -> None:
        self.client = client
        self.playbook = playbook
        self.queue = queue
        self.floor_queue = floor_queue
        self.tag = uuid.uuid4().hex[:6]
        self.seed = seed
        self.number = 0
        self.shape: list[Segment] = []

    def _script(self) -> tuple[Lead, list[Step]]:
        self.number += 1
        script = Script(random.Random(f"bench:{self.seed}:{self.number}"), self.number, 1.0)
        lead = Lead(
            email=f"buyer-{self.tag}-{self.number}@polderpack.example",
            company="PolderPack B.V.",
            country="NL",
            source="bench",
        )
        return lead, script.buyer_steps(plain=True)

    async def sale(self) -> Followed:
        lead, steps = self._script()
        began = time.perf_counter()
        started = await start_sale(self.client, lead, self.playbook, self.queue)
        followed = await follow(self.client, started.workflow_id, steps, began)
        await self._check_won(started.workflow_id, followed)
        return followed

    async def bare(self) -> Followed:
        lead, steps = self._script()
        began = time.perf_counter()
        workflow_id = f"bare-{lead.lead_id}"
        await self.client.start_workflow(
            BARE_SALE,
            BareInput(segments=self.shape, signals=[name for name, _ in steps]),
            id=workflow_id,
            task_queue=self.floor_queue,
            search_attributes=lead_search_attributes(lead, self.playbook),
        )
        followed = await follow(self.client, workflow_id, steps, began)
        if followed.last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            raise RuntimeError(f"{workflow_id} ended {EventType.Name(followed.last.event_type)}")
        return followed

    async def _check_won(self, workflow_id: str, followed: Followed) -> None:
        last = followed.last
        if last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            raise RuntimeError(f"{workflow_id} ended {EventType.Name(last.event_type)}")
        result = last.workflow_execution_completed_event_attributes.result.payloads
        [outcome] = await self.client.data_converter.decode(list(result), [SaleOutcome])
        if outcome.stage is not SalesStage.WON:
            raise RuntimeError(f"{workflow_id} ended {outcome.stage}, not WON")

    async def reference(self) -> Reference:
        """One sale alone, the floor's shape read from it, and one bare sale of that shape."""
        sale = await self.sale()
        self.shape = segments_of(sale.events)
        bare = await self.bare()
        return Reference(
            sale=WorkflowHistory(f"sale-{self.tag}-reference", sale.events),
            bare=WorkflowHistory(f"bare-{self.tag}-reference", bare.events),
            shape=self.shape,
        )

    async def run(self, count: int, batch: int) -> tuple[Side, Side]:
        """`count` of each, `batch` at a time, a batch of sales then one of bare sales."""
        sales, floor = Side("sales"), Side("floor")
        while sales.count < count:
            size = min(batch, count - sales.count)
            await self._batch(sales, self.sale, size)
            await self._batch(floor, self.bare, size)
        return sales, floor

    async def sales(self, side: Side, size: int) -> None:
        """One batch of `size` sales, counted on `side`."""
        await self._batch(side, self.sale, size)

    async def _batch(self, side: Side, one: Callable[[], Awaitable[Followed]], size: int) -> None:
        began = time.perf_counter()
        runs = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(size))), BATCH_TIMEOUT)
        side.batch_seconds.append(time.perf_counter() - began)
        side.runs.extend(runs)


def sizes(reference: Reference) -> dict[str, object]:
    """The two histories side by side: events, bytes and actions by kind."""
    return {
        "sale_history_events": len(reference.sale.events),
        "floor_history_events": len(reference.bare.events),
        "sale_history_bytes": history_bytes(reference.sale),
        "floor_history_bytes": history_bytes(reference.bare),
        "sale_actions": action_breakdown(reference.sale.events),
        "floor_actions": action_breakdown(reference.bare.events),
    }
