"""The data converter of every client and worker: pydantic JSON (`client.converter`), encrypted
when keys are set."""

import dataclasses

from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from client.converter import sales_data_converter
from privacy.codec import AesGcmCodec
from privacy.keys import CodecSettingsError, KeyRing, parse_key_ring
from settings import Settings


def protected_converter(keys: KeyRing) -> DataConverter:
    """`sales_data_converter` with the AES-GCM codec.

    Failure messages and stack traces go into the encrypted attributes too: an SMTP
    server's refusal names the address it refused, and would otherwise sit in the
    history in clear.
    """
    return dataclasses.replace(
        sales_data_converter,
        payload_codec=AesGcmCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def data_converter(settings: Settings) -> DataConverter:
    """The converter the settings ask for; CodecSettingsError when they are incomplete."""
    if not settings.codec_on:
        return sales_data_converter
    assert settings.codec_keys is not None
    keys = parse_key_ring(settings.codec_keys.get_secret_value())
    if settings.lead_id_key() is None:
        # Without it lead ids would carry the address; better to refuse to start.
        raise CodecSettingsError(
            "SALESFLOW_CODEC_KEYS is set but SALESFLOW_LEAD_ID_SECRET is not: with the codec "
            "on, lead ids are a keyed hash of the address (set a long random secret, and "
            "keep it: it is not rotated)"
        )
    return protected_converter(keys)
