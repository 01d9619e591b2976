"""The accounts section of `starter.py report`: real accounts of every health, one closed, and
their renewal sales won, lost and still open, matched against a hand count."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.account.calendar import add_months
from sales.account.records import Handoff, HandoffLine, Health
from sales.sending import ZONES
from sales.stages import SalesStage
from sales.state import SaleOutcome
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import (
    default_playbook,
    new_lead,
    start_support,
    wait_for,
    wait_for_support,
)
from workflows.sale import api as sale_api


def renewing_now() -> Handoff:
    """A deal whose 12-month term ends in 30 days: past the renewal's start (60 days before),
    so the account starts its renewal sale at once."""
    ends = datetime.now(ZONES["Europe/Amsterdam"]).date() + timedelta(days=30)
    line = HandoffLine(
        sku="NW-SENSOR-100",
        description="Vibration sensor",
        quantity=10,
        unit_price=Decimal("149.00"),
        total=Decimal("1490.00"),
    )
    return Handoff(
        lines=[line],
        net_total=Decimal("1490.00"),
        currency="EUR",
        contract_signed_on=add_months(ends, -12),
        term_months=12,
    )


async def visible(env: WorkflowEnvironment, query: str, count: int) -> None:
    """Visibility is eventually consistent: wait until it shows what the test did."""
    for _ in range(300):
        if len([w async for w in env.client.list_workflows(query)]) == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility never showed {count} workflows for {query}")


@pytest.mark.timeout(180)
async def test_the_report_counts_accounts_by_health_and_their_renewals(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    source = f"accounts:{settings.task_queue}"
    playbook = default_playbook()

    async def account(handoff: Handoff | None = None) -> tuple[str, WorkflowHandle[Any, Any]]:
        lead = new_lead(source=source)
        handle = await start_support(env, settings, lead, playbook, handoff=handoff)
        return lead.lead_id, handle

    async def renewal_of(lead_id: str, handle: WorkflowHandle[Any, Any]) -> Any:
        state = await wait_for_support(handle, lambda s: bool(s.sales), "the renewal asked for")
        assert state.sales[0].outcome is None, state.sales[0].lost_reason  # not NOT_STARTED
        sale = env.client.get_workflow_handle(
            sale_api.workflow_id(f"{lead_id}-r1"), result_type=SaleOutcome
        )
        for _ in range(300):  # the account records the sale as it starts it
            try:
                await sale.describe()
                break
            except RPCError:
                await asyncio.sleep(0.1)
        await wait_for(sale, lambda s: any(e.step == "proposal_v1" for e in s.emails), "quote")
        return sale

    async def renewed() -> None:
        """A renewal won, and an upsell still open that is no renewal: good."""
        lead_id, handle = await account(renewing_now())
        sale = await renewal_of(lead_id, handle)
        await sale.signal("proposal_accepted", {"accepted_by": "Jeroen de Vries"})
        await wait_for(sale, lambda s: any(e.step == "contract_v1" for e in s.emails), "contract")
        await sale.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
        await sale.signal("order_placed", {"order_number": "PO-R1"})
        assert (await sale.result()).stage == SalesStage.WON
        await wait_for_support(handle, lambda s: s.sales[0].outcome == "WON", "renewal won")
        await handle.signal("upsell_requested", {"requested_by": "lena.vogt"})
        await wait_for_support(handle, lambda s: len(s.sales) == 2, "upsell started")

    async def churning() -> None:
        """The renewal lost: churning."""
        lead_id, handle = await account(renewing_now())
        sale = await renewal_of(lead_id, handle)
        await sale.signal("mark_lost", {"reason": "no_budget"})
        await sale.result()
        await wait_for_support(handle, lambda s: s.health is Health.CHURNING, "churning")

    async def at_risk() -> None:
        """The renewal still open, and a low score: at risk."""
        lead_id, handle = await account(renewing_now())
        await renewal_of(lead_id, handle)
        await handle.signal("feedback_received", {"score": 5})
        await wait_for_support(handle, lambda s: s.health is Health.AT_RISK, "at risk")

    async def closed() -> None:
        _, handle = await account()
        await handle.signal("account_closed", {"reason": "moved to a group contract"})
        await handle.result()

    await asyncio.gather(renewed(), churning(), at_risk(), closed())
    accounts = f'LeadSource = "{source}" AND WorkflowType = "CustomerSupportWorkflow"'
    for health in Health:
        await visible(
            env, f'{accounts} AND ExecutionStatus = "Running" AND AccountHealth = "{health}"', 1
        )
    await visible(env, f'{accounts} AND ExecutionStatus = "Completed"', 1)
    await visible(env, f'LeadSource = "{source}" AND SalesStage IN ("WON", "LOST")', 2)

    ran = await run_starter(env, settings, "report", "--source", source, "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["accounts"] == {
        "open": 3,
        "closed": 1,
        "by_health": {"good": 1, "at_risk": 1, "churning": 1},
        "renewals": {"won": 1, "lost": 1, "open": 1},
    }
    assert "4 accounts" in ran.stderr
    # Another source's report counts none of them, nor their renewals.
    other = await run_starter(env, settings, "report", "--source", "elsewhere", "--json")
    assert json.loads(other.stdout)["accounts"]["renewals"] == {"won": 0, "lost": 0, "open": 0}
    # A period counts the renewals started in it; the accounts are as they stand now.
    later = str(datetime.now(UTC).date() + timedelta(days=2))
    future = await run_starter(
        env, settings, "report", "--source", source, "--since", later, "--json"
    )
    section = json.loads(future.stdout)["accounts"]
    assert section["by_health"] == {"good": 1, "at_risk": 1, "churning": 1}
    assert section["renewals"] == {"won": 0, "lost": 0, "open": 0}

    page = tmp_path / "pipeline.html"
    table = await run_starter(env, settings, "report", "--source", source, "--html", str(page))
    rows = [line.split("\t") for line in table.stdout.splitlines()]
    at = rows.index(["accounts", "good", "at risk", "churning", "closed"])
    assert rows[at + 1] == ["3", "1", "1", "1", "1"]
    at = rows.index(["renewals", "won", "lost", "open"])
    assert rows[at + 1] == ["3", "1", "1", "1"]
    html = page.read_text()
    shown = dict(re.findall(r'data-health="(\w+)"><td>[\w ]+</td><td>(\d+)</td>', html))
    assert shown == {"good": "1", "at_risk": "1", "churning": "1", "closed": "1"}
    assert "<td>3</td><td>1</td><td>1</td><td>1</td>" in html  # the renewals' row
