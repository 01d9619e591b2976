"""How long a text may be wherever it enters: well inside Temporal's limits, named when passed.

A search attribute value may have 2,048 bytes, a payload ~2 MB and a history ~50 MB;
one sender's oversized field must not reach any of them. Pydantic names the field
and the limit in its error ("String should have at most 200 characters").
"""

from typing import Annotated

from pydantic import Field

SHORT = 200  # names, ids, numbers, people: also what search attributes carry
LONG = 4_000  # free text: a message, notes, a summary, a reason
EMAIL = 254  # RFC 5321's longest address
MANY = 200  # items, applications, changes in one event
EVENT_BYTES = 64 * 1024  # one event's payload, as sent; a bigger one is refused unread
REJECTED_KEPT = 50  # rejected events a sale lists; older ones are only counted
EVENTS_PER_STAGE = 100  # events a sale accepts in one stage; more are dropped and counted
EXCERPT = 300  # characters of a refused payload kept to show what came

Short = Annotated[str, Field(max_length=SHORT)]
Long = Annotated[str, Field(max_length=LONG)]
NonEmpty = Annotated[str, Field(min_length=1, max_length=SHORT)]
NonEmptyLong = Annotated[str, Field(min_length=1, max_length=LONG)]
