"""The AES-GCM payload codec: round trip, rotation, and clear errors for what cannot decrypt."""

import time

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from client.converter import sales_data_converter
from privacy.codec import ENCODING, KEY_ID, AesGcmCodec, CodecError
from privacy.converter import data_converter, protected_converter
from privacy.keys import CodecSettingsError, parse_key_ring
from sales.lead import Lead
from settings import Settings
from tests.privacy.keys import LEAD_ID_SECRET, NEW, OLD

EMAIL = "anna.becker@rheinstahl.example"


def payload_of(value: object) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([value])[0]


async def test_a_payload_round_trips_and_is_unreadable_in_between() -> None:
    codec = AesGcmCodec(parse_key_ring(NEW))
    original = payload_of(Lead(email=EMAIL, first_name="Anna", last_name="Becker"))
    [sealed] = await codec.encode([original])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"k2026"
    wire = sealed.SerializeToString()
    for clear in (EMAIL.encode(), b"Becker", b"json/plain", b"first_name"):
        assert clear not in wire
    [opened] = await codec.decode([sealed])
    assert opened == original


async def test_the_same_value_encrypts_differently_each_time() -> None:
    codec = AesGcmCodec(parse_key_ring(NEW))
    first, second = await codec.encode([payload_of(EMAIL), payload_of(EMAIL)])
    assert first.data != second.data


async def test_after_a_rotation_old_payloads_decrypt_and_new_ones_use_the_new_key() -> None:
    before = AesGcmCodec(parse_key_ring(OLD))
    after = AesGcmCodec(parse_key_ring(f"{NEW},{OLD}"))
    [old] = await before.encode([payload_of("written before the rotation")])
    [new] = await after.encode([payload_of("written after")])
    assert old.metadata[KEY_ID] == b"k2025" and new.metadata[KEY_ID] == b"k2026"
    assert await after.decode([old]) == [payload_of("written before the rotation")]
    assert await after.decode([new]) == [payload_of("written after")]
    # A process still on the old key alone cannot read the new payloads, and says why.
    with pytest.raises(CodecError, match="codec key 'k2026', which is not among"):
        await before.decode([new])


async def test_a_payload_changed_after_encryption_is_refused() -> None:
    codec = AesGcmCodec(parse_key_ring(NEW))
    [sealed] = await codec.encode([payload_of({"email": EMAIL})])
    flipped = bytearray(sealed.data)
    flipped[-1] ^= 1
    tampered = Payload(metadata=dict(sealed.metadata), data=bytes(flipped))
    with pytest.raises(CodecError, match="does not decrypt: it was changed") as raised:
        await codec.decode([tampered])
    assert raised.value.type == "CodecError" and not raised.value.non_retryable
    # Nor may a payload be passed off as encrypted under another of the ring's keys.
    both = AesGcmCodec(parse_key_ring(f"{NEW},{OLD}"))
    moved = Payload(metadata={**sealed.metadata, KEY_ID: b"k2025"}, data=sealed.data)
    with pytest.raises(CodecError, match="'k2025' does not decrypt"):
        await both.decode([moved])
    with pytest.raises(CodecError, match="does not decrypt"):
        await codec.decode([Payload(metadata=dict(sealed.metadata), data=b"short")])


async def test_an_error_never_quotes_a_key() -> None:
    codec = AesGcmCodec(parse_key_ring(OLD))
    [sealed] = await AesGcmCodec(parse_key_ring(NEW)).encode([payload_of("x")])
    with pytest.raises(CodecError) as raised:
        await codec.decode([sealed])
    for entry in (OLD, NEW):
        assert entry.partition(":")[2] not in str(raised.value)


async def test_a_payload_written_before_the_codec_was_on_passes_through() -> None:
    codec = AesGcmCodec(parse_key_ring(NEW))
    plain = payload_of({"email": EMAIL})
    assert await codec.decode([plain]) == [plain]


async def test_the_converter_encrypts_values_and_failure_messages() -> None:
    converter = protected_converter(parse_key_ring(NEW))
    [sealed] = await converter.encode([{"email": EMAIL}])
    assert sealed.metadata["encoding"] == ENCODING
    assert await converter.decode([sealed], [dict]) == [{"email": EMAIL}]

    from temporalio.api.failure.v1 import Failure
    from temporalio.exceptions import ApplicationError

    failure = Failure()
    error = ApplicationError(f"SMTP server refused {EMAIL}: 550 mailbox unknown")
    await converter.encode_failure(error, failure)
    assert EMAIL.encode() not in failure.SerializeToString()
    back = await converter.decode_failure(failure)
    assert EMAIL in str(back)


def test_no_keys_no_change_and_keys_without_a_lead_id_secret_refused() -> None:
    assert data_converter(Settings(codec_keys=None)) is sales_data_converter
    with pytest.raises(CodecSettingsError, match="SALESFLOW_LEAD_ID_SECRET is not"):
        data_converter(Settings(codec_keys=SecretStr(NEW)))
    converter = data_converter(
        Settings(codec_keys=SecretStr(NEW), lead_id_secret=SecretStr(LEAD_ID_SECRET))
    )
    assert isinstance(converter.payload_codec, AesGcmCodec)


async def test_overhead_per_payload_is_microseconds() -> None:
    """Measured, not guessed: encrypting and decrypting a lead-sized payload."""
    codec = AesGcmCodec(parse_key_ring(NEW))
    payload = payload_of(Lead(email=EMAIL, first_name="Anna", notes="x" * 1000))
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        await codec.decode(await codec.encode([payload]))
    each = (time.perf_counter() - start) / rounds
    print(f"\ncodec round trip of a {len(payload.data)}-byte payload: {each * 1e6:.1f} µs")
    assert each < 0.005  # far under a millisecond here; generous for a loaded CI machine
