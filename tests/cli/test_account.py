"""`starter.py account LEAD_ID`, `status` of an account, the owner's command from `signal`, and
`list --stage customer`: what ops read of customer accounts."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.account.calendar import add_months
from sales.account.records import Handoff
from sales.account.state import AccountState
from sales.sending import ZONES
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import (
    default_playbook,
    new_lead,
    start,
    start_support,
    wait_for,
    wait_for_support,
)

AMSTERDAM = ZONES["Europe/Amsterdam"]  # the lead's country is NL


async def visible(env: WorkflowEnvironment, query: str, count: int) -> None:
    """Visibility is eventually consistent: wait until it shows what the test did."""
    for _ in range(300):
        if len([w async for w in env.client.list_workflows(query)]) == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility never showed {count} workflows for {query}")


@pytest.mark.timeout(120)
async def test_account_shows_owner_health_term_orders_tickets_follow_ups_and_sales(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    playbook = default_playbook()
    signed_on = datetime.now(AMSTERDAM).date() - timedelta(days=10)
    handoff = Handoff(
        net_total=Decimal("6290.00"), currency="EUR", contract_signed_on=signed_on, term_months=12
    )
    handle = await start_support(
        env, settings, lead, playbook, order_number="PO-1", handoff=handoff
    )
    yesterday = datetime.now(AMSTERDAM).date() - timedelta(days=1)
    for event, payload in [
        ("order_shipped", {"order_number": "PO-1", "carrier": "DHL"}),
        ("order_placed", {"order_number": "PO-2", "amount": "120", "promised_by": str(yesterday)}),
        ("ticket_opened", {"ticket_id": "T-1", "subject": "Gateway [offline]", "priority": "p1"}),
        ("ticket_opened", {"ticket_id": "T-2", "subject": "Manual missing"}),
        ("ticket_resolved", {"ticket_id": "T-2"}),
        ("feedback_received", {"score": 5, "comment": "slow answers"}),
    ]:
        await handle.signal(event, payload)
    # The owner's command goes as an update: the account answers at once.
    upsell = await run_starter(
        env, settings, "signal", lead.lead_id, "upsell_requested",
        "--payload", '{"requested_by": "lena.vogt", "event_id": "up-1"}',
    )  # fmt: skip
    assert (upsell.returncode, upsell.stdout) == (0, "accepted: the upsell sale starts now\n")
    again = await run_starter(
        env, settings, "signal", f"support-{lead.lead_id}", "upsell_requested",
        "--payload", '{"requested_by": "lena.vogt", "event_id": "up-1"}',
    )  # fmt: skip
    assert (again.returncode, again.stdout) == (1, "")
    assert again.stderr.startswith(
        f"refused: upsell_requested to support-{lead.lead_id}: duplicate event_id"
    )
    bad_sku = await run_starter(
        env, settings, "signal", lead.lead_id, "upsell_requested",
        "--payload", '{"requested_by": "x", "items": [{"sku": "NW-NOPE", "quantity": 1}]}',
    )  # fmt: skip
    assert bad_sku.returncode == 2
    assert "upsell_requested: unknown sku NW-NOPE" in bad_sku.stderr
    await wait_for_support(
        handle,
        lambda s: bool(s.concerns and s.follow_ups and s.sales) and len(s.tickets) == 2,
        "late order escalated, follow-up opened, upsell started",
    )

    ran = await run_starter(env, settings, "account", lead.lead_id)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    owner = playbook.account.owner_for(lead.lead_id)
    assert owner is not None
    ends = add_months(signed_on, 12)
    days = (ends - datetime.now(UTC).date()).days
    for expected in [
        f"support-{lead.lead_id}  PolderPack B.V.  {lead.email}",
        "stage: CUSTOMER",
        f"owner: {owner.name} <{owner.email}>",
        "health: at risk: order PO-2 is late; the last score was 5",
        f"term: {signed_on} to {ends} (ends in {days} days)",
        "value: EUR 6,410.00",
        "needs attention:",
        "orders: 2, 0 fulfilled",
        "open tickets: 1 (1 resolved)",
        "follow-ups open: 1",
        "sales started: 1",
    ]:
        assert expected in lines, f"{expected!r} not in:\n{ran.stdout}"
    po1, po2 = (line for line in lines if line.startswith(("  PO-1", "  PO-2")))
    assert "EUR 6,290.00" in po1 and "shipped" in po1 and "LATE" not in po1
    assert "EUR 120.00  placed" in po2 and f"promised by {yesterday}" in po2
    assert po2.endswith("LATE")
    assert any(line.startswith("  order PO-2 is late (since ") for line in lines)
    (ticket,) = (line for line in lines if line.startswith("  T-1"))
    assert ticket.startswith("  T-1  P1  Gateway [offline]  opened ")
    assert "first response due " in ticket and "; resolution due " in ticket
    (task,) = (line for line in lines if line.startswith("  F-1"))
    assert task.startswith("  F-1  scored 5: slow answers  due ") and "OVERDUE" not in task
    (sale,) = (line for line in lines if line.startswith(f"  sale-{lead.lead_id}-u1"))
    assert sale.startswith(f"  sale-{lead.lead_id}-u1  upsell  renewal  started ")
    assert sale.endswith("  open")
    assert any(line.startswith("next: ") for line in lines)

    # The whole state for scripts, as `status --json` prints it.
    data = json.loads((await run_starter(env, settings, "account", lead.lead_id, "--json")).stdout)
    assert set(data) == set(AccountState.model_fields)
    assert (data["stage"], data["health"], data["value"]) == ("CUSTOMER", "at_risk", "6410.00")
    assert [o["order_number"] for o in data["orders"]] == ["PO-1", "PO-2"]
    assert data["sales"][0]["kind"] == "upsell" and data["sales"][0]["outcome"] is None
    rooted = await run_starter(env, settings, "-o", "json", "account", f"support-{lead.lead_id}")
    assert json.loads(rooted.stdout)["workflow_id"] == f"support-{lead.lead_id}"
    # `status` of the account reads the same.
    status = await run_starter(env, settings, "status", f"support-{lead.lead_id}")
    assert "health: at risk: order PO-2 is late; the last score was 5" in status.stdout
    await handle.signal("account_closed", {"reason": "end of test"})


async def test_a_lead_without_an_account_says_where_its_sale_stands_on_stderr(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start(env.client, settings, lead)
    await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    for form in ([], ["--json"]):
        ran = await run_starter(env, settings, "account", lead.lead_id, *form)
        assert (ran.returncode, ran.stdout) == (2, ""), ran
        assert ran.stderr == (
            f"error: no account for lead {lead.lead_id}: there is no support-{lead.lead_id}; "
            f"its sale sale-{lead.lead_id} is in CONTACT (an account begins when the sale is "
            "won)\n"
        )
    await handle.signal("mark_lost", {"reason": "competitor"})
    await handle.result()
    lost = await run_starter(env, settings, "account", f"sale-{lead.lead_id}")
    assert lost.returncode == 2
    assert f"its sale sale-{lead.lead_id} ended LOST (completed)" in lost.stderr
    nobody = await run_starter(env, settings, "account", "nobody-at-all", own_process=True)
    assert (nobody.returncode, nobody.stdout) == (2, "")
    assert (
        "no account for lead nobody-at-all: there is no support-nobody-at-all and no "
        "sale-nobody-at-all" in nobody.stderr
    )


async def test_list_stage_customer_lists_each_account_once_with_health_and_open_tickets(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    company = f"Accounts {settings.task_queue}"
    playbook = default_playbook()
    quiet = new_lead(company=company)
    busy = new_lead(company=company)
    handles: list[WorkflowHandle[object, AccountState]] = [
        await start_support(env, settings, quiet, playbook, order_number="PO-1"),
        # A short history: twelve tickets make it continue as new.
        await start_support(env, settings, busy, playbook, history_limit=20),
    ]
    first_run = handles[1].result_run_id
    for number in range(12):
        await handles[1].signal("ticket_opened", {"ticket_id": f"T-{number}"})
    await wait_for_support(handles[1], lambda s: len(s.tickets) == 12, "twelve tickets")
    running = 'ExecutionStatus = "Running"'
    await visible(env, f'LeadCompany = "{company}" AND OpenTickets = 12 AND {running}', 1)
    await visible(env, f'WorkflowId = "{handles[1].id}" AND ExecutionStatus = "ContinuedAsNew"', 1)
    assert (await handles[1].describe()).run_id != first_run

    ran = await run_starter(env, settings, "list", "--stage", "customer", "--json")
    assert ran.returncode == 0, ran.stderr
    rows = [row for row in json.loads(ran.stdout) if row["company"] == company]
    assert sorted(row["workflow_id"] for row in rows) == sorted(h.id for h in handles)
    by_id = {row["workflow_id"]: row for row in rows}
    owner = playbook.account.owner_for(quiet.lead_id)
    assert owner is not None
    assert by_id[handles[0].id] | {"next_action_at": None} == {
        "workflow_id": handles[0].id,
        "status": "running",
        "stage": "CUSTOMER",
        "playbook": "default",
        "company": company,
        "owner": owner.name,
        "next_action_at": None,
        "deal_value": 0.0,
        "currency": "EUR",
        "health": "good",
        "open_tickets": 0,
    }
    assert by_id[handles[1].id]["open_tickets"] == 12
    assert "accounts" in ran.stderr

    table = await run_starter(env, settings, "list", "--stage", "customer")
    header, *cells = [line.split("\t") for line in table.stdout.splitlines()]
    assert header[-3:] == ["deal value", "health", "open tickets"]
    mine = {row[0]: row for row in cells if row[4] == company}
    assert mine[handles[1].id][-2:] == ["good", "12"]
    assert mine[handles[0].id][2] == "CUSTOMER"

    # A sale stage lists sales as before: no account, no account columns.
    sales = await run_starter(env, settings, "list", "--stage", "contact", "--json")
    assert all("health" not in row for row in json.loads(sales.stdout))
    plain = await run_starter(env, settings, "list", "--stage", "contact")
    assert plain.stdout.splitlines()[0].split("\t")[-1] == "deal value"
    for handle in handles:
        await handle.signal("account_closed", {"reason": "end of test"})


async def test_a_support_workflow_begun_on_older_code_reads_as_an_account_too(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    lead = new_lead()
    handle = await start_support(
        env, settings, lead, default_playbook(), order_number="PO-7", process_version=3
    )
    await handle.signal("order_fulfilled", {"order_number": "PO-7"})
    await wait_for_support(handle, lambda s: s.orders_fulfilled == ["PO-7"], "fulfilled")
    ran = await run_starter(env, settings, "account", lead.lead_id)
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert "stage: SUPPORT (support begun on older code: no owner, health or term)" in lines
    assert "orders: none (fulfilled: PO-7)" in lines
    assert "term: none" in lines and "open tickets: 0" in lines
    await handle.signal("account_closed", {"reason": "end of test"})
