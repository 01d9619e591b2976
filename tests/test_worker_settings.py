"""The worker's settings (`SALESFLOW_WORKER_*`) reach the Worker it builds, options a caller
gives still win, the start-up line names them, and metrics are served: the SDK's from the
worker's runtime, the gateway's requests at its `/metrics`."""

import asyncio
import os
import re
import urllib.request
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from temporalio.client import Client
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    PollerBehaviorAutoscaling,
    PollerBehaviorSimpleMaximum,
    WorkerTuner,
)

from client.connection import connect
from devstack.ports import free_port
from gateway.app import create_app
from gateway.signatures import Verifier
from settings import Settings
from worker import build_worker, configuration, metrics_runtime, worker_options

ENV = {
    "SALESFLOW_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS": "3",
    "SALESFLOW_WORKER_MAX_CONCURRENT_ACTIVITIES": "17",
    "SALESFLOW_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES": "9",
    "SALESFLOW_WORKER_MAX_CACHED_WORKFLOWS": "123",
    "SALESFLOW_WORKER_WORKFLOW_TASK_POLLERS": "4",
    "SALESFLOW_WORKER_ACTIVITY_TASK_POLLERS": "6",
    "SALESFLOW_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT": "45",
}


@pytest.fixture(autouse=True)
def no_worker_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: none of the caller's `SALESFLOW_WORKER_*` variables."""
    for name in list(os.environ):
        if name.startswith("SALESFLOW_WORKER_"):
            monkeypatch.delenv(name)


def from_environment() -> Settings:
    """The settings from the variables alone (no `.env` file of the developer's)."""
    return Settings(_env_file=None)


@pytest.fixture
def from_env(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SALESFLOW_TASK_QUEUE", queue())
    return from_environment()


def queue() -> str:
    """A task queue of its own: the SDK refuses two workers on one queue of one client."""
    return f"settings-{uuid.uuid4().hex[:8]}"


def test_the_defaults_bound_the_cache_and_let_running_activities_finish_on_a_stop() -> None:
    options = worker_options(from_environment())
    assert 0 < options["max_cached_workflows"] <= 1_000
    assert options["graceful_shutdown_timeout"] == timedelta(seconds=30)
    assert options["workflow_task_poller_behavior"] == PollerBehaviorSimpleMaximum(5)
    assert from_environment().worker_metrics_port is None  # metrics off unless a port is set


def test_settings_from_the_environment_are_the_worker_options(from_env: Settings) -> None:
    assert worker_options(from_env) == {
        "max_concurrent_workflow_tasks": 3,
        "max_concurrent_activities": 17,
        "max_concurrent_local_activities": 9,
        "max_cached_workflows": 123,
        "workflow_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=4),
        "activity_task_poller_behavior": PollerBehaviorSimpleMaximum(maximum=6),
        "graceful_shutdown_timeout": timedelta(seconds=45),
    }


def test_poller_autoscaling_moves_between_the_least_a_worker_needs_and_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SALESFLOW_WORKER_POLLER_AUTOSCALING", "true")
    monkeypatch.setenv("SALESFLOW_WORKER_WORKFLOW_TASK_POLLERS", "20")
    options = worker_options(from_environment())
    assert options["workflow_task_poller_behavior"] == PollerBehaviorAutoscaling(
        minimum=2, maximum=20, initial=2
    )
    assert options["activity_task_poller_behavior"] == PollerBehaviorAutoscaling(
        minimum=1, maximum=5, initial=1
    )


async def test_the_worker_is_built_with_them_and_a_callers_options_win(
    env: WorkflowEnvironment, from_env: Settings
) -> None:
    config = build_worker(env.client, from_env).config()
    assert config["task_queue"] == from_env.task_queue
    assert config.get("max_concurrent_workflow_tasks") == 3
    assert config.get("max_concurrent_activities") == 17
    assert config.get("max_concurrent_local_activities") == 9
    assert config.get("max_cached_workflows") == 123
    assert config.get("workflow_task_poller_behavior") == PollerBehaviorSimpleMaximum(4)
    assert config.get("activity_task_poller_behavior") == PollerBehaviorSimpleMaximum(6)
    assert config.get("graceful_shutdown_timeout") == timedelta(seconds=45)

    # As the simulation and the tests pass them: their options win over the settings.
    mine = build_worker(
        env.client,
        from_env,
        queue(),
        max_concurrent_activities=8,
        max_cached_workflows=0,
        graceful_shutdown_timeout=timedelta(),
    ).config()
    assert mine.get("max_concurrent_activities") == 8
    assert mine.get("max_cached_workflows") == 0
    assert mine.get("graceful_shutdown_timeout") == timedelta()
    assert mine.get("max_concurrent_workflow_tasks") == 3  # the rest still from the settings

    # A tuner of the caller's own replaces the slot settings (the SDK refuses both at once).
    tuner = WorkerTuner.create_fixed(workflow_slots=2, activity_slots=2, local_activity_slots=2)
    tuned = build_worker(env.client, from_env, queue(), tuner=tuner).config()
    assert tuned.get("tuner") is tuner
    assert tuned.get("max_concurrent_activities") is None
    assert tuned.get("max_cached_workflows") == 123
    assert "task slots from a tuner" in configuration(tuned)


async def test_the_start_up_line_names_each_setting(
    env: WorkflowEnvironment, from_env: Settings
) -> None:
    line = configuration(build_worker(env.client, from_env).config(), "127.0.0.1:9464")
    assert line == (
        f"worker polling task queue {from_env.task_queue!r}: workflow tasks 3, activities 17, "
        "local activities 9, cached workflows 123, workflow pollers 4, activity pollers 6, "
        "graceful shutdown 45 s, metrics http://127.0.0.1:9464/metrics"
    )
    assert configuration(build_worker(env.client, from_env, queue()).config()).endswith(
        "metrics off"
    )


async def test_the_worker_runtime_serves_the_sdk_metrics_when_a_port_is_set(
    env: WorkflowEnvironment, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert metrics_runtime(settings) is None
    port = free_port()
    own = settings.model_copy(update={"worker_metrics_port": port})
    runtime = metrics_runtime(own)
    assert runtime is not None
    monkeypatch.setenv("TEMPORAL_ADDRESS", env.client.service_client.config.target_host)
    client = await connect(own, runtime=runtime)
    assert client.service_client.config.runtime is runtime
    async with build_worker(client, own):
        body = ""
        for _ in range(100):  # the pollers report within a moment
            body = await asyncio.to_thread(_get, f"http://127.0.0.1:{port}/metrics")
            if "temporal_num_pollers" in body:
                break
            await asyncio.sleep(0.1)
    assert re.search(rf'temporal_num_pollers\{{[^}}]*task_queue="{own.task_queue}"', body), body
    assert "temporal_worker_task_slots_available" in body


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return bytes(answer.read()).decode()


def _gateway(**settings: Any) -> httpx.AsyncClient:
    """The gateway app on a client it never calls (the requests below are refused first)."""
    client = cast(Client, SimpleNamespace(data_converter=DataConverter.default))
    app = create_app(Settings(**settings), client, Verifier(["secret"]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def test_the_gateway_counts_requests_by_route_template_and_times_them() -> None:
    async with _gateway() as http:
        for _ in range(2):
            refused = await http.post("/v1/sales/jane-acme-example/events/order_placed")
            assert refused.status_code == 401  # unsigned
        assert (await http.get("/nowhere/jane-acme-example")).status_code == 404
        metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    route = "/v1/sales/{lead_id}/events/{event}"
    assert (
        f'salesflow_gateway_requests_total{{method="POST",route="{route}",status="401"}} 2.0'
        in text
    )
    assert 'salesflow_gateway_requests_total{method="GET",route="unmatched",status="404"} 1.0' in (
        text
    )
    assert (
        f'salesflow_gateway_request_duration_seconds_count{{method="POST",route="{route}"}} 2.0'
        in text
    )
    assert "jane-acme-example" not in text  # a lead id never becomes a label


async def test_the_gateway_serves_no_metrics_when_they_are_off() -> None:
    async with _gateway(gateway_metrics=False) as http:
        assert (await http.get("/metrics")).status_code == 404
