"""The HTTP routes: start a sale, tell a sale or a customer's account what happened, read
either, unsubscribe.

Every route but health, the docs and the unsubscribe link wants a signed request
(`gateway.signatures`). The rules are the CLI's: the same payload models, the
same catalog check, seller commands answered by the sale as updates. With the codec
on, `/v1/codec` is the Temporal UI's codec endpoint (`gateway.codec`), which wants a
codec token instead.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ValidationError
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.service import RPCError, RPCStatusCode

from client.commands import refusal_of, send_command
from client.queries import sale_state, support_state
from client.sales import start_sale
from client.suppression import unsubscribe
from gateway import codec as codec_routes
from gateway.limits import BodyLimit, TooLarge, read_body
from gateway.metrics import Metrics
from gateway.signatures import HEADER, SignatureError, Verifier
from sales.account.events import UpsellRequested
from sales.catalog import load_catalog
from sales.errors import describe
from sales.events import NeedsIdentified, RevisionRequested
from sales.intake import LeadRefused, admit_lead
from sales.lead import LEAD_ID_PATTERN
from sales.playbook import PlaybookError, load_playbook
from sales.unsubscribe import read_unsubscribe_token
from settings import Settings
from workflows.messages import Message
from workflows.sale import api as sale_api
from workflows.support import api as support_api

IDEMPOTENCY_HEADER = "Idempotency-Key"
COMMAND_TIMEOUT_SECONDS = 30


class Problem(Exception):
    """An answer other than success: its HTTP status and what to tell the sender."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def create_app(settings: Settings, client: Client, verifier: Verifier) -> FastAPI:
    """The gateway as an ASGI app, on a Temporal client and the webhook secrets."""
    app = FastAPI(
        title="salesflow webhook gateway",
        description=(
            "Outside systems start sales and tell them what customers did. Sign every request "
            f"but health and unsubscribe: `{HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
            '"<t>.<raw body>">` with a shared secret, within five minutes.'
        ),
        version="1",
    )
    codec = client.data_converter.payload_codec
    larger = {codec_routes.PATH + "/": settings.codec_max_body_bytes} if codec else {}
    app.add_middleware(BodyLimit, limit=settings.gateway_max_body_bytes, larger=larger)
    if settings.gateway_metrics:  # outermost: a body refused by BodyLimit is counted too
        app.add_middleware(Metrics)
    if codec is not None:
        # The codec is on: the Temporal UI decodes through the gateway (`gateway.codec`).
        app.mount(codec_routes.PATH, codec_routes.codec_app(codec, settings))
    unsubscribe_secrets = [
        s.get_secret_value() for s in [settings.unsubscribe_secret] if s is not None
    ] or [""]

    @app.exception_handler(Problem)
    async def _problem(request: Request, problem: Problem) -> JSONResponse:
        return JSONResponse({"detail": problem.detail}, status_code=problem.status)

    @app.exception_handler(TooLarge)
    async def _too_large(request: Request, error: TooLarge) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=413)

    async def signed_json(request: Request) -> dict[str, Any]:
        body = await read_body(request, settings.gateway_max_body_bytes)
        try:
            target = f"{request.method} {request.url.path}"
            verifier.verify(request.headers.get(HEADER), body, target)
        except SignatureError as error:
            raise Problem(401, str(error)) from None
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Problem(400, f"the body is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise Problem(422, "the body must be a JSON object")
        return data

    @app.get("/healthz", summary="the gateway is up and reaches Temporal")
    async def healthz() -> dict[str, str]:
        try:
            await client.workflow_service.get_system_info(_system_info_request())
        except RPCError as error:
            raise Problem(503, f"Temporal unreachable: {error.message}") from None
        return {"status": "ok"}

    @app.post(
        "/v1/leads", status_code=202, summary="start a sale for a lead (same rules as the CLI)"
    )
    async def start_lead(request: Request) -> JSONResponse:
        data = await signed_json(request)
        name = data.pop("playbook", None) or settings.playbook
        try:
            admitted = admit_lead(data, lead_id_key=settings.lead_id_key())
        except LeadRefused as error:
            raise Problem(422, f"lead: {error}") from None
        lead = admitted.lead
        catalog = load_catalog(settings.catalog_path)
        unknown = [item.sku for item in lead.items if catalog.get(item.sku) is None]
        if unknown:
            raise Problem(422, f"items: unknown sku {', '.join(unknown)}")
        try:
            playbook = load_playbook(settings.playbooks_dir, str(name))
        except PlaybookError as error:
            raise Problem(422, f"playbook: {error}") from None
        result = await start_sale(client, lead, playbook, settings.task_queue)
        answer = {
            "workflow_id": result.workflow_id,
            "lead_id": lead.lead_id,
            "playbook": playbook.name,
            "started": result.started,
            "flattened": list(admitted.flattened),
        }
        return JSONResponse(answer, status_code=202 if result.started else 200)

    async def deliver(
        request: Request, data: dict[str, Any], message: Message[Any], workflow_id: str, *,
        command: bool, whose: str,
    ) -> JSONResponse:  # fmt: skip
        """An event as a signal (202), or a command as an update and its answer (200, 409)."""
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key and "event_id" not in data:
            data["event_id"] = key
        payload = _validated(message, data, settings)
        handle = client.get_workflow_handle(workflow_id)
        try:
            if command:
                update = await send_command(
                    handle, message.name, payload, wait_for_stage=WorkflowUpdateStage.COMPLETED,
                    rpc_timeout=_seconds(COMMAND_TIMEOUT_SECONDS),
                )  # fmt: skip
                answer = await update.result()
                return JSONResponse(answer.model_dump(), status_code=200)
            await handle.signal(message.name, payload)
        except WorkflowUpdateFailedError as error:
            raise Problem(409, str(refusal_of(error))) from None
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise Problem(404, f"no running {whose}") from None
            raise Problem(503, f"Temporal: {error.message}") from None
        return JSONResponse({"status": "accepted", "workflow_id": workflow_id}, status_code=202)

    async def state_json(
        workflow_id: str,
        read: Callable[[WorkflowHandle[Any, Any]], Awaitable[BaseModel]],
        whose: str,
    ) -> JSONResponse:
        """The `state` query's answer as JSON; 404 when there is no such workflow."""
        try:
            state = await read(client.get_workflow_handle(workflow_id))
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                raise Problem(404, f"no {whose}") from None
            raise Problem(503, f"Temporal: {error.message}") from None
        except WorkflowQueryFailedError as error:
            raise Problem(503, f"the state query failed: {error}") from None
        return JSONResponse(state.model_dump(mode="json"))

    @app.post(
        "/v1/sales/{lead_id}/events/{event}",
        summary="tell a sale (or its customer's support) what happened",
    )
    async def send_event(lead_id: str, event: str, request: Request) -> JSONResponse:
        data = await signed_json(request)
        message, workflow_id = _target(lead_id, event)
        # A command of the sale or of the account it routes to goes as an update.
        return await deliver(
            request, data, message, workflow_id,
            command=message.command, whose=f"sale for lead {lead_id}",
        )  # fmt: skip

    @app.post(
        "/v1/accounts/{lead_id}/events/{event}",
        summary="tell a customer's account what happened; the owner's command answers at once",
    )
    async def send_account_event(lead_id: str, event: str, request: Request) -> JSONResponse:
        data = await signed_json(request)
        message = _account_message(lead_id, event)
        return await deliver(
            request, data, message, support_api.workflow_id(lead_id),
            command=message.command, whose=f"account for lead {lead_id}",
        )  # fmt: skip

    @app.get("/v1/sales/{lead_id}", summary="the sale's whole state (the `state` query)")
    async def state_of_sale(lead_id: str, request: Request) -> JSONResponse:
        await signed_json(request)
        _lead_id(lead_id)
        workflow_id = sale_api.workflow_id(lead_id)
        return await state_json(workflow_id, sale_state, f"sale for lead {lead_id}")

    @app.get("/v1/accounts/{lead_id}", summary="the account's whole state (the `state` query)")
    async def state_of_account(lead_id: str, request: Request) -> JSONResponse:
        await signed_json(request)
        _lead_id(lead_id, "account")
        workflow_id = support_api.workflow_id(lead_id)
        return await state_json(workflow_id, support_state, f"account for lead {lead_id}")

    @app.get("/v1/unsubscribe/{token}", response_class=HTMLResponse, summary="unsubscribe page")
    async def unsubscribe_page(token: str) -> HTMLResponse:
        # A GET never unsubscribes: mail scanners follow links. It shows the button.
        _workflow_of(token, unsubscribe_secrets)
        return HTMLResponse(_PAGE.format(action=f"/v1/unsubscribe/{token}"))

    @app.post("/v1/unsubscribe/{token}", summary="RFC 8058 one-click unsubscribe")
    async def unsubscribe_now(token: str, request: Request) -> HTMLResponse:
        await read_body(request, settings.gateway_max_body_bytes)
        workflow_id = _workflow_of(token, unsubscribe_secrets)
        handle = client.get_workflow_handle(workflow_id)
        try:
            state = await sale_state(handle)
        except RPCError:
            raise Problem(404, "this unsubscribe link is not valid") from None
        await unsubscribe(
            client,
            workflow_id,
            state.lead.email,
            via="unsubscribe link",
            task_queue=settings.task_queue,
        )
        return HTMLResponse(_DONE)

    return app


def _seconds(value: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=value)


def _system_info_request() -> Any:
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

    return GetSystemInfoRequest()


def _lead_id(lead_id: str, whose: str = "sale") -> None:
    import re

    if not re.fullmatch(LEAD_ID_PATTERN, lead_id):
        raise Problem(404, f"no {whose} for lead {lead_id!r}: not a lead id")


# Sent by an account's own renewal and upsell sales as they end, never from outside: a
# forged one would mark a sale the account started won or lost.
INTERNAL = frozenset({support_api.SALE_CONCLUDED.name})


def _target(lead_id: str, event: str) -> tuple[Message[Any], str]:
    """The message an event name is, and the workflow it goes to; 404 for either unknown."""
    _lead_id(lead_id)
    message = sale_api.MESSAGES.get(event)
    if message is not None:
        return message, sale_api.workflow_id(lead_id)
    message = support_api.MESSAGES.get(event)
    if message is not None and event not in INTERNAL:
        return message, support_api.workflow_id(lead_id)
    known = ", ".join([*sale_api.MESSAGES.names(), *_account_events()])
    raise Problem(404, f"unknown event {event!r}; known: {known}")


def _account_message(lead_id: str, event: str) -> Message[Any]:
    """The account's message an event name is; 404 for an unknown lead id or event."""
    _lead_id(lead_id, "account")
    message = support_api.MESSAGES.get(event)
    if message is None or event in INTERNAL:
        known = ", ".join(_account_events())
        raise Problem(404, f"unknown event {event!r} for an account; known: {known}")
    return message


def _account_events() -> list[str]:
    return [name for name in support_api.MESSAGES.names() if name not in INTERNAL]


def _validated(message: Message[Any], data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    try:
        payload = message.model.model_validate(data)
    except ValidationError as error:
        raise Problem(422, f"{message.name}: {describe(error)}") from None
    if isinstance(payload, NeedsIdentified | RevisionRequested | UpsellRequested) and payload.items:
        catalog = load_catalog(settings.catalog_path)
        unknown = [i.sku for i in payload.items if catalog.get(i.sku) is None]
        if unknown:
            raise Problem(422, f"{message.name}: items: unknown sku {', '.join(unknown)}")
    return dict(payload.model_dump(mode="json", exclude_none=True))


def _workflow_of(token: str, secrets: list[str]) -> str:
    try:
        return read_unsubscribe_token(token, secrets)
    except ValueError:
        raise Problem(404, "this unsubscribe link is not valid") from None


_STYLE = "font-family:sans-serif;max-width:32em;margin:3em auto"
_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Unsubscribe</title>'
    f'</head><body style="{_STYLE}"><h1>Unsubscribe</h1><p>Receive no more emails from us?</p>'
    '<form method="post" action="{action}">'
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
    '<button type="submit">Unsubscribe</button></form></body></html>'
)
_DONE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Unsubscribed</title>'
    f'</head><body style="{_STYLE}"><h1>Unsubscribed</h1>'
    "<p>You will receive no more emails from us.</p></body></html>"
)
