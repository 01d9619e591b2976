"""ISO 3166-1 alpha-2 codes from whatever people type: codes, English names, aliases, translations.

Every country the product stores is an alpha-2 code. People type "Deutschland",
"UK", "deu" or "Korea, Republic of"; this module turns all of them into one code
or says clearly why it cannot. Only countries pycountry knows are accepted, so
user-assigned codes such as XK (Kosovo) are refused.
"""

import functools
import gettext
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import pycountry
from pydantic import BeforeValidator
from rapidfuzz import fuzz, process


class UnknownCountry(ValueError):
    """A value that names no ISO 3166-1 country; the message says what to give instead."""


# Names in everyday English use that pycountry has neither as name, official_name nor
# common_name (it says "Russian Federation", "Türkiye", "Czechia", "Eswatini" ...).
ALIASES: dict[str, str] = {
    "America": "US",
    "Britain": "GB",
    "Brunei": "BN",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Congo-Brazzaville": "CG",
    "Congo-Kinshasa": "CD",
    "DR Congo": "CD",
    "DRC": "CD",
    "East Timor": "TL",
    "Emirates": "AE",
    "England": "GB",
    "Great Britain": "GB",
    "Holland": "NL",
    "Ivory Coast": "CI",
    "Macau": "MO",
    "Macedonia": "MK",
    "Northern Ireland": "GB",
    "Russia": "RU",
    "Scotland": "GB",
    "Swaziland": "SZ",
    "Turkey": "TR",
    "U.K.": "GB",
    "U.S.": "US",
    "U.S.A.": "US",
    "UAE": "AE",
    "UK": "GB",
    "US Virgin Islands": "VI",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Wales": "GB",
    # Short names in the country's own language that pycountry's translations lack.
    "Россия": "RU",
    "Rossiya": "RU",
}

# Languages whose pycountry translations are trusted enough to read names in; the
# rest of the ~160 locales add noise (the "gn" locale calls Malaysia "Mexico").
_LANGUAGES = """de fr es it nl pt pt_BR pl cs sk sv da nb_NO fi ru uk tr el hu ro bg hr sl
ja zh_CN zh_TW ko ar he fa id vi"""
TRANSLATION_LANGUAGES: tuple[str, ...] = tuple(_LANGUAGES.split())

_DROPPED = re.compile(r"['.\u2018\u2019\u02bc\u05f3\u05f4`]")  # apostrophes, dots, gereshes
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_OF_AT_END = re.compile(r"\bof(?: the)?$")
# Latin letters NFKD does not decompose; folded by hand so "Wlochy" finds "Włochy".
_LATIN_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "\u0131": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)
# Marks that only guide pronunciation: Cyrillic stress accents ("Респу́блика" in the
# ru names), Arabic harakat and shadda, Hebrew points.
_OPTIONAL_MARKS = frozenset(
    chr(c) for c in (0x300, 0x301, 0x670, *range(0x591, 0x5C8), *range(0x64B, 0x660))
)
_DIAERESIS = "\u0308"
_CYRILLIC_IE = "\u0435"


def _separator(ch: str) -> str:
    return " " if unicodedata.category(ch)[0] in "PSZC" else ch


def _key(value: str) -> str:
    """A name as matched exactly: NFKC, casefolded, punctuation folded, no leading "the"."""
    text = _DROPPED.sub("", unicodedata.normalize("NFKC", value).casefold())
    # Zero-width joiners belong inside Persian words; other punctuation separates words.
    text = "".join(_separator(ch) for ch in text if unicodedata.category(ch) != "Cf")
    words = text.split()
    if words[:1] == ["the"]:
        words = words[1:]
    return " ".join(words)


def _fold(key: str) -> str:
    """A key without accents on Latin letters and without optional marks in other scripts.

    Stripping every combining mark would merge Cyrillic и/й or Japanese か/が, so a
    mark goes only when it sits on a Latin letter or never tells two letters apart.
    """
    kept: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFKD", key.translate(_LATIN_LETTERS)):
        if not unicodedata.combining(ch):
            base = ch
            kept.append(ch)
        elif not (
            unicodedata.name(base, "").startswith("LATIN")
            or ch in _OPTIONAL_MARKS
            or (ch == _DIAERESIS and base == _CYRILLIC_IE)  # ё is often written undotted
        ):
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def _split(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Keys that name one country, and keys that name several (kept apart, never guessed)."""
    codes: dict[str, set[str]] = defaultdict(set)
    for key, code in pairs:
        if key:
            codes[key].add(code)
    single = {key: next(iter(found)) for key, found in codes.items() if len(found) == 1}
    return single, {key: found for key, found in codes.items() if len(found) > 1}


@dataclass(frozen=True)
class _Table:
    """One tier of names: exact keys, accent-folded keys, and keys naming several countries."""

    exact: dict[str, str]
    folded: dict[str, str]
    ambiguous: dict[str, set[str]]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]], shadowed: Iterable[str] = ()) -> "_Table":
        """The table of `pairs`, leaving out keys a higher tier already has."""
        hidden = set(shadowed)
        single, ambiguous = _split((k, c) for k, c in pairs if k not in hidden)
        # A folded key shared by two countries is dropped: folding must never pick one.
        folded, _ = _split((_fold(k), c) for k, c in single.items())
        return cls(single, folded, ambiguous)


@dataclass(frozen=True)
class _Index:
    """Every way to name a country, in priority order: earlier tables win over later ones."""

    alpha_2: frozenset[str]
    alpha_3: dict[str, str]
    english: tuple[_Table, ...]
    translated: _Table

    def find(self, value: str) -> str | None:
        code = value.strip().upper()
        if code in self.alpha_2:
            return code
        if code in self.alpha_3:
            return self.alpha_3[code]
        key = _key(value)
        tables = (*self.english, self.translated)
        # Exact spellings first in every tier, so an accented name typed with its
        # accents never loses to a different country that merely folds the same.
        for table in tables:
            if key in table.exact:
                return table.exact[key]
        folded = _fold(key)
        for table in tables:
            if folded in table.folded:
                return table.folded[folded]
        return None

    def candidates(self, value: str) -> set[str]:
        """The countries an ambiguous English name could mean ("Korea": KP, KR)."""
        key = _key(value)
        return next((t.ambiguous[key] for t in self.english if key in t.ambiguous), set())


def _english_names(country: Any) -> Iterator[str]:
    for field in ("name", "official_name", "common_name"):
        name = getattr(country, field, None)
        if name:
            yield name


def _without_parentheses(name: str) -> Iterator[str]:
    """ "Holy See (Vatican City State)" -> "Holy See"; "大韓民国 (韓国)" -> "大韓民国"."""
    bare = _PARENTHESES.sub("", name).strip()
    if bare and bare != name:
        yield bare


def _variants(name: str) -> Iterator[str]:
    """Other forms of an English pycountry name: without parentheses, with apostrophes
    as spaces, in reading order ("Korea, Republic of" -> "Republic of Korea", "Korea")."""
    yield from _without_parentheses(name)
    if "'" in name:
        yield name.replace("'", " ")  # "Cote d Ivoire" as well as "Cote d'Ivoire"
    head, comma, tail = name.partition(", ")
    if comma:
        yield head
        if _OF_AT_END.search(tail):
            yield f"{tail} {head}"


def _translations(english: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for language in TRANSLATION_LANGUAGES:
        catalog = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
        )
        for name, code in english:
            translated = catalog.gettext(name)
            if translated != name:
                yield translated, code
                yield from ((bare, code) for bare in _without_parentheses(translated))


@functools.cache
def _index() -> _Index:
    """Built once per process on first use (about 0.2 s: 32 languages of names)."""
    countries = list(pycountry.countries)
    english = [(name, c.alpha_2) for c in countries for name in _english_names(c)]
    primary = _Table.of((_key(n), c) for n, c in english + list(ALIASES.items()))
    derived = _Table.of(
        ((_key(v), c) for n, c in english for v in _variants(n)), shadowed=primary.exact
    )
    translated = _Table.of(
        ((_key(n), c) for n, c in _translations(english)),
        shadowed=primary.exact.keys() | derived.exact.keys() | derived.ambiguous.keys(),
    )
    return _Index(
        alpha_2=frozenset(c.alpha_2 for c in countries),
        alpha_3={c.alpha_3: c.alpha_2 for c in countries},
        english=(primary, derived),
        translated=translated,
    )


@functools.cache
def _suggestion_choices() -> dict[str, str]:
    """Every folded name with its country, English first so it wins a tie."""
    choices: dict[str, str] = {}
    index = _index()
    for table in (*index.english, index.translated):
        for key, code in table.folded.items():
            choices.setdefault(key, code)
    return choices


def _suggestion(value: str) -> str | None:
    """The countries a value nobody recognised may have meant, if any are close."""
    candidates = _index().candidates(value)
    if not candidates:
        choices = _suggestion_choices()
        best = process.extractOne(
            _fold(_key(value)), choices.keys(), scorer=fuzz.ratio, score_cutoff=75
        )
        candidates = {choices[best[0]]} if best else set()
    named = sorted(f"{country_name(code)} ({code})" for code in candidates)
    return " or ".join(named) or None


# Read when this module is imported, which is always outside a workflow: a workflow
# validates its input again when it decodes it, inside Temporal's sandbox, where reading
# files is refused. Leads and playbooks carry codes once validated, so there a code is
# all that is ever looked up, and the full index of names is never needed.
_ALPHA_2 = frozenset(country.alpha_2 for country in pycountry.countries)


def country_code(value: str) -> str:
    """The ISO 3166-1 alpha-2 code for a code, English name, alias or translated name."""
    if value.strip().upper() in _ALPHA_2:
        return value.strip().upper()
    code = _index().find(value)
    if code is None:
        message = f"unknown country {value!r}: give an ISO 3166 code such as DE or a country name"
        suggestion = _suggestion(value) if value.strip() else None
        if suggestion:
            message += f"; did you mean {suggestion}?"
        raise UnknownCountry(message)
    return code


def country_name(code: str) -> str:
    """The English name to show for a country: the common name where pycountry has one."""
    country = pycountry.countries.get(alpha_2=country_code(code))
    assert country is not None  # country_code only returns codes pycountry knows
    return str(getattr(country, "common_name", None) or country.name)


def _to_code(value: Any) -> Any:
    # Non-text is left to pydantic's own type error.
    return country_code(value) if isinstance(value, str) else value


def _to_optional_code(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _to_code(value)


CountryCode = Annotated[str, BeforeValidator(_to_code)]
"""A model field holding an alpha-2 code; accepts anything `country_code` accepts."""

OptionalCountryCode = Annotated[str | None, BeforeValidator(_to_optional_code)]
"""Like `CountryCode`, but None or an empty string means no country."""
