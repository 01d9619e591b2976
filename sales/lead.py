"""A lead: the business card or list row a sale starts from."""

import hashlib
import hmac
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

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
# The validation-context entry holding the key lead ids are derived with (`lead_id_context`).
LEAD_ID_KEY = "lead_id_key"


def normalise_email(email: str) -> str:
    """The form of an address used to recognise the same lead twice."""
    return single_line(email).lower()


def lead_id_for_email(email: str, key: bytes | None = None) -> str:
    """A deterministic lead id: readable from the address, or opaque with a key.

    Readable: the address as a slug plus a short hash; the hash keeps `a.b@x.com` and
    `a-b@x.com` apart, the slug keeps the id recognisable in the Temporal UI.
    With a key (personal data protected): `lead-` and an HMAC-SHA256 of the normalised
    address, so the id names nobody, and the same address still gives the same id.
    """
    normal = normalise_email(email)
    if key is not None:
        return "lead-" + hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()[:32]
    digest = hashlib.sha256(normal.encode()).hexdigest()[:6]
    return f"{slug(normal)[:60]}-{digest}".lstrip("-")


def lead_id_context(key: bytes | None) -> dict[str, Any]:
    """The validation context that derives lead ids with `key`:
    `Lead.model_validate(data, context=lead_id_context(settings.lead_id_key()))`."""
    return {LEAD_ID_KEY: key}


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
    def _derive(self, info: ValidationInfo) -> "Lead":
        if not self.lead_id:
            context = info.context if isinstance(info.context, dict) else {}
            self.lead_id = lead_id_for_email(self.email, context.get(LEAD_ID_KEY))
        return self

    @property
    def contact_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()
