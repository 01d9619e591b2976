"""`playbook simulate` against its own time-skipping server: the figures match a hand count."""

from pathlib import Path

import pytest

from sales.playbook import OutreachPolicy, load_playbook
from settings import Settings
from simulation.behaviour import Behaviour, BehaviourError, load_behaviour, resolve
from simulation.command import simulate
from simulation.report import figures

ROOT = Path(__file__).resolve().parents[2]

HAND_COUNT = Path(__file__).with_name("hand_count.toml")


async def test_a_small_scripted_case_matches_a_hand_count() -> None:
    behaviour = load_behaviour(HAND_COUNT)
    # Sending at any hour: the playbook's window would move the days with the weekday.
    playbook = load_playbook(ROOT / "playbooks", "default").model_copy(
        update={"outreach": OutreachPolicy()}
    )
    runs = await simulate(playbook, behaviour.assign(3), Settings())
    result = figures(runs, playbook="default", version=playbook.version, seconds=0)

    outcomes = {o.outcome: (o.sales, o.days.min, o.days.max) for o in result.outcomes}
    # Silent leads: intro, follow-ups after 3 and 7 more days, given up 7 days later: day 17.
    # The buyer: reply day 2, interest day 3, needs day 4 (quote out), accepted day 6
    # (contract out), signed day 7, order day 8.
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
    # Actions of a silent sale: start, 4 activities (qualify, 3 emails), 3 timers, 8 search
    # attribute upserts (lead, QUALIFICATION, CONTACT, 3 next actions, LOST, its reason) = 16.
    # The buyer's: start, 5 signals, 1 update (the needs), 7 activities (qualify, intro, quote,
    # orientation, proposal, contract, its email), 6 timers (one wait per step, and the wait
    # for interest), 15 upserts (lead, 6 stages, 6 next actions, the deal value, WON), the
    # support child = 36. (Process version 3: no patch marker, no TemporalChangeVersion upsert;
    # a sale asking the playbook-version and email-cancel-waits patches made 20 and 40.)
    assert sorted(run.actions for run in runs) == [16, 16, 36]
    assert result.actions_total == 68
    assert result.personas == {"silent": {"LOST unresponsive": 2}, "buyer": {"WON": 1}}
    assert (result.events_sent, result.commands_refused, result.events_rejected) == (6, 0, 0)


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


def test_a_broken_behaviour_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(
        '[[persona]]\nname = "x"\nshare = 1\nacts = [{ event = "e", once = "soon" }]\n'
    )
    with pytest.raises(BehaviourError, match=r"broken.toml: persona.0.acts.0.once"):
        load_behaviour(broken)


def test_the_built_in_behaviour_loads() -> None:
    assert {p.name for p in load_behaviour(None).personas} == {
        "buyer",
        "exporter",
        "haggler",
        "silent",
    }
