"""The saved queries of the README, run against the dev server: each is valid and finds its sale."""

import asyncio
import re

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import ROOT, Settings
from tests.workflows.helpers import drive_to_proposal, new_lead, start

QUERY = re.compile(r"^\| [^|]+ \| `(?P<query>[^`]+)` \|$", re.MULTILINE)


def readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## In the Temporal UI") : text.index("## Playbooks")]
    return [found["query"] for found in QUERY.finditer(section)]


async def test_every_saved_query_of_the_readme_runs_and_finds_a_matching_sale(
    env: WorkflowEnvironment, worker: Worker, settings: Settings
) -> None:
    queries = readme_queries()
    assert len(queries) == 13
    lead = new_lead(company=f"Queried {settings.task_queue}")
    handle = await start(env.client, settings, lead)
    await drive_to_proposal(handle)  # PROPOSAL, EUR 6,290 net, a next action, sam.keller

    mine = f'WorkflowId = "{handle.id}"'
    for query in queries:
        found = [w.id async for w in env.client.list_workflows(f"({query}) AND {mine}")]
        assert found in ([], [handle.id]), query  # the query is valid where it runs
    for query in queries[:4]:
        for _ in range(100):  # visibility follows the workflow by a moment
            found = [w.id async for w in env.client.list_workflows(f"({query}) AND {mine}")]
            if found:
                break
            await asyncio.sleep(0.05)
        assert found == [handle.id], query

    # The sale terminated by hand: the failed-or-terminated query finds it.
    await handle.terminate("by mistake")
    failed = next(q for q in queries if "Terminated" in q)
    for _ in range(100):
        found = [w.id async for w in env.client.list_workflows(f"({failed}) AND {mine}")]
        if found:
            break
        await asyncio.sleep(0.05)
    assert found == [handle.id], failed
