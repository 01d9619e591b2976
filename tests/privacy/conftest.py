"""A protected dev server for the module, and a worker that encrypts like the real one."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.privacy.server import protected, protected_server
from worker import build_worker


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("protected") / "temporal.db"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def protected_env(database: Path) -> AsyncIterator[WorkflowEnvironment]:
    async with protected_server(database) as env:
        yield env


@pytest.fixture
def protected_settings(settings: Settings) -> Settings:
    return protected(settings)


@pytest_asyncio.fixture(loop_scope="session")
async def protected_worker(
    protected_env: WorkflowEnvironment, protected_settings: Settings
) -> AsyncIterator[Worker]:
    async with build_worker(protected_env.client, protected_settings) as running:
        yield running
