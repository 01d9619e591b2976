"""`playbook simulate` against its own time-skipping server: the figures match a hand count,
the accounts of won sales run their first two years, and the account plan is seeded."""

import asyncio
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from rich.console import Console, Group

from sales.account.calendar import add_months
from sales.account.policy import Priority
from sales.playbook import OutreachPolicy, load_playbook
from sales.stages import SalesStage
from settings import Settings
from simulation.account_plan import AccountPlan
from simulation.account_report import account_figures, render_accounts
from simulation.behaviour import (
    AccountBehaviour,
    Behaviour,
    BehaviourError,
    RenewalScripts,
    load_behaviour,
    resolve,
    with_items,
)
from simulation.command import simulate
from simulation.report import Figures, figures, render

ROOT = Path(__file__).resolve().parents[2]

HAND_COUNT = Path(__file__).with_name("hand_count.toml")
ACCOUNTS = Path(__file__).with_name("accounts.toml")


async def test_a_small_scripted_case_matches_a_hand_count(
    capfd: pytest.CaptureFixture[str],
) -> None:
    behaviour = load_behaviour(HAND_COUNT)
    # Sending at any hour: the playbook's window would move the days with the weekday.
    playbook = load_playbook(ROOT / "playbooks", "default").model_copy(
        update={"outreach": OutreachPolicy()}
    )
    runs = await simulate(playbook, behaviour.assign(3), Settings(), accounts=True)
    result = figures(
        runs, playbook="default", version=playbook.version, seconds=0, with_accounts=True
    )
    # The dev server's banner went to stderr: stdout is the report's (`--json`).
    assert "Temporal Server" not in capfd.readouterr().out

    outcomes = {o.outcome: (o.sales, o.days.min, o.days.max) for o in result.outcomes}
    # Silent leads: intro, follow-ups after 3 and 7 more days, given up 7 days later: day 17.
    # The buyer: reply day 2, interest an hour before day 3 (before the follow-up's due time,
    # so no tie between the two decides what the sale does first), needs a day later (quote
    # out), accepted 2 days later (contract out), signed a day later, order a day later: day 8
    # to the tenth of a day.
    assert outcomes == {"LOST unresponsive": (2, 17.0, 17.0), "WON": (1, 8.0, 8.0)}
    emails = {e.step: (e.sales, e.days.median) for e in result.emails}
    assert emails == {
        "intro": (3, 0.0),
        "follow_up_1": (2, 3.0),
        "orientation": (1, 4.0),
        "proposal_v1": (1, 4.0),
        "contract_v1": (1, 6.0),
        "follow_up_2": (2, 10.0),
    }
    # Actions (process version 11, counted as `simulation.actions` does) of a silent sale:
    # start, 3 activities (qualify with the intro, 2 follow-ups), 3 timers (its one timer set
    # for each follow-up and the end), 4 search attribute upserts (CONTACT with the first
    # follow-up's due time, the next two, LOST with its reason; the lead's and QUALIFICATION
    # came with the start) = 11. The buyer's: start, 5 signals, 1 update (the needs), 3
    # activities (qualify with the intro, the quote priced and sent with the orientation
    # first, the contract's email, which files the contract), 4 timers (the follow-up's,
    # which rings on day 3 in the needs analysis, set again for the needs' 30 days, then
    # earlier for the proposal's reminder and again for the contract's; the order's 60 days
    # are later, so it stays), 6 upserts (CONTACT, NEEDS, PROPOSAL with the deal, CONTRACT,
    # CLOSING, WON, each stage with its wait's due; the reply's later due waited for NEEDS),
    # the support child (2: its start and its run) = 22. (Version 10 made 23, the quote
    # priced apart from its email; version 9 24, the reply's due upserted on its own; version
    # 7 12 and 25, the intro an activity of its own; version 6: 26, the orientation too;
    # version 5: 27, the contract rendered apart, `NextActionAt` upserted again when the timer
    # rang early; version 4: 16 and 37, a timer per wait, an upsert per change.)
    assert sorted(run.actions for run in runs) == [11, 11, 22]
    assert result.actions_total == 44
    assert result.personas == {"silent": {"LOST unresponsive": 2}, "buyer": {"WON": 1}}
    assert (result.events_sent, result.commands_refused, result.events_rejected) == (6, 0, 0)

    # The sale figures above are the same with the buyer's real account as with the stand-in:
    # the sale's part ends with starting it. What the account adds is its own section.
    # The account starts on day 8 and is closed two calendar years later (day 738 or 739, as
    # a leap day falls). O-1 was placed on day 8 and promised 28 days later: late (late_orders = 1),
    # it is escalated on day 36, shipped then and fulfilled 2 days later. The first check-in
    # comes 14 days after that, then every 90 days: days 52, 142, ... 682 (the ninth would be
    # day 772): 8 check-ins, each scored 5 (<= low_score 6), so 8 follow-up tasks, each done a
    # day later. Two P1 tickets (one a year; service levels on the clock here, as the window
    # is lifted): answered after 6 hours, so each misses its 4 h first response (the owner is
    # told; the lead would be at 8 h); resolved 36 hours after opening, so each misses its
    # 16 h resolution (owner) and its 32 h second target (the support lead). The term (12
    # months from the signature on day 7) is renewed 60 days before it ends, around days 312
    # and 678, both accepted. The last score, 5, still counts at the end: at risk.
    (account_run,) = [run.account for run in runs if run.account is not None]
    accounts = result.accounts
    assert accounts is not None
    assert (accounts.accounts, accounts.years, accounts.orders) == (1, 2, 1)
    assert (accounts.late_orders_escalated, accounts.tickets) == (1, 2)
    breaches = {b.clock: (b.owner, b.support_lead) for b in accounts.ticket_breaches}
    assert breaches == {"first_response": (2, 0), "resolution": (2, 2)}
    assert (accounts.scores, accounts.score_median) == (8, 5)
    assert (accounts.follow_ups_opened, accounts.follow_ups_done) == (8, 8)
    renewals = (accounts.renewals_started, accounts.renewals_won, accounts.renewals_lost)
    assert renewals == (2, 2, 0)
    assert accounts.health == {"good": 0, "at_risk": 1, "churning": 0}
    assert accounts.closed == {"the simulation's 2 years ended": 1}
    assert accounts.emails == {
        "check_in": 8,
        "follow_up_task": 8,
        "ticket_breach": 6,  # first response to the owner, resolution to the owner and the lead
        "renewal_due": 2,
        "renewal_reminder": 2,
        "handoff_note": 1,
        "order_late": 1,
        "welcome": 1,
    }
    # Sent by the customer's side: O-1 shipped and fulfilled, 3 events per ticket, 8 scores,
    # 8 follow-ups done, and the closing.
    assert (accounts.events_sent, accounts.events_rejected) == (2 + 6 + 8 + 8 + 1, 0)
    began = next(run for run in runs if run.account is not None).state.timeline[0].at
    state = account_run.state
    days = {e.step: round((e.sent_at - began).total_seconds() / 86400, 1) for e in state.emails}
    assert days["order_late_O-1"] == 36.0
    assert [days[f"check_in_{n}"] for n in range(1, 9)] == [52.0 + 90 * n for n in range(8)]
    welcomed = state.emails[0].sent_at.astimezone(playbook.outreach.zone_for(state.lead))
    two_years = add_months(welcomed.date(), 24) - welcomed.date()
    assert state.closed_at is not None
    assert timedelta(0) <= state.closed_at - welcomed - two_years < timedelta(minutes=5)
    for sale in state.sales:
        assert sale.for_term_ending is not None
        assert (sale.for_term_ending - sale.started_at.date()).days == 60


async def test_the_accounts_of_won_sales_show_renewals_escalations_and_follow_ups() -> None:
    behaviour = load_behaviour(ACCOUNTS)
    settings = Settings()
    default, enterprise = (load_playbook(ROOT / "playbooks", n) for n in ("default", "enterprise"))
    runs = await asyncio.gather(
        *(
            simulate(p, behaviour.assign(2), settings, accounts=True, renewal=behaviour.renewal)
            for p in (default, enterprise)
        )
    )
    reports = {
        p.name: figures(r, playbook=p.name, version=p.version, seconds=0, with_accounts=True)
        for p, r in zip((default, enterprise), runs, strict=True)
    }
    for name, report in reports.items():
        assert [o.outcome for o in report.outcomes] == ["WON"], name
        data = json.loads(report.model_dump_json())["accounts"]
        assert data["accounts"] == 2 and data["years"] == 2, name
        # Escalations: orders late (half of them) and tickets that missed a target.
        breaches = sum(b["owner"] for b in data["ticket_breaches"])
        assert data["late_orders_escalated"] >= 1 and breaches >= 1, (name, data)
        assert data["emails"]["order_late"] == data["late_orders_escalated"], name
        # A score of 4 is low on both playbooks (6 and 7): the owner follows it up a day later.
        assert data["follow_ups_opened"] >= 1, (name, data)
        assert data["follow_ups_done"] == data["follow_ups_opened"], name
        assert data["emails"]["follow_up_task"] == data["follow_ups_opened"], name
        assert data["emails"]["welcome"] == data["emails"]["handoff_note"] == 2, name
        assert sum(data["health"].values()) == 2, name
        assert data["events_rejected"] == 0, name
        text = _readable(report)
        assert "2 accounts of the won sales" in text and "Ticket breaches" in text, name
    # Default: a 12-month term renewed 60 days before its end, twice in two years; every
    # renewal accepted, so the accounts close as the years end.
    default_accounts = reports["default"].accounts
    assert default_accounts is not None
    renewals = (default_accounts.renewals_started, default_accounts.renewals_won)
    assert renewals == (4, 4)
    assert default_accounts.emails["renewal_reminder"] == 4
    assert default_accounts.closed == {"the simulation's 2 years ended": 2}
    for run in runs[0]:
        assert run.account is not None
        assert [r.state.stage for r in run.account.renewals] == [SalesStage.WON] * 2
    # Enterprise: a 36-month term, no renewal yet; a business review every 91 days, the
    # eighth on day 728 (held for the customer's window, it may fall after the two years).
    enterprise_accounts = reports["enterprise"].accounts
    assert enterprise_accounts is not None
    assert enterprise_accounts.renewals_started == 0
    assert 2 * 7 <= enterprise_accounts.emails["business_review"] <= 2 * 8


def _readable(report: Figures | Group) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(render(report) if isinstance(report, Figures) else report)
    return console.export_text()


def test_with_no_sale_won_the_accounts_section_says_so() -> None:
    empty = account_figures([])
    assert (empty.accounts, empty.years, empty.renewals_won) == (0, 2, 0)
    assert empty.health == {"good": 0, "at_risk": 0, "churning": 0}
    assert _readable(render_accounts(empty)).strip() == "No account: no sale was won."


def test_an_account_plan_is_the_same_for_the_same_seed() -> None:
    behaviour = AccountBehaviour(
        orders_per_year=4,
        late_orders=0.5,
        tickets_per_quarter=2,
        priorities={Priority.P1: 1, Priority.P3: 3},
        response_hours={1: 1, 30: 1},
    )
    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    end = start + timedelta(days=730)

    def planned(seed: str) -> list[tuple[datetime, str, str]]:
        plan = AccountPlan(behaviour, seed)
        plan.first_order("SO-1", start, start + timedelta(days=28))
        plan.orders(start, end, timedelta(days=28))
        plan.tickets(start, end)
        return [(e.at, e.signal, json.dumps(e.payload)) for e in plan.events]

    first = planned("buyer:1")
    assert first == planned("buyer:1") and first != planned("buyer:2")
    signals = [signal for _, signal, _ in first]
    # 8 further orders placed, 9 shipped and fulfilled; 16 tickets opened, answered, resolved.
    assert signals.count("order_placed") == 8
    assert signals.count("order_shipped") == signals.count("order_fulfilled") == 9
    assert [signals.count(s) for s in ("ticket_opened", "ticket_responded")] == [16, 16]
    assert [at for at, _, _ in first] == sorted(at for at, _, _ in first)
    assert all(start <= at for at, _, _ in first)


def test_an_order_is_fulfilled_on_time_or_after_its_promise() -> None:
    placed = datetime(2027, 1, 4, 9, tzinfo=UTC)
    promised = placed + timedelta(days=28)
    for late, fulfilled in ((0, placed + timedelta(days=14)), (1, promised + timedelta(days=5))):
        plan = AccountPlan(AccountBehaviour(late_orders=late), "x")
        plan.first_order("SO-1", placed, promised)
        assert [(e.signal, e.at) for e in plan.events][-1] == ("order_fulfilled", fulfilled)
    plan = AccountPlan(AccountBehaviour(), "x")
    plan.first_order("SO-1", placed, None)  # nothing promised: fulfilled in 14 days
    assert plan.events[-1].at == placed + timedelta(days=14)


def test_the_customer_answers_check_ins_and_low_scores() -> None:
    sent = datetime(2027, 3, 1, 9, tzinfo=UTC)
    plan = AccountPlan(AccountBehaviour(scores={4: 1}, follow_up_after=timedelta(days=2)), "x")
    plan.feedback(sent)
    plan.follow_up("F-1", sent + timedelta(days=2))
    assert [(e.signal, e.at - sent) for e in plan.due(sent + timedelta(days=10))] == [
        ("feedback_received", timedelta(days=2)),
        ("follow_up_done", timedelta(days=4)),
    ]
    assert plan.events == [] and plan.next_at() is None
    never = AccountPlan(AccountBehaviour.model_validate({"follow_up_after": "none"}), "x")
    never.follow_up("F-1", sent)
    assert never.events == []
    assert [AccountPlan(AccountBehaviour(renews=r), "x").renews() for r in (0, 1)] == [
        False,
        True,
    ]


def test_personas_share_the_leads_by_largest_remainder() -> None:
    behaviour = Behaviour.model_validate(
        {
            "persona": [
                {"name": "a", "share": 4},
                {"name": "b", "share": 2},
                {"name": "c", "share": 3},
            ]
        }
    )
    assert [p.name for p in behaviour.assign(10)].count("a") == 5  # 4.44 -> 4, +1 remainder
    counts = {n: [p.name for p in behaviour.assign(10)].count(n) for n in "abc"}
    assert counts == {"a": 5, "b": 2, "c": 3}


def test_a_relative_time_in_a_payload_is_resolved_when_sent() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    payload = resolve({"submission_deadline": "+P20D", "summary": "+not a duration?"}, now)
    assert payload["submission_deadline"] == "2026-03-21T12:00:00+00:00"
    assert payload["summary"] == "+not a duration?"


def test_an_account_behaviour_refuses_what_cannot_be_drawn(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[[persona]]\nname = "x"\nshare = 1\n[persona.account]\nscores = { 9 = 0 }\n')
    with pytest.raises(BehaviourError, match=r"broken.toml: persona.0.account.scores"):
        load_behaviour(broken)
    with pytest.raises(ValidationError, match="P7"):
        AccountBehaviour.model_validate({"priorities": {"P7": 1}})
    assert AccountBehaviour.model_validate({"priorities": {"p1": 1}}).priorities == {Priority.P1: 1}


def test_a_renewal_script_renews_what_the_account_buys() -> None:
    acts = RenewalScripts().accepted
    items = [{"sku": "NW-SENSOR-100", "quantity": 10}]
    (call,) = [act for act in with_items(acts, items) if act.event == "needs_identified"]
    assert call.payload["items"] == items and call.requires == ["needs_analysis"]


def test_a_broken_behaviour_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[[persona]]\nname = "x"\nshare = 1\nacts = [{ event = "e", once = "soon" }]\n'
    )
    with pytest.raises(BehaviourError, match=r"broken.toml: persona.0.acts.0.once"):
        load_behaviour(broken)


def test_the_built_in_behaviour_loads() -> None:
    behaviour = load_behaviour(None)
    assert {p.name for p in behaviour.personas} == {"buyer", "exporter", "haggler", "silent"}
    # Every persona that can win says what it does as a customer; the silent one never wins.
    plain = AccountBehaviour()
    assert [p.name for p in behaviour.personas if p.account == plain] == ["silent"]
