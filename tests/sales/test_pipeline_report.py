"""The pipeline report's numbers, counted by hand over a small made-up pipeline."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sales.pipeline_report import SaleRecord, StageVisit, build_report, duration_words, percentile
from sales.stages import SalesStage as S

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sale(name: str, *path: tuple[S, float], **fields: object) -> SaleRecord:
    """A sale that entered each stage `hours` after T0."""
    visits = [StageVisit(stage=stage, entered_at=T0 + timedelta(hours=h)) for stage, h in path]
    return SaleRecord.model_validate(
        {"workflow_id": f"sale-{name}", "stage": path[-1][0], "visits": visits, **fields}
    )


PIPELINE = [
    sale("q", (S.QUALIFICATION, 0)),
    sale("c", (S.QUALIFICATION, 0), (S.CONTACT, 1)),
    sale("lost-early", (S.QUALIFICATION, 0), (S.CONTACT, 2), (S.LOST, 50),
         lost_reason="unresponsive"),
    sale("quick-won", (S.QUALIFICATION, 0), (S.PROPOSAL, 1), (S.CLOSING, 25), (S.WON, 26),
         deal_value=Decimal("100.50"), currency="EUR"),
    sale("won", (S.QUALIFICATION, 0), (S.CONTACT, 3), (S.NEEDS_ANALYSIS, 27),
         (S.PROPOSAL, 30), (S.CONTRACT, 78), (S.CLOSING, 80), (S.WON, 81),
         deal_value=Decimal("6290.00"), currency="EUR"),
    sale("won-usd", (S.QUALIFICATION, 0), (S.CONTACT, 1), (S.NEEDS_ANALYSIS, 5),
         (S.PROPOSAL, 6), (S.CONTRACT, 7), (S.CLOSING, 8), (S.WON, 9),
         deal_value=Decimal("980.00"), currency="USD"),
    sale("lost-late", (S.QUALIFICATION, 0), (S.CONTACT, 1), (S.NEEDS_ANALYSIS, 2),
         (S.PROPOSAL, 4), (S.LOST, 100), lost_reason="competitor"),
    sale("lost-late-2", (S.QUALIFICATION, 0), (S.CONTACT, 1), (S.NEEDS_ANALYSIS, 2),
         (S.PROPOSAL, 3), (S.LOST, 5), lost_reason="competitor"),
]  # fmt: skip


def test_stages_count_the_sales_now_in_each_and_reached_counts_how_far_they_got() -> None:
    report = build_report(PIPELINE)
    assert report.sales == 8
    assert report.stages == {
        S.QUALIFICATION: 1, S.CONTACT: 1, S.NEEDS_ANALYSIS: 0, S.PROPOSAL: 0,
        S.CONTRACT: 0, S.CLOSING: 0, S.WON: 3, S.LOST: 3,
    }  # fmt: skip
    # The quick sale skipped CONTACT and NEEDS_ANALYSIS yet got further: it counts in both.
    assert report.reached == {
        S.QUALIFICATION: 8, S.CONTACT: 7, S.NEEDS_ANALYSIS: 5, S.PROPOSAL: 5,
        S.CONTRACT: 3, S.CLOSING: 3, S.WON: 3,
    }  # fmt: skip
    rates = {(c.from_stage, c.to_stage): c.rate for c in report.conversion}
    assert rates[(S.QUALIFICATION, S.CONTACT)] == 7 / 8
    assert rates[(S.PROPOSAL, S.CONTRACT)] == 3 / 5
    assert rates[(S.CLOSING, S.WON)] == 1.0


def test_win_rate_lost_reasons_and_value_won_per_currency() -> None:
    report = build_report(PIPELINE)
    assert (report.open, report.won, report.lost) == (2, 3, 3)
    assert report.win_rate == 0.5
    assert report.lost_reasons == {"competitor": 2, "unresponsive": 1}
    assert report.won_value == {"EUR": Decimal("6390.50"), "USD": Decimal("980.00")}


def test_time_in_stage_counts_the_stays_that_ended() -> None:
    report = build_report(PIPELINE)
    proposal = report.time_in_stage[S.PROPOSAL]
    # Stays in PROPOSAL: 24 h, 48 h, 1 h, 96 h, 2 h; the 90th percentile is the longest here.
    assert proposal.stays == 5
    assert proposal.median_seconds == 24 * 3600
    assert proposal.p90_seconds == 96 * 3600
    contact = report.time_in_stage[S.CONTACT]  # 48 h, 24 h, 4 h, 1 h, 1 h; c is still there
    assert (contact.stays, contact.median_seconds) == (5, 4 * 3600)
    assert S.WON not in report.time_in_stage and S.LOST not in report.time_in_stage


def test_an_empty_pipeline_has_no_rates_rather_than_a_division_by_zero() -> None:
    report = build_report([])
    assert report.sales == 0 and report.win_rate is None
    assert [c.rate for c in report.conversion] == [None] * 6  # each step of the funnel
    assert report.time_in_stage == {} and report.won_value == {}


def test_p90_is_a_stay_that_happened_and_durations_read_as_people_say_them() -> None:
    stays = [timedelta(minutes=m) for m in range(1, 11)]
    assert percentile(stays, 90) == timedelta(minutes=9)
    assert percentile(stays[:1], 90) == timedelta(minutes=1)
    assert duration_words(3 * 86400 + 4 * 3600 + 59) == "3d 4h"
    assert duration_words(5 * 3600 + 12 * 60) == "5h 12m"
    assert duration_words(40) == "40s"
    assert duration_words(2 * 86400) == "2d" and duration_words(3600) == "1h"
