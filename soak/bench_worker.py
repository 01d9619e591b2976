"""`python -m soak.bench_worker`: the worker process of `make bench`'s throughput part.

One process, two task queues: the real `SaleWorkflow` and its activities on the settings'
queue, with documents filed as HTML without typesetting the PDF and emails rendered from the
real templates but not handed to SMTP (both timed apart by `soak.bench_costs`), the won
sale's account a stand-in that ends at once; and the bare sale (`soak.bare`) on
`<queue>-floor`. Settings from `SALESFLOW_*` variables and `TEMPORAL_ADDRESS`, as `worker.py`.
"""

import asyncio
import os
import signal
import sys

from temporalio.client import Client
from temporalio.worker import Worker

from activities.documents import DocumentActivities
from client.connection import connect
from settings import Settings
from simulation.command import RecordedEmails
from simulation.support_stub import SupportNotSimulated
from soak.bare import BareAccount, BareSale, noop
from worker import build_worker


def floor_queue(task_queue: str) -> str:
    return f"{task_queue}-floor"


def workers(client: Client, settings: Settings) -> tuple[Worker, Worker]:
    sales = build_worker(
        client,
        settings,
        email=RecordedEmails(settings),
        documents=DocumentActivities(settings, typeset=False),
        support=SupportNotSimulated,
    )
    # Every option of the sales' worker (slots, cache, pollers, sandbox, interceptors), so
    # only the workflows and activities differ.
    config = sales.config()
    config["task_queue"] = floor_queue(settings.task_queue)
    config["workflows"] = [BareSale, BareAccount]
    config["activities"] = [noop]
    floor = Worker(**config)
    return sales, floor


async def main() -> int:
    settings = Settings()
    client = await connect(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sales, floor = workers(client, settings)
    async with sales, floor:
        print(f"bench worker polling {settings.task_queue!r} and its floor", flush=True)
        await stop.wait()
    return 0


if __name__ == "__main__":
    status = asyncio.run(main())
    sys.stdout.flush()
    os._exit(status)  # temporalio/sdk-python#300
