"""Webhook signatures: HMAC-SHA256 of "t.body", several secrets, a five-minute window, no reuse."""

import pytest

from gateway.signatures import SignatureError, Verifier, sign

NOW = 1_800_000_000


def verifier(*secrets: str) -> Verifier:
    return Verifier(list(secrets), clock=lambda: NOW)


def test_a_signature_of_any_current_secret_is_accepted_once_per_request() -> None:
    check = verifier("old", "new")
    check.verify(sign(b"{}", "old", NOW), b"{}", "POST /a")
    check.verify(sign(b"{}", "new", NOW), b"{}", "POST /a")
    check.verify(sign(b"{}", "new", NOW), b"{}", "POST /b")  # same body, another request
    with pytest.raises(SignatureError, match="already used"):
        check.verify(sign(b"{}", "new", NOW), b"{}", "POST /b")


@pytest.mark.parametrize(
    ("header", "body", "reason"),
    [
        (None, b"{}", "missing Salesflow-Signature header"),
        ("v1=abc", b"{}", "is not t=<unix seconds>,v1=<hex HMAC-SHA256>"),
        (sign(b"{}", "new", NOW - 301), b"{}", f"signature time {NOW - 301} is not within 300 s"),
        (sign(b"{}", "new", NOW + 301), b"{}", "is not within 300 s of now"),
        (sign(b"{}", "guess", NOW), b"{}", "does not match the body with any current secret"),
        (sign(b"{}", "new", NOW), b'{"x": 1}', "does not match the body"),
    ],
)
def test_a_bad_signature_is_refused_saying_why(
    header: str | None, body: bytes, reason: str
) -> None:
    with pytest.raises(SignatureError, match=reason.replace("(", r"\(").replace("<", "<")):
        verifier("new").verify(header, body)


def test_the_signature_is_the_hmac_of_time_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert sign(b"{}", "k", 1_700_000_000) == f"t=1700000000,v1={expected}"


def test_a_verifier_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="at least one webhook secret"):
        Verifier([])
