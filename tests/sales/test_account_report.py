"""The accounts section of the report, counted by hand over a few made-up accounts."""

from sales.account.records import Health
from sales.account_report import AccountRecord, RenewalRecord, build_account_report
from sales.stages import SalesStage as S


def account(name: str, health: Health | None = None, *, open: bool = True) -> AccountRecord:
    return AccountRecord(workflow_id=f"support-{name}", open=open, health=health)


def renewal(name: str, number: int, stage: S | None) -> RenewalRecord:
    return RenewalRecord(
        workflow_id=f"sale-{name}-r{number}", account_workflow_id=f"support-{name}", stage=stage
    )


ACCOUNTS = [
    account("a", Health.GOOD),
    account("b", Health.AT_RISK),
    account("c", Health.CHURNING),
    account("d", Health.CHURNING),
    account("new"),  # no health shown yet: it begins good
    account("gone", Health.AT_RISK, open=False),
]
RENEWALS = [
    renewal("a", 1, S.WON),
    renewal("a", 2, S.PROPOSAL),
    renewal("c", 1, S.LOST),
    renewal("d", 1, S.LOST),
    renewal("gone", 1, S.WON),
    renewal("b", 1, None),  # started, its stage not shown yet
]


def test_open_accounts_count_by_health_and_closed_ones_apart() -> None:
    report = build_account_report(ACCOUNTS, RENEWALS)
    assert report.by_health == {Health.GOOD: 2, Health.AT_RISK: 1, Health.CHURNING: 2}
    assert (report.open, report.closed) == (5, 1)


def test_renewals_count_won_lost_and_those_without_an_outcome() -> None:
    report = build_account_report(ACCOUNTS, RENEWALS)
    assert report.renewals.model_dump() == {"won": 2, "lost": 2, "open": 2}


def test_only_the_renewals_of_the_accounts_counted_and_each_once() -> None:
    some = [a for a in ACCOUNTS if a.workflow_id in ("support-a", "support-c")]
    twice = [*RENEWALS, renewal("a", 1, S.WON)]  # listed again (a second page, a new run)
    report = build_account_report(some, twice)
    assert report.renewals.model_dump() == {"won": 1, "lost": 1, "open": 1}
    assert report.by_health == {Health.GOOD: 1, Health.AT_RISK: 0, Health.CHURNING: 1}


def test_no_accounts_name_every_health_with_nothing_in_it_for_the_json() -> None:
    report = build_account_report([], [])
    assert report.model_dump(mode="json") == {
        "open": 0,
        "closed": 0,
        "by_health": {"good": 0, "at_risk": 0, "churning": 0},
        "renewals": {"won": 0, "lost": 0, "open": 0},
    }
