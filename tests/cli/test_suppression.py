"""`starter.py suppress | unsuppress | suppressed`: ops keep the opt-out list, with who and why."""

import json

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.stages import LostReason
from settings import Settings
from tests.cli.starter import run_starter
from tests.smtp_inbox import SmtpServer
from tests.workflows.helpers import new_lead, start, wait_for


async def test_an_address_put_on_the_list_by_ops_gets_no_mail_until_re_opted_in(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, smtp: SmtpServer
) -> None:
    lead = new_lead()
    put = await run_starter(
        env, settings, "suppress", lead.email.upper(), "--by", "dpo@northwind.example",
        "--reason", "erasure request by phone",
    )  # fmt: skip
    assert put.returncode == 0, put.stderr
    assert put.stdout.startswith(f"{lead.email} suppressed since ")
    assert "by dpo@northwind.example: erasure request by phone" in put.stdout

    listed = await run_starter(env, settings, "suppressed", "--json")
    assert lead.email in json.loads(listed.stdout)

    handle = await start(env.client, settings, lead)
    assert (await handle.result()).lost_reason == LostReason.OPTED_OUT
    assert smtp.inbox.to(lead.email) == []

    missing = await run_starter(env, settings, "unsuppress", lead.email, "--by", "x")
    assert missing.returncode == 2 and "--reason" in missing.stderr
    back = await run_starter(
        env, settings, "unsuppress", lead.email, "--by", "sam.keller",
        "--reason", "asked at the trade show to hear from us again",
    )  # fmt: skip
    assert back.returncode == 0, back.stderr
    assert "allowed again since" in back.stdout and "by sam.keller" in back.stdout
    again = await run_starter(
        env, settings, "unsuppress", lead.email, "--by", "x", "--reason", "twice"
    )
    assert again.returncode == 1 and "is not on the opt-out list" in again.stderr

    fresh = await start(
        env.client, settings, new_lead(email=lead.email, lead_id=f"b-{lead.lead_id}")
    )
    await wait_for(fresh, lambda s: len(s.emails) == 1, "intro after the re-opt-in")
    assert smtp.inbox.steps(lead.email) == ["intro"]


async def test_unsuppressing_an_address_never_listed_is_refused(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    result = await run_starter(
        env, settings, "unsuppress", "nobody@nowhere.example", "--by", "x", "--reason", "y"
    )
    assert result.returncode == 1
    assert "nobody@nowhere.example is not on the opt-out list" in result.stderr
