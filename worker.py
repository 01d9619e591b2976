"""The worker: SaleWorkflow, CustomerSupportWorkflow and their activities on the `sales` queue."""

import asyncio
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from activities.calendar import public_holidays
from activities.credit import check_credit
from activities.documents import DocumentActivities
from activities.email import EmailActivities
from activities.last_look import withdrawn_by
from activities.playbooks import PlaybookActivities
from activities.qualification import QualificationActivities
from activities.suppression import SuppressionActivities
from client.connection import connect
from client.converter import OnePayload
from privacy.keys import CodecSettingsError
from privacy.logs import configure_logging
from settings import Settings
from workflows.sale.workflow import SaleWorkflow
from workflows.sandbox import workflow_runner
from workflows.support.workflow import CustomerSupportWorkflow
from workflows.suppression.workflow import SuppressionWorkflow

HEARTBEAT_THROTTLE = timedelta(seconds=1)


def build_worker(
    client: Client,
    settings: Settings,
    task_queue: str | None = None,
    *,
    email: EmailActivities | None = None,
    documents: DocumentActivities | None = None,
    support: type = CustomerSupportWorkflow,
    **options: Any,
) -> Worker:
    """A worker with every workflow and activity, its activities built from `settings`.

    `email`, `documents` and `support` replace the email and document activities and the
    support workflow (the playbook simulation records emails instead of sending them).
    """
    suppression = SuppressionActivities(client)
    email = email or EmailActivities(settings, suppression.lookup, withdrawn_by(client))
    documents = documents or DocumentActivities(settings)
    qualification = QualificationActivities(settings, suppression.lookup)
    playbooks = PlaybookActivities(settings)
    # Heartbeats reach the server every second, not at 80% of the timeout: a busy worker's
    # sends keep their margin and a cancel (the sale ended) reaches a send within a second.
    options.setdefault("max_heartbeat_throttle_interval", HEARTBEAT_THROTTLE)
    # Every event handler gets one payload, whichever client this worker was built on.
    options.setdefault("interceptors", [OnePayload()])
    options.setdefault("workflow_runner", workflow_runner())
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[SaleWorkflow, support, SuppressionWorkflow],
        activities=[
            qualification.qualify_lead,
            check_credit,
            public_holidays,
            email.send_email,
            suppression.record_opt_out,
            documents.prepare_quote,
            documents.prepare_contract,
            documents.prepare_bid,
            playbooks.load_playbook,
        ],
        **options,
    )


async def main() -> int:
    settings = Settings()
    configure_logging(settings)
    try:
        client = await connect(settings)
    except CodecSettingsError as error:
        logging.error("%s", error)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, settings)
    logging.info("worker polling task queue %r", settings.task_queue)
    async with worker:
        await stop.wait()
    logging.info("worker stopped")
    return 0


if __name__ == "__main__":
    status = asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
