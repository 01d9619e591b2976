"""A lead: the business card or list row a sale starts from."""

import hashlib
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sales.countries import OptionalCountryCode
from sales.items import ItemOfInterest
from sales.limits import EMAIL, MANY, Long, Short
from sales.sending import TimeZoneName
from sales.text import single_line, slug


def _clean(value: Any) -> Any:
    return single_line(value) if isinstance(value, str) else value


def _clean_optional(value: Any) -> Any:
    cleaned = _clean(value)
    return None if cleaned == "" else cleaned


Line = Annotated[str, BeforeValidator(_clean)]
OptionalLine = Annotated[Short | None, BeforeValidator(_clean_optional)]
OptionalNotes = Annotated[Long | None, BeforeValidator(_clean_optional)]

LEAD_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,80}$"


def normalise_email(email: str) -> str:
    """The form of an address used to recognise the same lead twice."""
    return single_line(email).lower()


def lead_id_for_email(email: str) -> str:
    """A readable, deterministic lead id: the address as a slug plus a short hash.

    The hash keeps `a.b@x.com` and `a-b@x.com` apart; the slug keeps the id
    recognisable in the Temporal UI.
    """
    normal = normalise_email(email)
    digest = hashlib.sha256(normal.encode()).hexdigest()[:6]
    return f"{slug(normal)[:60]}-{digest}".lstrip("-")


class Lead(BaseModel):
    """A person at a company who might buy; every text field is kept on one line."""

    model_config = ConfigDict(extra="forbid")

    lead_id: str = Field(default="", pattern=r"^$|" + LEAD_ID_PATTERN)
    email: Line = Field(min_length=1, max_length=EMAIL)
    first_name: OptionalLine = None
    last_name: OptionalLine = None
    company: OptionalLine = None
    title: OptionalLine = None
    phone: OptionalLine = None
    country: OptionalCountryCode = Field(
        default=None, description="ISO 3166-1 alpha-2 code; a name in any language is converted"
    )
    industry: OptionalLine = None
    website: OptionalLine = None
    source: OptionalLine = None
    owner: OptionalLine = Field(default=None, description="The seller who owns this lead")
    notes: OptionalNotes = None
    timezone: TimeZoneName = Field(
        default=None, description="IANA zone for the sending window; else the country's"
    )
    items: list[ItemOfInterest] = Field(
        default=[],
        max_length=MANY,
        description="what the lead asked for, when it came with an order (web sales)",
    )

    @model_validator(mode="after")
    def _derive(self) -> "Lead":
        if not self.lead_id:
            self.lead_id = lead_id_for_email(self.email)
        return self

    @property
    def contact_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()
