"""A sale that continued as new mid-step on the journal's code goes on from a snapshot: the
emails its journal says went out count as sent, the events it took in are kept again."""

from datetime import UTC, datetime

from sales.lead import Lead
from sales.state import SaleState
from workflows.sale.legacy import JournalEntry, Resume, StepStart, snapshot_of

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def test_a_journal_resume_becomes_a_snapshot_with_nothing_to_send_twice() -> None:
    lead = Lead(email="buyer@polderpack.example")
    state = SaleState(workflow_id="sale-x", lead=lead, playbook="default")
    intro = {
        "step": "intro",
        "template": "intro",
        "to": lead.email,
        "subject": "Hello",
        "message_id": "<sale-x.intro@sales.example>",
        "sent_at": AT.isoformat(),
    }
    resume = Resume(
        start=StepStart(index=1, at=AT, state=state, seen=["e1"]),
        entries=[
            JournalEntry(kind="result", at=AT, what="email intro", data=intro),
            JournalEntry(kind="event", at=AT, signal="contact_responded", data={"event_id": "e2"}),
            JournalEntry(kind="wait", at=AT, what="wait for ContactResponded", data=0),
            JournalEntry(kind="rest", at=AT, what="wait for InterestExpressed"),
        ],
        runs=3,
        outreach_rules=True,
    )
    snapshot = snapshot_of(resume)
    assert snapshot.step == 1 and snapshot.seen == ["e1"] and snapshot.outreach_rules
    assert [email.step for email in snapshot.state.emails] == ["intro"]
    assert [(k.signal, k.event) for k in snapshot.kept] == [
        ("contact_responded", {"event_id": "e2"})
    ]
    assert snapshot.state.runs == 3  # the new run makes it 4
