"""Signed requests: `Salesflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.

Several secrets may be valid at once (rotation); a signature older or newer than
five minutes, or one already used, is refused; comparisons take constant time.
"""

import hashlib
import hmac
import re
import time
from collections.abc import Callable

HEADER = "Salesflow-Signature"
WINDOW_SECONDS = 300
_SIGNATURE = re.compile(r"^t=(?P<t>\d{1,12}),v1=(?P<v1>[0-9a-f]{64})$")


class SignatureError(ValueError):
    """Why a request's signature is not accepted; said to the sender as a 401."""


def sign(body: bytes, secret: str, at: int) -> str:
    """The header value a sender puts on `body` at unix time `at`."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


class Verifier:
    """Checks signatures against the current secrets and remembers those already used."""

    def __init__(
        self,
        secrets: list[str],
        *,
        window: int = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secrets:
            raise ValueError("at least one webhook secret is needed")
        self._secrets = [s.encode() for s in secrets]
        self._window = window
        self._clock = clock
        self._used: dict[str, float] = {}

    def verify(self, header: str | None, body: bytes, target: str = "") -> None:
        """Nothing when the request is signed right; SignatureError naming the problem.

        `target` (method and path) tells requests apart that carry the same body in the same
        second (two sales told `{}`); the same signed request a second time is a replay.
        """
        if not header:
            raise SignatureError(f"missing {HEADER} header")
        found = _SIGNATURE.match(header.strip())
        if found is None:
            raise SignatureError(f"{HEADER} is not t=<unix seconds>,v1=<hex HMAC-SHA256>")
        at, given = int(found["t"]), found["v1"]
        now = self._clock()
        if abs(now - at) > self._window:
            raise SignatureError(f"signature time {at} is not within {self._window} s of now")
        signed = f"{at}.".encode() + body
        expected = [hmac.new(s, signed, hashlib.sha256).hexdigest() for s in self._secrets]
        if not any(hmac.compare_digest(given, e) for e in expected):
            raise SignatureError("signature does not match the body with any current secret")
        self._forget(now)
        key = f"{target} {given}"
        if key in self._used:
            raise SignatureError("signature already used: a replayed request")
        self._used[key] = at + self._window

    def _forget(self, now: float) -> None:
        for used, until in list(self._used.items()):
            if until < now:
                del self._used[used]
