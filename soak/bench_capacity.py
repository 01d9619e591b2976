"""Capacity: many open sales waiting for a seller, the memory they take, one step for all.

Sales of the default playbook whose qualification is the seller's (`mode = "seller"`) wait
in QUALIFICATION for `lead_qualified`, a timer of the decision's deadline running. The
worker is `worker.py` in a process of its own, started for this part, and the server a
fresh one: both memories are theirs (VmHWM: the peak). The step: `lead_qualified` to all
of them, timed until every sale is in CONTACT as visibility counts it, and until every
intro email it sent has reached the SMTP server.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from functools import partial

from temporalio.client import Client

from client.sales import start_sale
from sales.lead import Lead
from sales.playbook import Playbook, QualificationMode
from sales.stages import SalesStage
from soak.bench_driving import Follower, bench_lead, bounded
from soak.bench_parts import Memory, memory
from soak.stack import Inbox

# Sales opened at once, and signals sent at once.
OPENING = 48
SIGNALLING = 64
POLL = 0.25
# One step for all: 1,000 sales took 104 s on 2 cores; 10,000 outlast a fixed 600 s.
STEP_TIMEOUT_PER_SALE = 0.25
STEP_TIMEOUT_LEAST = 600.0
QUALIFIED = {"qualified": True, "by": "bench.seller", "reason": "fits our market"}


def seller_decides(playbook: Playbook) -> Playbook:
    """The playbook with every lead waiting for a seller's decision after the rules."""
    rules = playbook.qualification.model_copy(update={"mode": QualificationMode.SELLER})
    return playbook.model_copy(update={"qualification": rules})


@dataclass
class Capacity:
    open_sales: int
    open_s: float = 0.0
    step_all_s: float = 0.0
    step_all_emails_s: float | None = None
    worker: dict[str, Memory] = field(default_factory=dict)
    server: dict[str, Memory] = field(default_factory=dict)


async def _open(client: Client, playbook: Playbook, queue: str, lead: Lead) -> str:
    started = await start_sale(client, lead, playbook, queue)
    await Follower(client, started.workflow_id).until_waiting()
    return started.workflow_id


async def measure(
    client: Client,
    playbook: Playbook,
    queue: str,
    inbox: Inbox,
    count: int,
    *,
    worker_pid: int,
    server_pid: int,
) -> Capacity:
    result = Capacity(open_sales=count)
    result.worker["idle"], result.server["idle"] = memory(worker_pid), memory(server_pid)
    tag = uuid.uuid4().hex[:6]
    began = time.perf_counter()
    workflow_ids = await bounded(
        OPENING,
        (partial(_open, client, playbook, queue, bench_lead(tag, n)) for n in range(count)),
    )
    result.open_s = time.perf_counter() - began
    await asyncio.sleep(1.0)  # the last sales' caches settle
    result.worker["open"], result.server["open"] = memory(worker_pid), memory(server_pid)

    began, wall = time.perf_counter(), time.time()
    moved = f'TaskQueue = "{queue}" AND SalesStage = "{SalesStage.CONTACT.value}"'
    handles = [client.get_workflow_handle(workflow_id) for workflow_id in workflow_ids]
    signalled = asyncio.create_task(
        bounded(
            SIGNALLING,
            (partial(handle.signal, "lead_qualified", QUALIFIED) for handle in handles),
        )
    )
    limit = step_timeout(count)
    emails = asyncio.create_task(_all_arrived(inbox, workflow_ids, "intro", limit))
    deadline = began + limit
    while (await client.count_workflows(moved)).count < count:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not all {count} sales moved to CONTACT in {limit:.0f} s")
        await asyncio.sleep(POLL)
    result.step_all_s = time.perf_counter() - began
    await signalled
    if await emails:
        sent = {w: 0.0 for w in workflow_ids}
        for arrival in inbox.snapshot():
            if arrival.step == "intro" and arrival.workflow_id in sent:
                sent[arrival.workflow_id] = max(sent[arrival.workflow_id], arrival.at)
        result.step_all_emails_s = max(sent.values()) - wall
    result.worker["step"], result.server["step"] = memory(worker_pid), memory(server_pid)
    return result


def step_timeout(count: int) -> float:
    """How long moving `count` open sales one step may take before the bench gives up."""
    return max(STEP_TIMEOUT_LEAST, count * STEP_TIMEOUT_PER_SALE)


async def _all_arrived(inbox: Inbox, workflow_ids: list[str], step: str, limit: float) -> bool:
    waits = [inbox.wait_for(workflow_id, step, limit) for workflow_id in workflow_ids]
    return all(await asyncio.gather(*waits))


def figures(measured: Capacity) -> dict[str, object]:
    """The JSON's `capacity`: the worker's and the server's peak over this part."""
    count = measured.open_sales
    idle, opened = measured.worker["idle"], measured.worker["open"]
    per_second = count / measured.open_s if measured.open_s else 0.0
    ten_thousand = f"{10_000 / per_second / 60:.0f} min" if per_second else "unknown"
    emails = measured.step_all_emails_s
    return {
        "open_sales": count,
        "worker_rss_mb": measured.worker["step"].peak_mb,
        "server_rss_mb": measured.server["step"].peak_mb,
        "step_all_s": round(measured.step_all_s, 2),
        "step_all_emails_s": round(emails, 2) if emails is not None else None,
        "open_s": round(measured.open_s, 2),
        "opened_per_s": round(per_second, 2),
        "worker_idle_rss_mb": idle.rss_mb,
        "server_idle_rss_mb": measured.server["idle"].rss_mb,
        "worker_mb_per_open_sale": round((opened.rss_mb - idle.rss_mb) / count, 3),
        "memory": {
            part: {moment: vars(memory) for moment, memory in moments.items()}
            for part, moments in (("worker", measured.worker), ("server", measured.server))
        },
        "what": "sales waiting in QUALIFICATION for a seller's lead_qualified, a timer running",
        "worker": f"worker.py's peak RSS (VmHWM), its own process; {idle.rss_mb} MB idle",
        "server": "the dev server's peak RSS (in memory, fresh for this part)",
        "step": "lead_qualified to all → all in CONTACT (visibility counts them)"
        + (f"; their intro emails all at SMTP after {emails:.1f} s" if emails else ""),
        "note": f"measured with {count} open sales: opening ran at {per_second:.1f} sales/s "
        f"here, so 10,000 would take about {ten_thousand} to open; the worker keeps as many "
        "sales in memory as its cache holds (`workers.capacity`), past that it replays them",
    }
