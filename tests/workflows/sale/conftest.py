"""The fast tier: a worker with the real workflows and the activity doubles, on time skipping."""

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from client.converter import OnePayload
from settings import Settings
from tests.stall_report import watch
from tests.workflows.sale.doubles import Doubles
from workflows.sale.workflow import SaleWorkflow
from workflows.sandbox import workflow_runner
from workflows.support.workflow import CustomerSupportWorkflow


@pytest.fixture
def doubles() -> Doubles:
    return Doubles()


@pytest.fixture
def fast_settings() -> Settings:
    return Settings(task_queue=f"sales-fast-{uuid.uuid4().hex[:8]}")


@pytest_asyncio.fixture(loop_scope="session")
async def fast_worker(
    ts_env: WorkflowEnvironment,
    fast_settings: Settings,
    doubles: Doubles,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Worker]:
    async with (
        Worker(
            ts_env.client,
            task_queue=fast_settings.task_queue,
            workflows=[SaleWorkflow, CustomerSupportWorkflow],
            activities=doubles.activities(),
            interceptors=[OnePayload()],
            workflow_runner=workflow_runner(),
        ) as running,
        watch(request.node, ts_env.client, fast_settings.task_queue),
    ):
        yield running
