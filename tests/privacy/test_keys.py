"""The codec keys from settings: order, rotation, and errors that never quote a key."""

import base64

import pytest

from privacy.keys import CodecSettingsError, parse_key_ring
from tests.privacy.keys import NEW, NEW_SECRET, OLD, OLD_SECRET


def test_the_first_key_encrypts_and_every_key_is_kept() -> None:
    ring = parse_key_ring(f" {NEW} , {OLD} ")
    assert ring.current.key_id == "k2026" and ring.current.secret == NEW_SECRET
    assert ring.ids == ["k2026", "k2025"]
    old = ring.get("k2025")
    assert old is not None and old.secret == OLD_SECRET
    assert ring.get("k1999") is None


def test_url_safe_base64_and_every_aes_key_size_are_taken() -> None:
    for size in (16, 24, 32):
        secret = bytes([250]) * size  # encodes with - and _ in the url-safe alphabet
        ring = parse_key_ring(f"k:{base64.urlsafe_b64encode(secret).decode()}")
        assert ring.current.secret == secret


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "holds no key"),
        ("no-colon-here", "entry 1 is not `id:base64key`"),
        (f"{OLD},bad id:AAAA", "entry 2 is not `id:base64key`"),
        (f"{OLD},{OLD}", "names key 'k2025' twice"),
        ("k1:not*base64*at*all", "codec key 'k1' is not base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "is 5 bytes; AES-GCM needs 16, 24 or 32"),
    ],
)
def test_a_bad_setting_is_named_without_its_secret(text: str, says: str) -> None:
    with pytest.raises(CodecSettingsError) as raised:
        parse_key_ring(text)
    message = str(raised.value)
    assert says in message
    for secret in ("not*base64*at*all", OLD.partition(":")[2], "c2hvcnQ="):
        assert secret not in message


def test_a_key_is_never_in_a_repr() -> None:
    ring = parse_key_ring(f"{NEW},{OLD}")
    shown = repr(ring) + str(ring) + repr(ring.current)
    assert "k2026" in shown
    for entry in (NEW, OLD):
        assert entry.partition(":")[2] not in shown
    assert repr(NEW_SECRET) not in shown and repr(OLD_SECRET) not in shown
