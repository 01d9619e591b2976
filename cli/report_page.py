"""The report as one self-contained HTML page: inline SVG charts, no script, works offline.

Bars are laid out here and drawn by `templates/report/pipeline.html.j2`; inline SVG
needs no charting library and no CDN, and prints as sharply as it shows.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from sales.account_report import AccountReport
from sales.money import format_money
from sales.pipeline_report import PIPELINE, PipelineReport, duration_words

WIDTH = 640  # the charts' drawing width in SVG units
BAR = 28  # one bar's height, gaps included
LABEL = 150  # room for the stage name left of a bar


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: where it is drawn and what it says."""

    stage: str
    y: int
    x: float
    width: float
    label: str
    extra_width: float = 0.0  # the p90 beyond the median, drawn lighter


def funnel_bars(report: PipelineReport) -> list[Bar]:
    """Sales that reached each stage, centred so the chart narrows like a funnel."""
    top = max(report.reached.values(), default=0) or 1
    room = WIDTH - LABEL
    bars = []
    for row, stage in enumerate(PIPELINE):
        count = report.reached[stage]
        width = room * count / top
        x = LABEL + (room - width) / 2
        bars.append(Bar(stage.value, row * BAR, x, width, str(count)))
    return bars


def time_bars(report: PipelineReport) -> list[Bar]:
    """Median time in each stage, with the p90 drawn on past it."""
    longest = max((t.p90_seconds for t in report.time_in_stage.values()), default=0) or 1
    room = WIDTH - LABEL - 120  # the label after the bar
    bars = []
    for row, (stage, time_in) in enumerate(report.time_in_stage.items()):
        median = room * time_in.median_seconds / longest
        p90 = room * time_in.p90_seconds / longest
        label = f"{duration_words(time_in.median_seconds)} / {duration_words(time_in.p90_seconds)}"
        bars.append(Bar(stage.value, row * BAR, LABEL, median, label, p90 - median))
    return bars


def write_page(
    path: Path,
    report: PipelineReport,
    *,
    templates_dir: Path,
    filters: dict[str, str],
    generated_at: datetime,
    accounts: AccountReport | None = None,
) -> None:
    """Write the page to `path`; with `accounts`, a table of the accounts and renewals too."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["words"] = duration_words
    env.filters["money"] = format_money
    page = env.get_template("report/pipeline.html.j2").render(
        report=report,
        funnel=funnel_bars(report),
        times=time_bars(report),
        width=WIDTH,
        bar=BAR,
        label=LABEL,
        filters=filters,
        generated_at=generated_at,
        accounts=accounts,
    )
    path.write_text(page, encoding="utf-8")
