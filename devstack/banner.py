"""What `make run` prints once everything runs: where things are and commands to try next."""

import shlex
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import holidays
from rich.console import Console
from rich.markup import escape

from devstack.ports import HOST
from devstack.processes import shown
from devstack.services import (
    DEV_CODEC_TOKEN,
    EXAMPLE_LEADS,
    NAMESPACE,
    codec_endpoint,
    temporal_binary,
)
from sales.lead import Lead
from sales.playbook import PlaybookError, load_playbook
from sales.sending import scheduled
from settings import ROOT, Settings
from workflows.sale import api as sale_api


def first_example_lead(lead_id_key: bytes | None = None) -> Lead | None:
    """The first example lead of the default playbook, for the commands to try."""
    try:
        from sales.leads_csv import parse_leads

        text = (ROOT / EXAMPLE_LEADS).read_text(encoding="utf-8")
        rows = parse_leads(text, lead_id_key=lead_id_key).rows
    except Exception:
        return None
    return next((row.lead for row in rows if row.playbook in (None, "default")), None)


def window_note(settings: Settings, lead: Lead | None, now: datetime) -> str:
    """How the sending window applies, shown on the example sale the commands drive."""
    try:
        playbook = load_playbook(settings.playbooks_dir, settings.playbook)
    except PlaybookError:
        return "see `starter.py playbook show`"
    outreach = playbook.outreach
    if outreach.window is None or lead is None:
        return f"{playbook.name}: none, every email goes at once"
    zone = outreach.zone_for(lead)
    local = now.astimezone(zone)
    days: frozenset[date] = frozenset()
    if outreach.public_holidays and lead.country:
        try:
            found = holidays.country_holidays(lead.country, years=[local.year, local.year + 1])
            days = frozenset(found)
        except NotImplementedError:
            pass
    opens = outreach.opens(now, zone, days)
    held = ", ".join(outreach.wait_for_window)
    rule = (
        f"{held} wait for the lead's {outreach.window} on business days in its own time; "
        "a reply cancels them, and answers (orientation, quote, contract, welcome) go at once"
    )
    examples = "The example sales began with `--intro-now`, so their intros went out at once"
    who = f"{sale_api.workflow_id(lead.lead_id)} ({zone.key})"
    if opens <= now:
        return f"{rule}. {examples}; the window is open now for {who}"
    return (
        f"{rule}. {examples}; it is {local:%a %H:%M} for {who}, so a sale begun now without "
        f"it holds its intro till {scheduled(opens, zone)}: start one with `starter.py lead` "
        "and read `starter.py status`"
    )


def print_banner(
    console: Console,
    settings: Settings,
    worker_env: dict[str, str],
    ignored: Sequence[str] = (),
) -> None:
    """Where everything is and three commands to try next; `ignored`: the TEMPORAL_* variables
    of the shell that the stack did not use."""
    python = shown(Path(sys.executable))
    temporal = shown(temporal_binary())
    lead_id_secret = worker_env.get("SALESFLOW_LEAD_ID_SECRET", "").strip()
    lead = first_example_lead(lead_id_secret.encode() if lead_id_secret else None)
    workflow_id = sale_api.workflow_id(lead.lead_id) if lead else "sale-..."
    address = f"{HOST}:{settings.temporal_port}"
    signal_input = shlex.quote('{"notes": "call back Monday"}')
    logs = [
        shown(settings.data_dir / name) for name in ("temporal.log", "worker.log", "gateway.log")
    ]
    secret_file = settings.data_dir / "webhook-secret"
    secret = worker_env.get("SALESFLOW_WEBHOOK_SECRETS", "")
    where = "SALESFLOW_WEBHOOK_SECRETS"
    if secret_file.is_file():
        where = f"kept in {shown(secret_file)}"
    rows = [
        ("Temporal UI", f"http://{HOST}:{settings.ui_port}/namespaces/{NAMESPACE}/workflows"),
        ("Temporal", f"{address}  (namespace {NAMESPACE}, task queue {settings.task_queue})"),
        ("Mail", f"{shown(settings.mail_dir / 'new')}  (SMTP {HOST}:{settings.smtp_port})"),
        ("Gateway", f"http://{HOST}:{settings.gateway_port}/docs  (POST /v1/leads, events, state)"),
        ("Secret", f"{secret}  ({where}; sign requests with it)" if secret else where),
        ("Logs", ", ".join(logs)),
        ("Window", window_note(settings, lead, datetime.now(UTC))),
    ]
    if worker_env.get("SALESFLOW_CODEC_KEYS", "").strip():
        rows.insert(-1, ("Codec", codec_note(settings)))
    # Another terminal does not have make's SALESFLOW_* variables: name the server if not default.
    default_port = Settings.model_fields["temporal_port"].default
    prefix = "" if settings.temporal_port == default_port else f"TEMPORAL_ADDRESS={address} "
    commands = [
        f"{prefix}{python} starter.py list",
        f"{prefix}{python} starter.py status {workflow_id}",
        f"{temporal} workflow signal --address {address} --workflow-id {workflow_id} "
        f"--name interest_expressed --input {signal_input}",
    ]
    console.print()
    console.rule("[bold green]salesflow is running[/]")
    for label, value in rows:
        console.print(f"  [bold]{label:<12}[/] {escape(value)}")
    if ignored:
        console.print(
            f"  [yellow]note: {escape(', '.join(ignored))} in this shell: not used here, the "
            "worker, gateway and starter talk to this server only; unset them before the "
            "commands below, which would follow them elsewhere[/]"
        )
    console.print("\n  Try next:")
    for command in commands:
        console.print(f"    {escape(command)}")
    console.print("\n  [dim]Ctrl-C stops everything.[/]")
    console.rule()


def codec_note(settings: Settings) -> str:
    """Where the codec's data is seen: the endpoint the UI calls and how to sign in to it."""
    endpoint = codec_endpoint(settings)
    token = "a token of SALESFLOW_CODEC_TOKENS"
    if settings.codec_tokens is None:
        token = f"the token in {shown(settings.data_dir / DEV_CODEC_TOKEN)}"
    return (
        f"on: lead data is encrypted; sign in at {endpoint}/login with {token}, then in the "
        "UI's Configure Codec Server tick Include cross-origin credentials"
    )
