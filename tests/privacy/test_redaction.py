"""Addresses and known names taken out of log lines and the UI's details."""

import logging

from pydantic import SecretStr

from privacy.logs import FORMAT, RedactingFormatter, configure_logging
from privacy.redaction import ADDRESS, NAME, redact
from settings import Settings
from tests.privacy.keys import LEAD_ID_SECRET, NEW


def test_addresses_go_and_our_own_ids_stay() -> None:
    text = (
        "sent intro (<sale-lead-3f2a.intro@sales.example>) to Anna.Becker+x@Rheinstahl.example; "
        "SMTP: 550 5.1.1 <jörg@müller.example>: mailbox unknown; "
        "opt-out by unsubscribe+sale-lead-3f2a@sales.example"
    )
    shown = redact(text)
    assert "Anna.Becker" not in shown and "jörg" not in shown
    assert shown.count(ADDRESS) == 2
    assert "<sale-lead-3f2a.intro@sales.example>" in shown
    assert "unsubscribe+sale-lead-3f2a@sales.example" in shown


def test_known_names_go_in_any_letter_case_and_whole_words_only() -> None:
    shown = redact(
        "decided by JEROEN DE VRIES; Jeroen called; Jeroenstraat 4",
        ["Jeroen de Vries", "Jeroen", None, " "],
    )
    assert shown == f"decided by {NAME}; {NAME} called; Jeroenstraat 4"


def test_the_formatter_redacts_message_arguments_and_exceptions() -> None:
    formatter = RedactingFormatter(FORMAT)
    try:
        raise ValueError("SMTP server refused anna@rheinstahl.example")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x",
            logging.WARNING,
            __file__,
            1,
            "sent %s to %s",
            ("intro", "anna@rheinstahl.example"),
            sys.exc_info(),
        )
    line = formatter.format(record)
    assert "anna@" not in line
    assert f"sent intro to {ADDRESS}" in line and f"refused {ADDRESS}" in line


def test_logging_redacts_only_with_the_codec_on() -> None:
    root = logging.getLogger()
    saved = root.handlers[:]
    try:
        root.handlers = []
        configure_logging(Settings())
        assert not any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers)
        root.handlers = []
        protected = Settings(codec_keys=SecretStr(NEW), lead_id_secret=SecretStr(LEAD_ID_SECRET))
        configure_logging(protected)
        assert root.handlers
        assert all(isinstance(h.formatter, RedactingFormatter) for h in root.handlers)
    finally:
        root.handlers = saved
