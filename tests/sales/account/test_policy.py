"""A playbook's `[account]` section: the rota, service levels, renewal dates, clear errors."""

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from sales.account.policy import AccountPolicy, Priority
from sales.playbook import load_playbook
from settings import ROOT

ROTA = [
    {"name": "Lena Vogt", "email": "lena@northwind.example"},
    {"name": "Tom Becker", "email": "tom@northwind.example"},
    {"name": "Aylin Demir", "email": "aylin@northwind.example"},
]


def policy(**fields: Any) -> AccountPolicy:
    return AccountPolicy.model_validate(fields)


def test_the_rota_gives_a_lead_the_same_owner_always_and_shares_the_accounts() -> None:
    rota = policy(owners=ROTA)
    owners = [rota.owner_for(f"lead-{n}") for n in range(300)]
    assert owners[:5] == [rota.owner_for(f"lead-{n}") for n in range(5)]
    counts = {person.name: owners.count(person) for person in rota.owners}
    assert all(70 <= count <= 130 for count in counts.values()), counts


def test_without_a_rota_there_is_no_owner() -> None:
    assert policy().owner_for("lead-1") is None


def test_priorities_are_read_in_any_case() -> None:
    levels = policy(
        default_priority="p2",
        service_levels={"p1": {"first_response": "PT4H", "resolution": "PT16H"}},
    )
    assert levels.default_priority is Priority.P2
    assert levels.service_levels[Priority.P1].first_response == timedelta(hours=4)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"service_levels": {"P1": {"first_response": "PT8H", "resolution": "PT4H"}}},
            "first_response must not be longer than resolution",
        ),
        (
            {"renewal": {"reminder_before": "P30D", "start_before": "P60D"}},
            "reminder_before must be at least start_before",
        ),
        ({"service_levels": {"P9": {"first_response": "PT1H", "resolution": "PT2H"}}}, "P9"),
        ({"owner": [{"name": "x"}]}, "owner"),
        ({"low_score": 11}, "low_score"),
    ],
)
def test_a_broken_section_names_what_is_wrong(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        policy(**fields)


def test_the_shipped_playbooks_account_sections_differ_as_their_trades_do() -> None:
    playbooks = {
        name: load_playbook(ROOT / "playbooks", name)
        for name in ("quick", "default", "enterprise", "public-sector")
    }
    quick = playbooks["quick"].account
    assert (quick.owners, quick.renewal, quick.business_reviews_every) == ([], None, None)
    enterprise = playbooks["enterprise"].account
    assert enterprise.service_levels[Priority.P1].first_response == timedelta(hours=4)
    assert enterprise.business_reviews_every == timedelta(days=91)
    assert enterprise.renewal is not None
    assert enterprise.renewal.start_before == timedelta(days=90)
    public = playbooks["public-sector"].account
    assert public.renewal is not None
    assert (public.renewal.by, public.renewal.playbook) == ("tender", "renewal-tender")
