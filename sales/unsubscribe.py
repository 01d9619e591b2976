"""Unsubscribe links and addresses: RFC 8058 one-click URLs and RFC 2369 mailto, per sale.

A link carries the sale's workflow id and an HMAC of it, so nobody can opt
someone else out by guessing; the address to suppress is the sale's own lead.
"""

import hashlib
import hmac
import re

_TOKEN = re.compile(r"^(?P<workflow_id>[A-Za-z0-9][A-Za-z0-9._-]{0,200})\.(?P<mac>[0-9a-f]{32})$")
_MAILTO = re.compile(r"^unsubscribe\+(?P<workflow_id>[A-Za-z0-9][A-Za-z0-9._-]{0,200})$", re.I)


def _mac(workflow_id: str, secret: str) -> str:
    return hmac.new(secret.encode(), workflow_id.encode(), hashlib.sha256).hexdigest()[:32]


def unsubscribe_token(workflow_id: str, secret: str) -> str:
    """`sale-x.<mac>`: what the one-click URL ends with."""
    return f"{workflow_id}.{_mac(workflow_id, secret)}"


def read_unsubscribe_token(token: str, secrets: list[str]) -> str:
    """The workflow id a token was made for; ValueError when it is malformed or forged."""
    found = _TOKEN.match(token)
    if found is None:
        raise ValueError("not an unsubscribe token")
    workflow_id = found["workflow_id"]
    if not any(hmac.compare_digest(found["mac"], _mac(workflow_id, s)) for s in secrets):
        raise ValueError("unsubscribe token does not match any secret")
    return workflow_id


def unsubscribe_mailto(workflow_id: str, mail_domain: str) -> str:
    """`unsubscribe+sale-x@sales.example`: mail to it opts the sender out of that sale."""
    return f"unsubscribe+{workflow_id}@{mail_domain}"


def mailto_workflow_id(address: str) -> str | None:
    """The sale an unsubscribe mailto address names, or None for any other address."""
    local = address.rpartition("@")[0]
    found = _MAILTO.match(local)
    return found["workflow_id"] if found else None
