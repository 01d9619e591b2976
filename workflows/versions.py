"""The version of the process today's code runs, which a starter declares in a workflow's input.

2: sending windows hold outreach only, and a reply cancels outreach (sales); check-ins wait
for the window (support).
3: the changes the first patches brought (playbook-version, email-cancel-waits, opt-out-list,
support-lead-attributes) are simply the process: a workflow that declares 3 records no marker
and no TemporalChangeVersion upsert for them, four actions less per sale.

4: the customer account (support workflows): an owner, every order, service levels, health,
renewals; support workflows of older versions run the support of old to their end.

5: the lean sale, fewer billable actions for the same sale: one timer for all its waits while
the customer answers in time (`workflows.alarm`), the search attributes upserted together at
each wait and not again when the starter set them, and the lead country's public holidays
brought by the qualification activity instead of one of their own.

6: documents filed by the emails that carry them: a contract is rendered, filed and sent by
one activity instead of two, and the emails and the contract read the accepted quote from
the document store by reference instead of carrying it; `NextActionAt` is the deadline of
what the sale waits for, so the one timer ringing early and set again costs no upsert.

7: the orientation goes out with the first offer, by one activity, when the offer follows the
needs analysis at once (no discount held for approval): one action less.

8: the intro is sent by the qualification's activity when the lead qualifies and its sending
window is open then: one action less; otherwise the sale sends it as before.

9: a wait that ends in an outreach email (a follow-up, a reminder) ends when that email can go:
the lead's next window at or after its due time, not the due time and then the window; the
email goes at the same moment, and the sale's one timer less often has to be set earlier.

10: a deadline that moves later within a stage (a reply ends the cadence) is shown in
`NextActionAt` with the next upsert the sale makes anyway (its next stage), or when the sale
wakes at the earlier time shown: one upsert a stage, as the issue asks; `NextActionAt` is never
later than the sale's own deadline, so one that has passed is still a sale that is late.

11: the first offer priced and sent by one activity (`offer_quote`): when the proposal follows
the needs analysis at once and its email waits for no window, the activity that prices and
files the quote sends the offer (the orientation first), unless the discount waits for a
manager; one action less. The seller's `needs_identified` is answered once the offer is out.

12: an outreach email due at its window's opening goes later the same day inside the window when
the sale's one timer already rings then (set for another deadline): the same working day, as
the window promises, and no timer set earlier for it.

A workflow started without a version (begun on older code, or started by another client), or
with an older one, asks a `workflow.patched` instead, so one begun before replays as it ran.
A declared version costs no marker and no action.
"""

from temporalio import workflow

PROCESS_VERSION = 12
OUTREACH_RULES = 2
EARLY_PATCHES = 3
ACCOUNT = 4
LEAN = 5
FILED_BY_EMAIL = 6
ORIENTATION_WITH_OFFER = 7
INTRO_WITH_QUALIFICATION = 8
REMINDERS_AT_THE_WINDOW = 9
LATER_DEADLINES_WITH_THE_STAGE = 10
OFFER_WITH_ITS_QUOTE = 11
OUTREACH_IN_ITS_WINDOW = 12


def follows(version: int | None, since: int, patch: str) -> bool:
    """Whether a workflow runs the process as changed at `since`: by its declared version, or,
    declaring an older one or none, by the patch that brought the change."""
    if version is not None and version >= since:
        return True
    return workflow.patched(patch)
