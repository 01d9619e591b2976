"""The worker: SaleWorkflow, CustomerSupportWorkflow and their activities on the `sales` queue."""

import asyncio
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import (
    PollerBehavior,
    PollerBehaviorAutoscaling,
    PollerBehaviorSimpleMaximum,
    Worker,
    WorkerConfig,
)

from activities.calendar import public_holidays
from activities.credit import check_credit
from activities.documents import DocumentActivities
from activities.email import EmailActivities
from activities.last_look import withdrawn_by
from activities.offers import OfferActivities
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
# The Worker options that are task slots: a caller's own `tuner` replaces them all.
SLOTS = (
    "max_concurrent_workflow_tasks",
    "max_concurrent_activities",
    "max_concurrent_local_activities",
)


def pollers(maximum: int, *, autoscaling: bool, least: int) -> PollerBehavior:
    """`maximum` long polls; with autoscaling, the server's hints move them from `least` up."""
    if not autoscaling:
        return PollerBehaviorSimpleMaximum(maximum=maximum)
    maximum = max(maximum, least)
    return PollerBehaviorAutoscaling(minimum=least, maximum=maximum, initial=least)


def worker_options(settings: Settings) -> dict[str, Any]:
    """The Worker options that `settings` decide (`SALESFLOW_WORKER_*`): task slots, the sticky
    cache, pollers and the graceful shutdown."""
    autoscaling = settings.worker_poller_autoscaling
    return {
        "max_concurrent_workflow_tasks": settings.worker_max_concurrent_workflow_tasks,
        "max_concurrent_activities": settings.worker_max_concurrent_activities,
        "max_concurrent_local_activities": settings.worker_max_concurrent_local_activities,
        "max_cached_workflows": settings.worker_max_cached_workflows,
        # A worker with a cache needs two workflow polls: its sticky queue and the shared one.
        "workflow_task_poller_behavior": pollers(
            settings.worker_workflow_task_pollers, autoscaling=autoscaling, least=2
        ),
        "activity_task_poller_behavior": pollers(
            settings.worker_activity_task_pollers, autoscaling=autoscaling, least=1
        ),
        "graceful_shutdown_timeout": settings.worker_graceful_shutdown_timeout,
    }


def metrics_runtime(settings: Settings) -> Runtime | None:
    """A runtime exporting the SDK's metrics for Prometheus, if `worker_metrics_port` is set."""
    if settings.worker_metrics_port is None:
        return None
    address = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
    prometheus = PrometheusConfig(bind_address=address, durations_as_seconds=True)
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))


def described(behavior: PollerBehavior | None, polls: int | None) -> str:
    """The pollers of one kind: `polls` (the SDK's older option) wins over the behaviour."""
    if polls:
        return str(polls)
    if isinstance(behavior, PollerBehaviorAutoscaling):
        return f"{behavior.minimum}-{behavior.maximum} (autoscaling)"
    return str(behavior.maximum) if behavior is not None else "default"


def configuration(config: WorkerConfig, metrics: str | None = None) -> str:
    """The worker's configuration in one log line: what it takes on at once, and how it stops."""
    tuner = "tuner" in config and config["tuner"] is not None
    slots = (
        "task slots from a tuner"
        if tuner
        else (
            f"workflow tasks {config.get('max_concurrent_workflow_tasks')}, "
            f"activities {config.get('max_concurrent_activities')}, "
            f"local activities {config.get('max_concurrent_local_activities')}"
        )
    )
    graceful = config.get("graceful_shutdown_timeout", timedelta())
    workflow_polls = described(
        config.get("workflow_task_poller_behavior"),
        config.get("max_concurrent_workflow_task_polls"),
    )
    activity_polls = described(
        config.get("activity_task_poller_behavior"),
        config.get("max_concurrent_activity_task_polls"),
    )
    return (
        f"worker polling task queue {config.get('task_queue')!r}: {slots}, "
        f"cached workflows {config.get('max_cached_workflows')}, "
        f"workflow pollers {workflow_polls}, activity pollers {activity_polls}, "
        f"graceful shutdown {graceful.total_seconds():g} s, "
        f"metrics {f'http://{metrics}/metrics' if metrics else 'off'}"
    )


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
    Slots, cache, pollers and graceful shutdown come from `settings` (`worker_options`);
    any Worker option given in `options` wins over them.
    """
    suppression = SuppressionActivities(client)
    email = email or EmailActivities(settings, suppression.lookup, withdrawn_by(client))
    documents = documents or DocumentActivities(settings)
    qualification = QualificationActivities(settings, suppression.lookup, email)
    offers = OfferActivities(settings, documents, email)
    playbooks = PlaybookActivities(settings)
    # Heartbeats reach the server every second, not at 80% of the timeout: a busy worker's
    # sends keep their margin and a cancel (the sale ended) reaches a send within a second.
    options.setdefault("max_heartbeat_throttle_interval", HEARTBEAT_THROTTLE)
    # Every event handler gets one payload, whichever client this worker was built on.
    options.setdefault("interceptors", [OnePayload()])
    options.setdefault("workflow_runner", workflow_runner())
    decided = worker_options(settings)
    if options.get("tuner") is not None:
        for name in SLOTS:
            decided.pop(name)
    for name, value in decided.items():
        options.setdefault(name, value)
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
            offers.offer_quote,
            documents.prepare_contract,
            documents.prepare_bid,
            playbooks.load_playbook,
        ],
        **options,
    )


async def main() -> int:
    settings = Settings()
    configure_logging(settings)
    runtime = metrics_runtime(settings)
    try:
        client = await connect(settings, runtime=runtime)
    except CodecSettingsError as error:
        logging.error("%s", error)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stopping(sig: signal.Signals) -> None:
        if not stop.is_set():
            stop.set()
            return
        # A second signal: stop at once, as a kill would (the sends in flight are retried).
        logging.warning("%s again: stopping without waiting for running activities", sig.name)
        sys.stderr.flush()
        os._exit(1)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping, sig)
    worker = build_worker(client, settings)
    metrics = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}" if runtime else None
    logging.info(
        "%s, typesetting processes %d",
        configuration(worker.config(), metrics),
        settings.worker_typesetting_processes,
    )
    async with worker:
        await stop.wait()
        # Leaving the block shuts the worker down: no new tasks are polled, and the activities
        # running may finish within the graceful shutdown timeout before they are cancelled.
        logging.info(
            "worker stopping: running activities have %g s to finish",
            worker.config()["graceful_shutdown_timeout"].total_seconds(),
        )
    logging.info("worker stopped")
    return 0


if __name__ == "__main__":
    status = asyncio.run(main())
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
