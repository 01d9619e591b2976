"""The containers' health checks (docker-compose.yml, the Dockerfile's HEALTHCHECK).

    python -m deploy.healthcheck worker      python -m deploy.healthcheck gateway

worker: the worker in this container polls its task queue. The server has seen a poll from
    this host (the SDK's worker identity is `<pid>@<hostname>`, and a container's hostname is
    its own) on the workflow or the activity task queue within `FRESH`. A worker that lost
    its connection, hangs, or never got its registration through is unhealthy, not just a
    process that is still there.
gateway: `GET /healthz` on the gateway's port answers 200: it is up and reaches Temporal.

Exit status 0 healthy, 1 not (the reason on stderr), as Docker's HEALTHCHECK wants.
"""

import asyncio
import os
import socket
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from client.connection import connect
from settings import Settings

# A polling worker asks again at least once a minute (the server holds a poll for a minute at
# most when there is no task), so two minutes without one from this host means it is not.
FRESH = timedelta(minutes=2)
TIMEOUT = 10.0
QUEUE_TYPES = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)


async def last_poll(client: Client, task_queue: str, hostname: str) -> datetime | None:
    """When a worker on `hostname` last polled `task_queue` (workflow or activity), if ever."""
    latest: datetime | None = None
    for queue_type in QUEUE_TYPES:
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=client.namespace,
                task_queue=TaskQueue(name=task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
                task_queue_type=queue_type,
            )
        )
        for poller in response.pollers:
            if not poller.identity.endswith(f"@{hostname}"):
                continue
            seen = poller.last_access_time.ToDatetime(tzinfo=UTC)
            latest = seen if latest is None or seen > latest else latest
    return latest


async def worker_problem(
    client: Client, task_queue: str, hostname: str, now: datetime | None = None
) -> str | None:
    """Why the worker on `hostname` is not healthy, or None when it polls `task_queue`."""
    seen = await last_poll(client, task_queue, hostname)
    if seen is None:
        return f"no worker on {hostname} polls task queue {task_queue}"
    age = (now or datetime.now(UTC)) - seen
    if age > FRESH:
        return f"the worker on {hostname} last polled {task_queue} {age.total_seconds():.0f}s ago"
    return None


async def check_worker(settings: Settings) -> str | None:
    client = await connect(settings)
    return await worker_problem(client, settings.task_queue, socket.gethostname())


def gateway_problem(settings: Settings) -> str | None:
    """Why the gateway is not healthy, or None when its /healthz answers 200."""
    url = f"http://127.0.0.1:{settings.gateway_port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return f"{url} answered {error.code}: {error.read().decode(errors='replace')[:200]}"
    except OSError as error:
        return f"{url}: {error}"
    return None if status == 200 else f"{url} answered {status}"


async def check(part: str) -> str | None:
    settings = Settings()
    if part == "gateway":
        return gateway_problem(settings)
    return await asyncio.wait_for(check_worker(settings), TIMEOUT)


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("worker", "gateway"):
        print("usage: python -m deploy.healthcheck worker|gateway", file=sys.stderr)
        return 2
    try:
        problem = asyncio.run(check(argv[0]))
    except Exception as error:  # unreachable server, a timeout: unhealthy, with the reason
        problem = f"{type(error).__name__}: {error}"
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # temporalio/sdk-python#300: a process that used a client may abort at exit.
    os._exit(status)
