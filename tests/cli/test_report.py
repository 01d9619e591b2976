"""`starter.py report` over real sales in every stage, matched against a hand count."""

import asyncio
import json
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from sales.playbook import Playbook, QualificationMode
from sales.stages import SALE_STAGES, SalesStage
from sales.state import SaleState
from settings import Settings
from tests.cli.starter import run_starter
from tests.workflows.helpers import (
    default_playbook,
    drive_to_contract,
    drive_to_proposal,
    new_lead,
    start,
    state_of,
    wait_for,
    wait_stage,
)


def seller_decides() -> Playbook:
    playbook = default_playbook()
    rules = playbook.qualification.model_copy(update={"mode": QualificationMode.SELLER})
    return playbook.model_copy(update={"qualification": rules})


async def visible(env: WorkflowEnvironment, query: str, count: int) -> None:
    """Visibility is eventually consistent: wait until it shows what the test did."""
    for _ in range(300):
        if len([w async for w in env.client.list_workflows(query)]) == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"visibility never showed {count} workflows for {query}")


async def sales_in_every_stage(
    env: WorkflowEnvironment, settings: Settings, source: str
) -> list[WorkflowHandle[Any, Any]]:
    """One sale parked in each stage, two won (EUR and USD), two lost for different reasons."""
    client = env.client

    async def sale(playbook: Any = None) -> WorkflowHandle[Any, Any]:
        return await start(client, settings, new_lead(source=source), playbook)

    async def qualification() -> WorkflowHandle[Any, Any]:
        handle = await sale(seller_decides())
        await wait_for(handle, lambda s: s.next_action is not None, "decision asked")
        return handle

    async def contact() -> WorkflowHandle[Any, Any]:
        handle = await sale()
        await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
        return handle

    async def needs_analysis() -> WorkflowHandle[Any, Any]:
        handle = await contact()
        await handle.signal("interest_expressed", {})
        await wait_stage(handle, SalesStage.NEEDS_ANALYSIS)
        return handle

    async def proposal() -> WorkflowHandle[Any, Any]:
        handle = await sale()
        await drive_to_proposal(handle)
        return handle

    async def contract() -> WorkflowHandle[Any, Any]:
        handle = await sale()
        await drive_to_contract(handle)
        return handle

    async def closing(playbook: Any = None) -> WorkflowHandle[Any, Any]:
        handle = await sale(playbook)
        await drive_to_contract(handle)
        await handle.signal("contract_signed", {"signed_by": "Jeroen de Vries"})
        await wait_stage(handle, SalesStage.CLOSING)
        return handle

    async def won(playbook: Any = None) -> WorkflowHandle[Any, Any]:
        handle = await closing(playbook)
        await handle.signal("order_placed", {"order_number": "PO-1"})
        await handle.result()
        return handle

    async def lost_in_contact() -> WorkflowHandle[Any, Any]:
        handle = await contact()
        await handle.signal("mark_lost", {"reason": "competitor"})
        await handle.result()
        return handle

    async def lost_in_proposal() -> WorkflowHandle[Any, Any]:
        handle = await proposal()
        await handle.signal("mark_lost", {"reason": "no_budget"})
        await handle.result()
        return handle

    return list(
        await asyncio.gather(
            qualification(), contact(), needs_analysis(), proposal(), contract(), closing(),
            won(), won(default_playbook(currency="USD")), lost_in_contact(), lost_in_proposal(),
        )
    )  # fmt: skip


async def test_the_report_matches_a_hand_count_of_sales_in_every_stage(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    source = f"report:{settings.task_queue}"
    handles = await sales_in_every_stage(env, settings, source)
    await visible(env, f'LeadSource = "{source}" AND SalesStage IN ("WON", "LOST")', 4)

    ran = await run_starter(env, settings, "report", "--source", source, "--json")
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)

    assert report["sales"] == 10
    assert report["stages"] == {
        "QUALIFICATION": 1, "CONTACT": 1, "NEEDS_ANALYSIS": 1, "PROPOSAL": 1,
        "CONTRACT": 1, "CLOSING": 1, "WON": 2, "LOST": 2,
    }  # fmt: skip
    # How far each got: Q; C, lost-in-C; N; P, lost-in-P; K; CL; two WON.
    assert report["reached"] == {
        "QUALIFICATION": 10, "CONTACT": 9, "NEEDS_ANALYSIS": 7, "PROPOSAL": 6,
        "CONTRACT": 4, "CLOSING": 3, "WON": 2,
    }  # fmt: skip
    rates = {c["from_stage"]: c["rate"] for c in report["conversion"]}
    assert rates["PROPOSAL"] == 4 / 6 and rates["CLOSING"] == 2 / 3
    assert (report["open"], report["won"], report["lost"]) == (6, 2, 2)
    assert report["win_rate"] == 0.5
    assert report["lost_reasons"] == {"competitor": 1, "no_budget": 1}
    # The default quote, net: 10 sensors and the platform (tests/workflows/sale/test_workflow.py).
    assert report["won_value"] == {"EUR": "6290.00", "USD": "6950.00"}
    assert report["filters"] == {"source": source}

    # Time in stage from the histories is what each sale's own timeline says; the two clocks
    # are the same task's start, one kept in nanoseconds and one in microseconds.
    timelines = [await state_of(h) for h in handles]
    for stage, figures in report["time_in_stage"].items():
        stays = stays_in(timelines, SalesStage(stage))
        assert figures["stays"] == len(stays), stage
        median, p90 = statistics.median(stays), sorted(stays)[-(-9 * len(stays) // 10) - 1]
        assert figures["median_seconds"] == pytest.approx(median, abs=2e-6), stage
        assert figures["p90_seconds"] == pytest.approx(p90, abs=2e-6), stage
    assert report["time_in_stage"]["QUALIFICATION"]["stays"] == 9
    assert report["time_in_stage"]["CLOSING"]["stays"] == 2

    table = await run_starter(env, settings, "report", "--source", source)
    rows = [line.split("\t") for line in table.stdout.splitlines()]
    assert rows[0] == ["stage", "now in", "reached", "to next", "stays", "median", "p90"]
    assert rows[1][:4] == ["QUALIFICATION", "1", "10", "90%"]
    assert ["sales", "open", "won", "lost", "win rate"] in rows
    assert ["10", "6", "2", "2", "50%"] in rows
    assert ["competitor", "1"] in rows and ["EUR", "EUR 6,290.00"] in rows, table.stdout


def stays_in(timelines: list[SaleState], stage: SalesStage) -> list[float]:
    """Seconds each sale spent in `stage` before moving on, from the `state` query."""
    stays = []
    for state in timelines:
        for change, following in zip(state.timeline, state.timeline[1:], strict=False):
            if change.stage == stage:
                stays.append((following.at - change.at).total_seconds())
    return stays


async def test_report_filters_name_a_bad_date_and_match_nothing_else(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    bad = await run_starter(env, settings, "report", "--since", "27.11.2026")
    assert bad.returncode == 2
    assert "--since: '27.11.2026' is not a date like 2026-11-27" in bad.stderr
    assert bad.stdout == ""
    empty = await run_starter(
        env, settings, "report", "--owner", f"nobody-{settings.task_queue}", "--json"
    )
    assert empty.returncode == 0, empty.stderr
    data = json.loads(empty.stdout)
    assert data["sales"] == 0 and data["win_rate"] is None
    assert set(data["stages"]) == {stage.value for stage in SALE_STAGES}


BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.mark.skipif(
    not (BROWSER and DRIVER),
    reason="no chromium/chromedriver here: .ci/run installs Debian's chromium and chromium-driver",
)
async def test_the_html_report_renders_its_charts_in_a_real_browser_offline(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    source = f"page:{settings.task_queue}"
    client = env.client
    handles = [await start(client, settings, new_lead(source=source)) for _ in range(3)]
    for handle in handles:
        await wait_for(handle, lambda s: len(s.emails) == 1, "intro email")
    await handles[0].signal("interest_expressed", {})
    await wait_stage(handles[0], SalesStage.NEEDS_ANALYSIS)
    await handles[1].signal("mark_lost", {"reason": "competitor"})
    await handles[1].result()
    await visible(env, f'LeadSource = "{source}" AND SalesStage IN ("NEEDS_ANALYSIS", "LOST")', 2)

    page = tmp_path / "pipeline.html"
    ran = await run_starter(env, settings, "report", "--source", source, "--html", str(page))
    assert ran.returncode == 0, ran.stderr
    assert f"wrote {page}" in ran.stderr

    rendered = await asyncio.to_thread(render_in_browser, page)
    assert rendered["title"].startswith("Sales pipeline")
    assert rendered["resources"] == 0  # nothing fetched: the page works offline
    funnel = rendered["funnel"]
    assert [bar["stage"] for bar in funnel][:3] == ["QUALIFICATION", "CONTACT", "NEEDS_ANALYSIS"]
    # Drawn, and as wide as the counts say: 3 reached CONTACT, 1 reached NEEDS_ANALYSIS.
    assert funnel[0]["width"] > 0 and funnel[0]["width"] == funnel[1]["width"]
    assert abs(funnel[2]["width"] * 3 - funnel[1]["width"]) < 1.5
    assert funnel[3]["width"] == 0
    assert rendered["counts"][:3] == ["3", "3", "1"]
    assert rendered["time_stages"] == ["QUALIFICATION", "CONTACT"]
    assert "competitor" in rendered["text"] and "win rate" in rendered["text"]


def render_in_browser(page: Path) -> dict[str, Any]:
    """Open the page in headless chromium and read what it drew."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = str(BROWSER)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    try:
        driver.set_page_load_timeout(30)
        driver.get(page.resolve().as_uri())
        bars = driver.find_elements(By.CSS_SELECTOR, "svg#funnel rect.bar")
        times = driver.find_elements(By.CSS_SELECTOR, "svg#time-in-stage rect.median")
        return {
            "title": driver.title,
            "resources": driver.execute_script(
                "return performance.getEntriesByType('resource').length"
            ),
            "funnel": [
                {"stage": bar.get_attribute("data-stage"), "width": bar.rect["width"]}
                for bar in bars
            ],
            "counts": [t.text for t in driver.find_elements(By.CSS_SELECTOR, "svg#funnel .count")],
            "time_stages": [bar.get_attribute("data-stage") for bar in times],
            "text": driver.find_element(By.TAG_NAME, "body").text,
        }
    finally:
        driver.quit()
