"""The customer accounts in numbers: open accounts by health, and how their renewals ended.

Pure: it takes what each account and each renewal sale shows (`AccountRecord`,
`RenewalRecord`) and counts; reading those from Temporal is `cli.report`'s job.
"""

from collections.abc import Iterable

from pydantic import BaseModel

from sales.account.records import Health
from sales.stages import SalesStage


class AccountRecord(BaseModel):
    """One account as the report sees it: still open or closed, and its health."""

    workflow_id: str
    open: bool
    health: Health | None = None


class RenewalRecord(BaseModel):
    """One renewal sale: the account that started it and the stage it stands in (or ended)."""

    workflow_id: str
    account_workflow_id: str
    stage: SalesStage | None = None


class RenewalCounts(BaseModel):
    """Renewal sales won, lost, and without an outcome yet."""

    won: int = 0
    lost: int = 0
    open: int = 0


class AccountReport(BaseModel):
    """Open accounts by health (every health named, 0 when none), closed ones, renewals."""

    open: int
    closed: int
    by_health: dict[Health, int]
    renewals: RenewalCounts


def build_account_report(
    accounts: Iterable[AccountRecord], renewals: Iterable[RenewalRecord]
) -> AccountReport:
    """Count the accounts, and the renewals of those accounts only (so a filter on the
    accounts filters their renewals too). An account or a renewal listed twice counts once;
    an open account that shows no health yet counts as good, as an account begins."""
    by_id = {account.workflow_id: account for account in accounts}
    by_health = dict.fromkeys(Health, 0)
    for account in by_id.values():
        if account.open:
            by_health[account.health or Health.GOOD] += 1
    counts = RenewalCounts()
    seen = {r.workflow_id: r for r in renewals if r.account_workflow_id in by_id}
    for renewal in seen.values():
        if renewal.stage is SalesStage.WON:
            counts.won += 1
        elif renewal.stage is SalesStage.LOST:
            counts.lost += 1
        else:
            counts.open += 1
    opened = sum(by_health.values())
    return AccountReport(
        open=opened, closed=len(by_id) - opened, by_health=by_health, renewals=counts
    )
