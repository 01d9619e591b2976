"""Taking email addresses and known names out of text that ops see (logs, the UI's details).

Addresses are found by their shape; names only when known (a lead's own), as no
pattern tells a name from other words. The ids this project puts into addresses
(a Message-ID `<sale-....intro@...>`, an `unsubscribe+sale-...@` mailbox) carry no
personal data and are kept, so a log line still says which sale it is about.
"""

import re
from collections.abc import Iterable

ADDRESS = "(address)"
NAME = "(name)"

_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*")
_OWN_IDS = re.compile(r"^(?:unsubscribe\+)?(?:sale|support|suppression)-[\w.-]*$", re.IGNORECASE)


def _address(found: re.Match[str]) -> str:
    local = found.group(0).rpartition("@")[0]
    return found.group(0) if _OWN_IDS.match(local) else ADDRESS


def redact(text: str, names: Iterable[str | None] = ()) -> str:
    """`text` with every email address and each of `names` (any letter case) replaced."""
    text = _ADDRESS.sub(_address, text)
    # Longest first, so "Jeroen de Vries" goes whole before "Jeroen" alone.
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME, text, flags=re.IGNORECASE)
    return text
