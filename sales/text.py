"""Small text rules shared by the domain: single-line values and slugs."""

import re

_WHITESPACE = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def single_line(value: str) -> str:
    """Collapse every run of whitespace (CR and LF included) into one space.

    Lead data ends up in email headers and document titles; a CR or LF there
    would let a row of a bought list inject headers.
    """
    return _WHITESPACE.sub(" ", value).strip()


def slug(value: str) -> str:
    """Lower-case ASCII letters and digits joined by single dashes."""
    return _NOT_SLUG.sub("-", value.lower()).strip("-")


# What str.splitlines() breaks on: a lead field holding any of these was written on two lines.
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def has_line_break(value: str) -> bool:
    """Whether `value` runs over more than one line (CR, LF or any Unicode line separator)."""
    return _LINE_BREAK.search(value) is not None
