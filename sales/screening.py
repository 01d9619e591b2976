"""Restricted-party screening: does a lead's company, email or website match a listed party?

A screening list is data, a UTF-8 CSV file with this header row:

    entry_id,name,aliases,domains,country,list,reason

- `entry_id`: unique in the file, quoted back to compliance officers (VPI-001);
- `name`: the party's listed name, in any script, legal form included;
- `aliases`: other names, separated by `|` (transliterations, former names);
- `domains`: web and mail domains, separated by `|`; subdomains match too;
- `country`: ISO 3166 code or country name, may be empty;
- `list`: the sanctions or export-control list the entry comes from;
- `reason`: why the party is listed, one line.

Names are compared after `normalise_company` (script, legal form, case and
punctuation folded), domains after `normalise_domain`. This module only
matches; reading the file is an activity's job.
"""

import contextlib
import csv
import io
import re
import unicodedata
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import cleanco  # type: ignore[import-untyped]
from anyascii import anyascii
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from rapidfuzz import fuzz, process

from sales.countries import OptionalCountryCode, UnknownCountry, country_code
from sales.text import single_line

COLUMNS = ("entry_id", "name", "aliases", "domains", "country", "list", "reason")
SEPARATOR = "|"

# Legal forms cleanco leaves in place: it strips suffixes only, and lacks the Russian
# joint-stock forms and the Gulf free-zone forms common on sanctions lists.
_LEADING_FORMS = frozenset({"ooo", "zao", "pao", "oao", "ao", "pjsc", "ojsc", "cjsc", "jsc", "too"})
_TRAILING_FORMS = frozenset({"ao", "pao", "pjsc", "ojsc", "cjsc", "jsc", "fze", "fzco", "fz"})
# CJK and Korean legal forms, cut before transliteration runs them into the name.
_CJK_FORMS = re.compile(
    r"^(?:株式会社|有限会社|合同会社|주식회사|\(주\))\s*"
    r"|\s*(?:股份有限公司|有限责任公司|有限責任公司|有限公司|株式会社|有限会社|주식회사|\(주\))$"
)
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_DOMAIN = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class ScreeningListError(ValueError):
    """A screening list that cannot be used; the message names the file and the line."""


def _without_legal_form(name: str) -> str:
    # cleanco removes one suffix per call ("Co., Ltd." takes two); stop before nothing is left.
    for _ in range(3):
        base = str(cleanco.basename(name)).strip(" ,")
        if not base or base == name:
            break
        name = base
    return name


def normalise_company(name: str) -> str:
    """The key a company is matched on: "Romashka LLC" and the Cyrillic "OOO Romashka" both
    give "romashka"; "Bodensee Pumpen GmbH & Co. KG" gives "bodensee pumpen"."""
    text = _CJK_FORMS.sub("", single_line(unicodedata.normalize("NFKC", name)))
    if not text.isascii():  # cleanco also knows some forms in Cyrillic and with accents
        text = anyascii(_without_legal_form(text))
    text = _without_legal_form(text)
    text = _APOSTROPHES.sub("", text.casefold())
    words = "".join(" " if not ch.isalnum() else ch for ch in text).split()
    if words[:1] == ["the"]:
        words = words[1:]
    while len(words) > 1 and words[0] in _LEADING_FORMS:
        words = words[1:]
    while len(words) > 1 and words[-1] in _TRAILING_FORMS:
        words = words[:-1]
    return " ".join(words)


def normalise_domain(value: str) -> str:
    """The domain of a bare domain, an email address or a website URL, lower case, no www."""
    text = value.strip()
    try:
        if "@" in text and "://" not in text:
            host = text.rpartition("@")[2].strip("<>")  # "Ivan <ivan@x.example>"
        else:
            host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    except ValueError:  # urlsplit refuses a malformed IPv6 literal
        return ""
    host = host.strip().rstrip(".").lower().removeprefix("www.")
    if not host.isascii():
        # Listed domains are stored ASCII; a host IDNA refuses stays as typed and matches none.
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host


def _listed_domain(value: str) -> str:
    domain = normalise_domain(value)
    if not _DOMAIN.match(domain):
        raise ValueError(f"{value!r} is not a domain name such as volga-precision.example")
    return domain


class RestrictedParty(BaseModel):
    """One entry of a screening list: a party the company may not deal with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str] = []
    domains: list[str] = Field(default=[], description="normalised; subdomains match too")
    country: OptionalCountryCode = None
    list_name: str = Field(min_length=1)
    reason: str = ""

    # The normalised name and aliases, computed once: normalising is the slow part of a load.
    _keys: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _normalise_names(self) -> "RestrictedParty":
        # Pydantic runs this again each time a ScreeningList receives the (frozen) instance.
        if self._keys:
            return self
        keys = [normalise_company(name) for name in self.names]
        for name, key in zip(self.names, keys, strict=True):
            if not key:
                raise ValueError(f"name or alias {name!r} leaves nothing to match on")
        self._keys = keys
        return self

    @field_validator("domains")
    @classmethod
    def _normalised_domains(cls, domains: list[str]) -> list[str]:
        return [_listed_domain(d) for d in domains]

    @property
    def names(self) -> list[str]:
        """The listed name followed by every alias."""
        return [self.name, *self.aliases]

    @property
    def match_keys(self) -> list[str]:
        """`normalise_company` of each of `names`, in the same order."""
        return list(self._keys)


class MatchedOn(StrEnum):
    """Which of the lead's details matched a listed party."""

    COMPANY_NAME = "company name"
    EMAIL_DOMAIN = "email domain"
    WEBSITE = "website domain"


class ScreeningMatch(BaseModel):
    """A lead detail that matches a listed party, with the entry it matches."""

    model_config = ConfigDict(frozen=True)

    entry_id: str
    name: str
    list_name: str
    reason: str
    country: str | None = None
    matched_on: MatchedOn
    value: str = Field(description="the lead's company name or domain that matched")
    listed: str = Field(description="the listed name, alias or domain it matched")

    def describe(self) -> str:
        """One line for a compliance officer: what matched which entry of which list, and why
        the party is listed."""
        if self.matched_on is MatchedOn.COMPANY_NAME:
            target = "" if self.listed == self.name else f"alias {self.listed!r} of "
        else:
            target = "" if self.listed == self.value else f"listed domain {self.listed!r} of "
        country = f" ({self.country})" if self.country else ""
        reason = f": {self.reason}" if self.reason else ""
        return (
            f"{self.matched_on} {self.value!r} matches {target}entry {self.entry_id} "
            f"{self.name!r}{country} on {self.list_name}{reason}"
        )


class ScreeningList(BaseModel):
    """Every listed party, with lookups by normalised name and by domain built once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entries: list[RestrictedParty] = []

    # Normalised name -> (entry, the name or alias as listed); the first entry wins a tie.
    _names: dict[str, tuple[RestrictedParty, str]] = PrivateAttr(default_factory=dict)
    _domains: dict[str, RestrictedParty] = PrivateAttr(default_factory=dict)
    _name_keys: list[str] = PrivateAttr(default_factory=list)

    @field_validator("entries")
    @classmethod
    def _unique_ids(cls, entries: list[RestrictedParty]) -> list[RestrictedParty]:
        seen: set[str] = set()
        for entry in entries:
            if entry.entry_id in seen:
                raise ValueError(f"entry_id {entry.entry_id} appears twice")
            seen.add(entry.entry_id)
        return entries

    def model_post_init(self, context: Any, /) -> None:
        for entry in self.entries:
            for name, key in zip(entry.names, entry._keys, strict=True):
                self._names.setdefault(key, (entry, name))
            for domain in entry.domains:
                self._domains.setdefault(domain, entry)
        self._name_keys = list(self._names)

    def match(
        self, *, company: str | None, email: str | None, website: str | None
    ) -> ScreeningMatch | None:
        """The first listed party the company name, the email's domain or the website's
        domain matches, in that order; None when the lead is clear."""
        if company and (found := self._names.get(normalise_company(company))):
            entry, listed = found
            return _match(entry, MatchedOn.COMPANY_NAME, single_line(company), listed)
        for value, matched_on in ((email, MatchedOn.EMAIL_DOMAIN), (website, MatchedOn.WEBSITE)):
            domain = normalise_domain(value) if value else ""
            labels = domain.split(".")
            # The domain itself, then each parent: a.b.listed.example, b.listed.example, ...
            for start in range(len(labels) - 1):
                parent = ".".join(labels[start:])
                if parent in self._domains:
                    return _match(self._domains[parent], matched_on, domain, parent)
        return None

    def similar(self, company: str, threshold: int) -> list[tuple[RestrictedParty, float]]:
        """Listed parties whose name or alias resembles the company (token_sort_ratio at least
        `threshold`, 0-100), best first; exact matches are left to `match`."""
        key = normalise_company(company)
        if not key:
            return []
        exact = self._names[key][0].entry_id if key in self._names else None
        best: dict[str, tuple[RestrictedParty, float]] = {}
        for name, score, _ in process.extract(
            key, self._name_keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, limit=None
        ):
            entry = self._names[name][0]
            if entry.entry_id != exact and score > best.get(entry.entry_id, (entry, -1.0))[1]:
                best[entry.entry_id] = (entry, score)
        order = {entry.entry_id: i for i, entry in enumerate(self.entries)}
        return sorted(best.values(), key=lambda found: (-found[1], order[found[0].entry_id]))


def _match(
    entry: RestrictedParty, matched_on: MatchedOn, value: str, listed: str
) -> ScreeningMatch:
    return ScreeningMatch(
        entry_id=entry.entry_id,
        name=entry.name,
        list_name=entry.list_name,
        reason=entry.reason,
        country=entry.country,
        matched_on=matched_on,
        value=value,
        listed=listed,
    )


def parse_screening_list(text: str, source: str) -> ScreeningList:
    """Parse screening-list CSV text; any problem raises, naming `source` and the line."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    if missing or unknown:
        problems = [f"missing column {c!r}" for c in missing]
        problems += [f"unknown column {c!r}" for c in unknown]
        raise ScreeningListError(
            f"{source}, line {max(reader.line_num, 1)}: {'; '.join(problems)}; "
            f"the header must be {','.join(COLUMNS)}"
        )
    entries: list[RestrictedParty] = []
    lines: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        try:
            entry = _entry(row)
        except ValueError as err:
            raise ScreeningListError(f"{source}, line {line}: {err}") from None
        if entry.entry_id in lines:
            raise ScreeningListError(
                f"{source}, line {line}: entry_id {entry.entry_id} is already used on line "
                f"{lines[entry.entry_id]}"
            )
        lines[entry.entry_id] = line
        entries.append(entry)
    return ScreeningList(entries=entries)


def _entry(row: dict[str | Any, str | Any]) -> RestrictedParty:
    """One row as an entry; a ValueError names the problem in the row's words."""
    if None in row:
        raise ValueError("more values than columns")
    values = {k.strip(): single_line(v or "") for k, v in row.items()}
    entry_id, name = values["entry_id"], values["name"]
    if not entry_id:
        raise ValueError("empty entry_id")
    if not name:
        raise ValueError(f"entry {entry_id} has an empty name")
    if not values["list"]:
        raise ValueError(f"entry {entry_id} names no list")
    try:
        country = country_code(values["country"]) if values["country"] else None
        domains = [_listed_domain(d) for d in _split(values["domains"])]
    except UnknownCountry as err:
        raise ValueError(f"entry {entry_id}: country: {err}") from None
    except ValueError as err:
        raise ValueError(f"entry {entry_id}: domains: {err}") from None
    try:
        return RestrictedParty(
            entry_id=entry_id,
            name=name,
            aliases=_split(values["aliases"]),
            domains=domains,
            country=country,
            list_name=values["list"],
            reason=values["reason"],
        )
    except ValidationError as err:
        problems = (
            "".join(f"{part}: " for part in problem["loc"])
            + problem["msg"].removeprefix("Value error, ")
            for problem in err.errors()
        )
        raise ValueError(f"entry {entry_id}: {'; '.join(problems)}") from None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(SEPARATOR) if part.strip()]
