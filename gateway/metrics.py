"""The gateway's Prometheus metrics at `GET /metrics`: requests by route, method and status, and
how long they took.

A route is its path template (`/v1/sales/{lead_id}/events/{event}`), never the path itself: a
lead id may be made from an address, and a label per sale would grow without bound. A request
no route matched counts as `unmatched`. Each app has a registry of its own, so that tests may
build many.
"""

import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PATH = "/metrics"
UNMATCHED = "unmatched"
# Signed events answer in milliseconds; a seller command waits for the sale (up to 30 s).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """ASGI middleware counting and timing every HTTP request, and serving `GET /metrics`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "salesflow_gateway_requests",
            "HTTP requests answered, by route template, method and status",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "salesflow_gateway_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template and method",
            ("route", "method"),
            buckets=BUCKETS,
            registry=self.registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == PATH and scope["method"] == "GET":
            await self._exposition(send)
            return
        began = time.perf_counter()
        status = 500  # unless an answer starts: an exception escaped the app

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _route_of(scope)
            method = str(scope["method"])
            self.requests.labels(route, method, str(status)).inc()
            self.latency.labels(route, method).observe(time.perf_counter() - began)

    async def _exposition(self, send: Send) -> None:
        body = generate_latest(self.registry)
        headers = [
            (b"content-type", CONTENT_TYPE_LATEST.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _route_of(scope: Scope) -> str:
    """The path template of the route that took the request (set on the scope by the router)."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED
