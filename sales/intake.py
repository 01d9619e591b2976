"""Leads at the door: what every way in (`starter.py lead`, `starter.py import`, the gateway's
`POST /v1/leads`) checks before a sale starts, with one rule and one wording for all three.

An address no email can reach is refused here, by the same rule qualification applies
(email-validator's syntax rules, no DNS lookup), so no sale starts only to be disqualified.
A field written on several lines is flattened to one line (a CR or LF must never reach an
email header), and the result names the fields that were.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

from sales.errors import describe
from sales.lead import Lead, lead_id_context
from sales.text import has_line_break


def address_problem(email: str) -> str | None:
    """Why no email can reach `email`, in email-validator's words; None when one can."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as err:
        return str(err)
    return None


class LeadRefused(ValueError):
    """A lead no sale may start for; the message names the field, its value and why."""


@dataclass(frozen=True)
class Admitted:
    """A lead that may start a sale, and the fields whose line breaks were flattened."""

    lead: Lead
    flattened: tuple[str, ...] = ()

    def notice(self) -> str | None:
        """What a person should know about the lead as started, or None."""
        if not self.flattened:
            return None
        fields = ", ".join(self.flattened)
        return f"{fields}: line breaks flattened to one line"


def admit_lead(data: Mapping[str, Any], *, lead_id_key: bytes | None) -> Admitted:
    """The lead `data` describes, or LeadRefused naming what is wrong with it."""
    try:
        lead = Lead.model_validate(dict(data), context=lead_id_context(lead_id_key))
    except ValidationError as err:
        raise LeadRefused(describe(err, whole="lead")) from None
    problem = address_problem(lead.email)
    if problem is not None:
        raise LeadRefused(f"email: {lead.email!r} cannot be mailed: {problem}")
    flattened = tuple(
        name
        for name in Lead.model_fields
        if isinstance(data.get(name), str) and has_line_break(data[name])
    )
    return Admitted(lead, flattened)
