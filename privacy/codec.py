"""The payload codec: every payload encrypted with AES-GCM, the key's id in its metadata.

An encrypted payload is `encoding: binary/encrypted`, `encryption-key-id: <id>`, and
data = 12-byte nonce + AES-GCM(serialized original payload). The key id and a format
tag are authenticated with it, so a payload moved under another id fails to decrypt.
A payload that was never encrypted (a sale started before the codec was on) is
passed through as it is, so turning the codec on needs no migration.
"""

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec
from temporalio.exceptions import ApplicationError

from privacy.keys import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
_FORMAT = b"salesflow-aes-gcm-v1:"


class CodecError(ApplicationError):
    """A payload that cannot be decrypted here: an unknown key id, or changed since encrypted.

    Retryable on purpose: a worker without the right key waits until one with it runs.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, type="CodecError")


class AesGcmCodec(PayloadCodec):
    """Encrypts with the key ring's current key; decrypts with whichever key a payload names."""

    def __init__(self, keys: KeyRing) -> None:
        self._keys = keys
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys.keys}

    @property
    def key_ids(self) -> list[str]:
        """The ids of the keys this codec holds, the encrypting one first."""
        return self._keys.ids

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        """The payload, serialized whole (metadata too) and encrypted with the current key."""
        key_id = self._keys.current.key_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[key_id].encrypt(
            nonce, payload.SerializeToString(), _FORMAT + key_id.encode()
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        """The original payload; one that is not encrypted comes back unchanged."""
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecError(
                f"payload encrypted with codec key {key_id!r}, which is not among this "
                f"process's keys ({', '.join(self.key_ids)}); add it to SALESFLOW_CODEC_KEYS"
            )
        data = payload.data
        try:
            plain = cipher.decrypt(
                data[:NONCE_BYTES], data[NONCE_BYTES:], _FORMAT + key_id.encode()
            )
        except (InvalidTag, ValueError):
            raise CodecError(
                f"payload under codec key {key_id!r} does not decrypt: it was changed after "
                "encryption, or another key was given that id"
            ) from None
        original = Payload()
        original.ParseFromString(plain)
        return original
