"""Country codes from codes, English names, our aliases and pycountry's translations."""

# Cyrillic letters and typographic apostrophes are the point of these tests.
# ruff: noqa: RUF003

import pycountry
import pytest
from pydantic import BaseModel, ValidationError

from sales.countries import (
    ALIASES,
    CountryCode,
    OptionalCountryCode,
    UnknownCountry,
    _Table,
    country_code,
    country_name,
)

HINT = "give an ISO 3166 code such as DE or a country name"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("DE", "DE"),
        ("de", "DE"),
        (" gb ", "GB"),
        ("DEU", "DE"),
        ("deu", "DE"),
        ("nld", "NL"),
        ("Germany", "DE"),
        ("  germany  ", "DE"),
        ("Iran", "IR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Islamic Republic of Iran", "IR"),
        ("North Korea", "KP"),
        ("Korea, Republic of", "KR"),
        ("korea,   republic   of", "KR"),
        ("Republic of Korea", "KR"),
        ("Syria", "SY"),
        ("Syrian Arab Republic", "SY"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d’Ivoire", "CI"),
        ("Cote d Ivoire", "CI"),
        ("Curacao", "CW"),
        ("Holy See", "VA"),
        ("Falkland Islands", "FK"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo", "CG"),
        ("The Gambia", "GM"),
        ("Virgin Islands, U.S.", "VI"),
        ("Czech Republic", "CZ"),
        ("United States of America", "US"),
    ],
)
def test_codes_and_english_names(value: str, code: str) -> None:
    assert country_code(value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Russia", "RU"),
        ("UK", "GB"),
        ("uk", "GB"),
        ("U.K.", "GB"),
        ("Great Britain", "GB"),
        ("Britain", "GB"),
        ("England", "GB"),
        ("Scotland", "GB"),
        ("Wales", "GB"),
        ("Northern Ireland", "GB"),
        ("Turkey", "TR"),
        ("South Korea", "KR"),
        ("Vietnam", "VN"),
        ("Laos", "LA"),
        ("Moldova", "MD"),
        ("Bolivia", "BO"),
        ("Venezuela", "VE"),
        ("Tanzania", "TZ"),
        ("Macedonia", "MK"),
        ("Holland", "NL"),
        ("The Netherlands", "NL"),
        ("Ivory Coast", "CI"),
        ("Cape Verde", "CV"),
        ("Burma", "MM"),
        ("Swaziland", "SZ"),
        ("Vatican", "VA"),
        ("UAE", "AE"),
        ("United Arab Emirates", "AE"),
        ("USA", "US"),
        ("America", "US"),
        ("U.S.", "US"),
        ("u.s.a.", "US"),
    ],
)
def test_everyday_english_names(value: str, code: str) -> None:
    assert country_code(value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Deutschland", "DE"),  # de
        ("Niederlande", "NL"),  # de
        ("Türkei", "TR"),  # de
        ("Vereinigtes Königreich", "GB"),  # de
        ("Países Bajos", "NL"),  # es
        ("paises bajos", "NL"),  # es, typed without accents
        ("Alemania", "DE"),  # es
        ("Allemagne", "DE"),  # fr
        ("Royaume-Uni", "GB"),  # fr
        ("royaume uni", "GB"),  # fr
        ("Duitsland", "DE"),  # nl
        ("Nederland", "NL"),  # nl
        ("Российская Федерация", "RU"),  # ru; pycountry has no plain "Россия"
        ("Германия", "DE"),  # ru
        ("Соединенное Королевство", "GB"),  # ru, ё written as е
        ("Исламская Республика Иран", "IR"),  # ru, without pycountry's stress mark
        ("日本", "JP"),  # ja
        ("ドイツ", "DE"),  # ja
        ("大韓民国", "KR"),  # ja "大韓民国 (韓国)" without its parentheses
        ("德国", "DE"),  # zh_CN
        ("Włochy", "IT"),  # pl
        ("Wlochy", "IT"),  # pl, ł typed as l
        ("Україна", "UA"),  # uk
        ("الاتحاد الروسي", "RU"),  # ar, without pycountry's shadda
    ],
)
def test_names_in_other_languages(value: str, code: str) -> None:
    assert country_code(value) == code


def test_english_names_win_over_noisy_translations() -> None:
    # English and our aliases come before every translation.
    assert country_code("Mexico") == "MX"
    assert country_code("México") == "MX"
    # pycountry's sk locale calls the Gambia "Slovenská republika": a translated name
    # that points at two countries is dropped rather than guessed.
    with pytest.raises(UnknownCountry):
        country_code("Slovenská republika")
    assert country_code("Slovensko") == "SK"


def test_every_english_name_and_alias_finds_its_own_country() -> None:
    for country in pycountry.countries:
        for field in ("name", "official_name", "common_name"):
            name = getattr(country, field, None)
            if name:
                assert country_code(name) == country.alpha_2, name
        assert country_code(country.alpha_3.lower()) == country.alpha_2
    for alias, code in ALIASES.items():
        assert country_code(alias) == code, alias
        assert pycountry.countries.get(alpha_2=code) is not None


def test_accent_folding_never_picks_one_of_two_countries() -> None:
    table = _Table.of([("niger", "NE"), ("nigér", "NG"), ("perú", "PE")])
    assert table.exact == {"niger": "NE", "nigér": "NG", "perú": "PE"}
    assert table.folded == {"peru": "PE"}  # "niger" would fold from both NE and NG


def test_folding_leaves_other_scripts_alone() -> None:
    # NFKD splits й into и + breve and が into か + dakuten; those marks tell letters apart.
    table = _Table.of([("иран", "IR"), ("йран", "XA"), ("がか", "JP")])
    assert table.folded == {"иран": "IR", "йран": "XA", "がか": "JP"}


def test_kosovo_is_not_iso_3166() -> None:
    assert pycountry.countries.get(alpha_2="XK") is None
    for value in ("XK", "XKX", "Kosovo"):
        with pytest.raises(UnknownCountry):
            country_code(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Atlantis", f"unknown country 'Atlantis': {HINT}"),
        ("", f"unknown country '': {HINT}"),
        ("ZZ", f"unknown country 'ZZ': {HINT}"),
        ("Germnay", f"unknown country 'Germnay': {HINT}; did you mean Germany (DE)?"),
        ("Swizerland", f"unknown country 'Swizerland': {HINT}; did you mean Switzerland (CH)?"),
        ("Deutchland", f"unknown country 'Deutchland': {HINT}; did you mean Germany (DE)?"),
        (
            "Korea",
            f"unknown country 'Korea': {HINT}; did you mean North Korea (KP) or South Korea (KR)?",
        ),
    ],
)
def test_unknown_countries_say_what_to_give(value: str, message: str) -> None:
    with pytest.raises(UnknownCountry) as raised:
        country_code(value)
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError)


def test_country_names_for_display() -> None:
    assert country_name("DE") == "Germany"
    assert country_name("kr") == "South Korea"
    assert country_name("IRN") == "Iran"
    assert country_name("TR") == "Türkiye"
    with pytest.raises(UnknownCountry):
        country_name("XK")


class Office(BaseModel):
    country: CountryCode
    billing_country: OptionalCountryCode = None


def test_models_store_the_alpha_2_code() -> None:
    office = Office(country="Deutschland", billing_country="nld")
    assert (office.country, office.billing_country) == ("DE", "NL")
    assert Office(country="de", billing_country="  ").billing_country is None
    assert Office(country="DE", billing_country=None).billing_country is None


def test_models_report_an_unknown_country_on_its_field() -> None:
    with pytest.raises(ValidationError) as raised:
        Office(country="DE", billing_country="Germnay")
    (problem,) = raised.value.errors()
    assert problem["loc"] == ("billing_country",)
    assert problem["msg"] == (
        f"Value error, unknown country 'Germnay': {HINT}; did you mean Germany (DE)?"
    )
    with pytest.raises(ValidationError) as raised:
        Office(country=49)
    assert raised.value.errors()[0]["type"] == "string_type"
