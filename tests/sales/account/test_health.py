"""An account's health and its reasons, from tickets, orders, scores, follow-ups, renewals."""

from datetime import UTC, datetime, timedelta

from sales.account.health import Score, assess
from sales.account.policy import Priority
from sales.account.records import (
    AccountOrder,
    AccountSale,
    AccountTicket,
    ClockKind,
    FollowUpTask,
    Health,
    SaleKind,
    SlaClock,
)

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


def health(**what: object) -> tuple[Health, list[str]]:
    found: dict[str, object] = {
        "tickets": [],
        "orders": [],
        "scores": [],
        "follow_ups": [],
        "sales": [],
        **what,
    }
    return assess(NOW, low_score=6, scores_count_for=180 * DAY, **found)  # type: ignore[arg-type]


def breached_ticket(resolved: bool = False) -> AccountTicket:
    clock = SlaClock(
        kind=ClockKind.RESOLUTION, due_at=NOW - DAY, lead_due_at=NOW + DAY, breached_at=NOW - DAY
    )
    return AccountTicket(
        ticket_id="T-9",
        priority=Priority.P1,
        opened_at=NOW - 3 * DAY,
        resolved_at=NOW if resolved else None,
        clocks=[clock],
    )


def test_nothing_wrong_is_good_with_no_reasons() -> None:
    assert health() == (Health.GOOD, [])


def test_an_open_breached_ticket_puts_it_at_risk_and_resolving_it_brings_it_back() -> None:
    assert health(tickets=[breached_ticket()]) == (
        Health.AT_RISK,
        ["ticket T-9 (P1) missed its resolution"],
    )
    assert health(tickets=[breached_ticket(resolved=True)]) == (Health.GOOD, [])


def test_a_late_order_counts_until_it_is_fulfilled() -> None:
    late = AccountOrder(order_number="PO-2", promised_by=NOW - DAY)
    assert health(orders=[late]) == (Health.AT_RISK, ["order PO-2 is late"])
    done = late.model_copy(update={"fulfilled_at": NOW})
    assert health(orders=[done]) == (Health.GOOD, [])


def test_the_last_recent_score_decides_and_an_old_one_no_longer_counts() -> None:
    assert health(scores=[Score(9, NOW - DAY), Score(5, NOW)]) == (
        Health.AT_RISK,
        ["the last score was 5"],
    )
    assert health(scores=[Score(5, NOW - DAY), Score(9, NOW)]) == (Health.GOOD, [])
    assert health(scores=[Score(5, NOW - 181 * DAY)]) == (Health.GOOD, [])


def test_a_detractors_score_makes_it_churning() -> None:
    assert health(scores=[Score(2, NOW)]) == (Health.CHURNING, ["the last score was 2"])


def test_an_overdue_follow_up_is_a_reason() -> None:
    task = FollowUpTask(task_id="F-1", reason="scored 5", opened_at=NOW - 5 * DAY, due_at=NOW - DAY)
    assert health(follow_ups=[task]) == (Health.AT_RISK, ["follow-up F-1 is overdue"])


def test_a_lost_renewal_makes_it_churning_and_a_won_one_after_it_does_not() -> None:
    def renewal(outcome: str, days_ago: int) -> AccountSale:
        return AccountSale(
            workflow_id=f"sale-x-r{days_ago}",
            kind=SaleKind.RENEWAL,
            playbook="renewal",
            started_at=NOW - days_ago * DAY,
            outcome=outcome,
        )

    assert health(sales=[renewal("LOST", 10)]) == (
        Health.CHURNING,
        ["the renewal sale-x-r10 was lost"],
    )
    assert health(sales=[renewal("LOST", 400), renewal("WON", 10)]) == (Health.GOOD, [])


def test_three_reasons_together_make_it_churning() -> None:
    late = AccountOrder(order_number="PO-2", promised_by=NOW - DAY)
    found, reasons = health(tickets=[breached_ticket()], orders=[late], scores=[Score(6, NOW)])
    assert (found, len(reasons)) == (Health.CHURNING, 3)
