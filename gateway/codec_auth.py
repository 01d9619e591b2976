"""Who may use the codec endpoint: a token from settings, as a bearer token or a browser session.

Scripts send `Authorization: Bearer <token>`. The Temporal UI calls the endpoint from
the browser and cannot be given a header; with "Include cross-origin credentials" on,
it sends cookies. A person signs in once at `/v1/codec/login` with a token and gets a
session cookie: an expiry time and an HMAC of it under the token, so the gateway keeps
no sessions, the token itself never sits in the browser, and taking a token out of the
settings ends every session made with it. The cookie is HttpOnly, SameSite=Strict and
limited to the codec endpoint's path: the UI on 127.0.0.1:8233 and the gateway on
127.0.0.1:8000 are the same site (cookies ignore ports), a page of another site never
gets it sent.
"""

import hashlib
import hmac
import re
import time
from collections.abc import Callable

COOKIE = "salesflow_codec"
SESSION_SECONDS = 12 * 3600
_BEARER = re.compile(r"^Bearer\s+(?P<token>\S+)\s*$", re.IGNORECASE)
_SESSION = re.compile(r"^(?P<expires>\d{1,12})\.(?P<mac>[0-9a-f]{64})$")


class CodecAuth:
    """Checks bearer tokens and session cookies against the current codec tokens."""

    def __init__(self, tokens: list[str], *, clock: Callable[[], float] = time.time) -> None:
        self._tokens = [t.encode() for t in tokens]
        self._clock = clock

    @property
    def configured(self) -> bool:
        """Whether any token is set (without one, nobody may use the endpoint)."""
        return bool(self._tokens)

    def is_token(self, given: str) -> bool:
        """Whether `given` is one of the tokens (compared in constant time)."""
        found = False
        for token in self._tokens:
            found |= hmac.compare_digest(given.encode(), token)
        return found

    def new_session(self, token: str) -> str:
        """The session cookie's value for a browser that signed in with `token`."""
        expires = int(self._clock()) + SESSION_SECONDS
        return f"{expires}.{_mac(token.encode(), expires)}"

    def allows(self, authorization: str | None, cookie: str | None) -> str | None:
        """How the request is allowed ("bearer token", "browser session"), or None."""
        if authorization:
            bearer = _BEARER.match(authorization)
            if bearer is not None and self.is_token(bearer["token"]):
                return "bearer token"
        if cookie:
            session = _SESSION.match(cookie)
            if session is not None and int(session["expires"]) > self._clock():
                expires = int(session["expires"])
                for token in self._tokens:
                    if hmac.compare_digest(session["mac"], _mac(token, expires)):
                        return "browser session"
        return None


def _mac(token: bytes, expires: int) -> str:
    return hmac.new(token, f"codec-session:{expires}".encode(), hashlib.sha256).hexdigest()
