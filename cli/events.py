"""Telling a sale what happened (signals, and seller commands as updates) and reading its state."""

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from cli.account import print_account
from cli.output import Refused, UsageError, err, out, print_json
from client.commands import refusal_of, send_command
from client.queries import sale_state, support_state
from sales.account.events import UpsellRequested
from sales.account.state import AccountState
from sales.catalog import load_catalog
from sales.errors import describe
from sales.events import NeedsIdentified, RevisionRequested
from sales.money import format_money
from settings import Settings
from workflows.messages import Message
from workflows.sale import api as sale_api
from workflows.support import api as support_api

# How long a command waits for the worker: to accept an update, then to apply it.
ACCEPT_TIMEOUT = 30.0
APPLY_TIMEOUT = 30.0


def message_for(event: str) -> Message[Any]:
    message = sale_api.MESSAGES.get(event) or support_api.MESSAGES.get(event)
    if message is None:
        known = ", ".join([*sale_api.MESSAGES.names(), *support_api.MESSAGES.names()])
        raise UsageError(f"unknown event {event!r}; known: {known}")
    return message


def workflow_id_for(target: str, event: str | None = None) -> str:
    """`sale-x` and `support-x` pass through; a bare lead id goes to the sale (or support)."""
    if target.startswith(("sale-", "support-")):
        return target
    if event is not None and support_api.MESSAGES.get(event) is not None:
        return support_api.workflow_id(target)
    return sale_api.workflow_id(target)


def is_support(workflow_id: str) -> bool:
    return workflow_id.startswith(support_api.workflow_id(""))


def read_payload(raw: str) -> str:
    """`--payload -` reads the JSON from standard input (a webhook body piped through)."""
    return sys.stdin.read() if raw == "-" else raw


def validate_payload(event: str, raw: str, settings: Settings) -> dict[str, Any]:
    """The payload as JSON, checked with the same model the workflow uses; UsageError if bad."""
    model = message_for(event).model
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(f"--payload is not valid JSON: {error}") from None
    try:
        payload = model.model_validate(data)
    except ValidationError as error:
        raise UsageError(f"{event}: invalid payload: {describe(error)}") from None
    if isinstance(payload, NeedsIdentified | RevisionRequested | UpsellRequested) and payload.items:
        catalog = load_catalog(settings.catalog_path)
        unknown = [i.sku for i in payload.items if catalog.get(i.sku) is None]
        if unknown:
            raise UsageError(
                f"{event}: unknown sku {', '.join(unknown)} (see `starter.py catalog`)"
            )
    return dict(payload.model_dump(mode="json", exclude_none=True))


async def cmd_signal(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    payload = validate_payload(args.event, args.payload, settings)
    workflow_id = workflow_id_for(args.target, args.event)
    handle = client.get_workflow_handle(workflow_id)
    contract = support_api.MESSAGES if is_support(workflow_id) else sale_api.MESSAGES
    message = contract.get(args.event)
    try:
        if message is not None and message.command:
            # A seller's or an account owner's command: an update, answered at once.
            return await _command(handle, args.event, payload, as_json=args.json)
        await handle.signal(args.event, payload)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            what = "account" if is_support(workflow_id) else "sale"
            raise UsageError(
                f"{workflow_id}: no such {what}, or it has ended ({error.message})"
            ) from None
        raise UsageError(f"{workflow_id}: {error.message}") from None
    err.print(f"sent {args.event} to {workflow_id}")
    if args.json:
        print_json({"workflow_id": workflow_id, "event": args.event, "sent": True})
    return 0


async def _command(handle: Any, event: str, payload: dict[str, Any], *, as_json: bool) -> int:
    """A seller command as an update: accepted (applied or kept) or refused with the reason."""
    try:
        update = await asyncio.wait_for(send_command(handle, event, payload), ACCEPT_TIMEOUT)
        answer: sale_api.CommandAnswer = await asyncio.wait_for(
            update.result(), timeout=APPLY_TIMEOUT
        )
    except WorkflowUpdateFailedError as error:
        raise Refused(f"{event} to {handle.id}: {refusal_of(error).reason}") from None
    except TimeoutError:
        err.print(f"{event} to {handle.id}: no answer in time; is a worker running?")
        return 3
    if as_json:
        print_json(
            {"workflow_id": handle.id, "event": event, "accepted": True, **answer.model_dump()}
        )
    else:
        out.print(f"accepted: {answer.detail}")
    return 0


async def cmd_status(client: Client, settings: Settings, args: argparse.Namespace) -> int:
    workflow_id = workflow_id_for(args.target)
    handle = client.get_workflow_handle(workflow_id)
    try:
        typed = await (support_state if is_support(workflow_id) else sale_state)(handle)
        state: dict[str, Any] = typed.model_dump(mode="json")
    except RPCError as error:
        missing = error.status is RPCStatusCode.NOT_FOUND
        hint = "" if missing else " (a query needs a running worker)"
        raise UsageError(f"{workflow_id}: {error.message}{hint}") from None
    except WorkflowQueryFailedError as error:
        raise UsageError(f"{workflow_id}: the state query failed: {error}") from None
    if args.json:
        print_json(state)
        return 0
    if isinstance(typed, AccountState):
        print_account(typed, datetime.now(UTC))  # the same as `starter.py account`
        return 0
    print_state(workflow_id, state)
    return 0


def print_state(workflow_id: str, state: dict[str, Any]) -> None:
    lead = state["lead"]
    out.print(f"[bold]{workflow_id}[/bold]  {lead.get('company') or ''}  {lead['email']}")
    stage = state.get("stage", support_api.STAGE)
    lost = f" ({state['lost_reason']})" if state.get("lost_reason") else ""
    out.print(f"stage: [bold]{stage}[/bold]{lost}")
    if state.get("playbook"):
        version = state.get("playbook_version")
        out.print(f"playbook: {state['playbook']}" + (f" ({version})" if version else ""))
    if state.get("support_workflow_id"):
        out.print(f"support: {state['support_workflow_id']}")
    if state.get("next_action"):
        action = state["next_action"]
        out.print(f"next: {action['description']}  due {action.get('due_at') or '-'}")
    if state.get("attention"):
        need = state["attention"]
        out.print(
            f"[bold red]needs attention:[/bold red] {need['what']}: {need['problem']} "
            f"(since {need['since'][:16]}, {need['attempts']} tries; "
            f"next try {need['retry_at'][:16]}; fix it, then `starter.py signal ... retry`)",
            soft_wrap=True,
        )
    if state.get("restarted_from"):
        out.print(f"restarted after run {state['restarted_from']} failed or was terminated")
    if state.get("runs", 1) > 1:
        out.print(f"runs: {state['runs']} (a long sale continues as new)")
    assessment = state.get("qualification")
    if assessment:
        reasons = "; ".join(assessment["reasons"])
        out.print(f"qualification: {assessment['decision']}" + (f": {reasons}" if reasons else ""))
    for change in state.get("timeline", []):
        out.print(f"  {change['at'][:19]}  {change['stage']:<15} {change['note']}")
    for gate in state.get("gates", []):
        out.print(f"  gate {gate['gate']:<15} {gate['status']:<8} {gate['notes']}")
    for quote in state.get("quotes", []):
        total = format_money(Decimal(quote["totals"]["total"]), quote["currency"])
        out.print(f"  quote {quote['number']}  {total}  valid until {quote['valid_until']}")
    for email in state.get("emails", []):
        out.print(f"  email {email['step']:<22} {email['subject']}")
    for rejected in state.get("rejected_events", []):
        out.print(f"  [red]rejected[/red] {rejected['signal']}: {rejected['reason']}")
    for dropped in state.get("dropped_events", []):
        out.print(f"  [red]dropped[/red] {dropped['count']} {dropped['signal']}: {dropped['why']}")
