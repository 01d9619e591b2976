"""Process logging for the worker and the gateway: with the codec on, addresses redacted.

Lead data must not reach a log when personal data is protected, and a log line can
quote anything: an SMTP server's refusal names the address, an exception its input.
So, rather than trusting every message, the formatter redacts the finished line
(message, exception and stack) on its way out.
"""

import logging

from privacy.redaction import redact
from settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(message)s"


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line has its email addresses replaced."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    """Log to stderr at `level`; through `RedactingFormatter` when the codec is on."""
    logging.basicConfig(level=level, format=FORMAT)
    if settings.codec_on:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(RedactingFormatter(FORMAT))
