"""A sale that continues as new at (nearly) every wait ends exactly as one that never does.

Every shipped playbook's personas run twice on time-skipping servers at real playbook
durations: once as usual, once with a history limit of one event, so each run rests
at its next wait and the next run goes on from the sale's snapshot. Emails
(Message-IDs included), stages, quotes, documents, gates and applied events must be
the same, and no email twice. For the silent lead, whom only the playbook's timers move,
every email and stage at the same virtual time to the minute too. The other personas'
replies are timed by the simulation driver, whose fast-forwards land a little differently
on a loaded machine (a reminder may or may not fall before a signature), so for them the
outcome, quotes, documents, gates and applied events are compared (numbers without their year).

Two personas a playbook keep the suite short: the silent lead, and the one whose path has
the most waits there (the exporter's licence gate where the playbook has one, the haggler's
quote versions elsewhere); the buyer's path is a part of both.
"""

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest

from sales.playbook import load_playbook
from sales.state import SaleState
from settings import Settings
from simulation.behaviour import load_behaviour
from simulation.command import simulate

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")
PERSONAS = {
    "default": ("haggler", "silent"),
    "quick": ("haggler", "silent"),
    "enterprise": ("exporter", "silent"),
    "public-sector": ("exporter", "silent"),
}


def course(state: SaleState, *, timed: bool) -> dict[str, Any]:
    """What a sale did, with times relative to its start (or none) and its run tag taken out."""
    start = state.timeline[0].at

    def since(moment: Any) -> timedelta | None:
        return moment - start if timed else None

    ids = [e.message_id for e in state.emails]
    assert len(ids) == len(set(ids)), f"an email sent twice: {ids}"
    # Untimed, a document made days apart in the two runs may be dated either side of New Year.
    number = untagged if timed else undated
    timeline = [(c.stage, c.note and untagged(c.note), since(c.at)) for c in state.timeline]
    return {
        "outcome": (state.stage, state.lost_reason),
        "emails": [(e.step, untagged(e.message_id), since(e.sent_at)) for e in state.emails]
        if timed
        else None,
        "timeline": timeline if timed else None,
        "quotes": [(number(q.number), q.version, q.totals.total) for q in state.quotes],
        "documents": [(d.kind, number(d.number), d.version) for d in state.documents],
        "gates": [(g.gate, g.status, number(g.notes)) for g in state.gates],
        "applied": [a.signal for a in state.applied_events],
    }


def untagged(text: str) -> str:
    """A number or note without the simulation run's tag."""
    return re.sub(r"sim-[0-9a-f]{6}-", "sim-", text)


def undated(text: str) -> str:
    """Also without the year a quote or contract number carries (`C-2026-...`)."""
    return re.sub(r"\b([A-Z])-\d{4}-sim-", r"\1-YYYY-sim-", untagged(text))


def same_to_the_minute(a: Any, b: Any) -> bool:
    if isinstance(a, timedelta) and isinstance(b, timedelta):
        return abs(a - b) < timedelta(minutes=1)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_to_the_minute(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_to_the_minute(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", PLAYBOOKS)
async def test_a_sale_continued_at_every_wait_ends_as_one_never_continued(name: str) -> None:
    settings = Settings()
    playbook = load_playbook(settings.playbooks_dir, name)
    personas = [p for p in load_behaviour(None).personas if p.name in PERSONAS[name]]
    assert len(personas) == 2, [p.name for p in load_behaviour(None).personas]
    usual, resting = await asyncio.gather(
        simulate(playbook, personas, settings),
        simulate(playbook, personas, settings, history_limit=1),
    )
    for plain, rested in zip(usual, resting, strict=True):
        assert rested.persona == plain.persona
        assert plain.state.runs == 1
        assert rested.state.runs > 1, f"{name} {plain.persona} never continued as new"
        timed = plain.persona == "silent"
        expected, got = course(plain.state, timed=timed), course(rested.state, timed=timed)
        assert same_to_the_minute(expected, got), f"{name} {plain.persona}:\n{expected}\n{got}"
