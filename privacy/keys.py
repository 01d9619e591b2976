"""The codec keys: `id:base64key` entries from settings, the first encrypts and all decrypt.

Several keys at once make rotation possible without a stop: add the new key in front
everywhere, and drop the old one once no history still needs it. Nothing here ever
puts key material in a message or a repr.
"""

import base64
import binascii
import re
import secrets
from dataclasses import dataclass, field

# What AES-GCM takes: AES-128, AES-192 or AES-256 keys.
KEY_SIZES = (16, 24, 32)
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodecSettingsError(ValueError):
    """Codec settings that cannot be used; the message names the setting, never a secret."""


@dataclass(frozen=True)
class CodecKey:
    """One AES key and the id that travels in each payload it encrypted."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class KeyRing:
    """The keys in order: `current` encrypts, any of them decrypts."""

    keys: tuple[CodecKey, ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise CodecSettingsError("SALESFLOW_CODEC_KEYS holds no key")

    @property
    def current(self) -> CodecKey:
        return self.keys[0]

    @property
    def ids(self) -> list[str]:
        return [key.key_id for key in self.keys]

    def get(self, key_id: str) -> CodecKey | None:
        return next((key for key in self.keys if key.key_id == key_id), None)


def parse_key_ring(text: str) -> KeyRing:
    """`id:base64key,id2:base64key` as a key ring; CodecSettingsError naming the entry."""
    keys: list[CodecKey] = []
    for number, entry in enumerate((e.strip() for e in text.split(",")), start=1):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.match(key_id):
            raise CodecSettingsError(
                f"SALESFLOW_CODEC_KEYS entry {number} is not `id:base64key` with an id of "
                "letters, digits, '.', '_' or '-'"
            )
        if any(key.key_id == key_id for key in keys):
            raise CodecSettingsError(f"SALESFLOW_CODEC_KEYS names key {key_id!r} twice")
        keys.append(CodecKey(key_id, _decoded(key_id, encoded.strip())))
    return KeyRing(tuple(keys))


def _decoded(key_id: str, encoded: str) -> bytes:
    # The decoder's own message is left out: nothing of the key may reach a log.
    try:
        secret = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise CodecSettingsError(f"codec key {key_id!r} is not base64") from None
    if len(secret) not in KEY_SIZES:
        raise CodecSettingsError(
            f"codec key {key_id!r} is {len(secret)} bytes; AES-GCM needs 16, 24 or 32 "
            '(32 recommended: `python -c "import os, base64; '
            'print(base64.b64encode(os.urandom(32)).decode())"`)'
        )
    return secret


def new_key_entry(key_id: str) -> str:
    """A fresh AES-256 key as a settings entry, `id:base64key`."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"
