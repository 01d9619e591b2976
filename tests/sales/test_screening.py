"""Restricted-party screening: the shipped list, its parse errors, and what matches."""

# Cyrillic letters and typographic apostrophes are the point of these tests.

from pathlib import Path

import pytest
from pydantic import ValidationError

from sales.screening import (
    MatchedOn,
    RestrictedParty,
    ScreeningList,
    ScreeningListError,
    normalise_company,
    normalise_domain,
    parse_screening_list,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "playbooks" / "screening" / "restricted-parties.csv"
HEADER = "entry_id,name,aliases,domains,country,list,reason\n"
COUNTRY_HINT = "give an ISO 3166 code such as DE or a country name"


@pytest.fixture(scope="module")
def screening() -> ScreeningList:
    return parse_screening_list(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED))


def test_the_shipped_list_parses(screening: ScreeningList) -> None:
    ids = [entry.entry_id for entry in screening.entries]
    assert len(ids) == 12
    assert len(set(ids)) == 12
    volga = screening.entries[0]
    assert volga.entry_id == "VPI-001"
    assert volga.name == "Volga Precision Instruments OOO"
    assert volga.aliases == ["Волга Прецизионные Приборы", "VPI Volga"]
    assert volga.domains == ["volga-precision.example", "vpi-volga.example"]
    assert volga.country == "RU"
    assert volga.list_name == "EU-FSF (fictional sample)"
    # Samples only: every list says so and no domain can be a real one.
    for entry in screening.entries:
        assert entry.list_name.endswith("(fictional sample)")
        assert all(domain.endswith(".example") for domain in entry.domains)
    assert screening.entries[-1].country is None
    assert screening.entries[-1].domains == []


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Łódź Żurawie Sp. z o.o.", "lodz zurawie"),
        ("Bodensee Pumpen GmbH & Co. KG", "bodensee pumpen"),
        ("ООО Ромашка", "romashka"),
        ("Romashka LLC", "romashka"),
        ("ZAO  Romashka", "romashka"),
        ("ООО «Волга Прецизионные Приборы»", "volga pretsizionnye pribory"),
        ("Orion Dual-Use Trading FZE", "orion dual use trading"),
        ("Shenzhen Huaxin Dual Electronics Co., Ltd.", "shenzhen huaxin dual electronics"),
        ("深圳华信双用电子有限公司", "shenzhenhuaxinshuangyongdianzi"),
        ("The Kestrel Marine Systems Ltd", "kestrel marine systems"),
        ("Mirovia Holdings S.A.", "mirovia holdings"),
        ("Tranzit Ekspres Kargo A.Ş.", "tranzit ekspres kargo"),
        ("McDonald’s", "mcdonalds"),
        ("AO", "ao"),  # a name that is only a legal form keeps it
    ],
)
def test_company_names_are_compared_without_script_legal_form_or_case(name: str, key: str) -> None:
    assert normalise_company(name) == key


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("volga-precision.example", "volga-precision.example"),
        ("https://www.Volga-Precision.example/about", "volga-precision.example"),
        ("www.volga-precision.example/contact?lang=en", "volga-precision.example"),
        ("http://user@WWW.volga-precision.example:8443/", "volga-precision.example"),
        ("Ivan.Petrov@Mail.Volga-Precision.example", "mail.volga-precision.example"),
        ("mailto:ivan@volga-precision.example", "volga-precision.example"),
        ("Ivan Petrov <ivan@volga-precision.example>", "volga-precision.example"),
        ("volga-precision.example.", "volga-precision.example"),
        ("münchen.example", "xn--mnchen-3ya.example"),
        ("https://[::1", ""),
        ("", ""),
    ],
)
def test_domains_from_addresses_and_urls(value: str, domain: str) -> None:
    assert normalise_domain(value) == domain


def row(**values: str) -> str:
    fields = {
        "entry_id": "A-1",
        "name": "Alpha Trading LLC",
        "aliases": "",
        "domains": "alpha.example",
        "country": "DE",
        "list": "Test list",
        "reason": "testing",
    }
    fields.update(values)
    return ",".join(fields.values()) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "entry_id,name,aliases,country,list,reason\n",
            "test.csv, line 1: missing column 'domains'; "
            "the header must be entry_id,name,aliases,domains,country,list,reason",
        ),
        (
            HEADER.replace("reason", "reason,notes"),
            "test.csv, line 1: unknown column 'notes'; "
            "the header must be entry_id,name,aliases,domains,country,list,reason",
        ),
        ("", "test.csv, line 1: missing column 'entry_id'; missing column 'name'; missing"),
        (
            HEADER + row() + row(entry_id="B-2", name=""),
            "test.csv, line 3: entry B-2 has an empty name",
        ),
        (HEADER + row(entry_id=""), "test.csv, line 2: empty entry_id"),
        (HEADER + row(list=""), "test.csv, line 2: entry A-1 names no list"),
        (
            HEADER + row(country="Atlantis"),
            f"test.csv, line 2: entry A-1: country: unknown country 'Atlantis': {COUNTRY_HINT}",
        ),
        (
            HEADER + row(country="Germnay"),
            "test.csv, line 2: entry A-1: country: unknown country 'Germnay': "
            f"{COUNTRY_HINT}; did you mean Germany (DE)?",
        ),
        (
            HEADER + row() + row(name="Beta"),
            "test.csv, line 3: entry_id A-1 is already used on line 2",
        ),
        (
            HEADER + row(domains="alpha.example|localhost"),
            "test.csv, line 2: entry A-1: domains: 'localhost' is not a domain name "
            "such as volga-precision.example",
        ),
        (
            HEADER + row(aliases="Alpha|---"),
            "test.csv, line 2: entry A-1: name or alias '---' leaves",
        ),
        (HEADER + row(reason="testing,extra"), "test.csv, line 2: more values than columns"),
    ],
)
def test_every_parse_error_names_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(ScreeningListError) as raised:
        parse_screening_list(text, "test.csv")
    assert str(raised.value).startswith(message)


def test_rows_are_cleaned_and_countries_normalised() -> None:
    text = "\ufeff" + HEADER + row(country="Deutschland", aliases=" Alpha | | Alfa ")
    (entry,) = parse_screening_list(text, "test.csv").entries
    assert (entry.country, entry.aliases) == ("DE", ["Alpha", "Alfa"])
    assert parse_screening_list(HEADER + row(country=""), "test.csv").entries[0].country is None


def test_a_name_in_another_script_and_legal_form_matches_the_alias(
    screening: ScreeningList,
) -> None:
    match = screening.match(company="ООО «Волга Прецизионные Приборы»", email=None, website=None)
    assert match is not None
    assert (match.entry_id, match.matched_on, match.listed) == (
        "VPI-001",
        MatchedOn.COMPANY_NAME,
        "Волга Прецизионные Приборы",
    )


def test_a_listed_name_matches_without_its_legal_form(screening: ScreeningList) -> None:
    match = screening.match(company="volga precision instruments", email=None, website=None)
    assert match is not None
    assert match.entry_id == "VPI-001"
    match = screening.match(company="Orion Dual Use Trading", email=None, website=None)
    assert match is not None
    assert match.entry_id == "ODT-002"


def test_an_alias_matches(screening: ScreeningList) -> None:
    match = screening.match(company="Mirovia Group Inc.", email=None, website=None)
    assert match is not None
    assert (match.entry_id, match.listed) == ("MRV-009", "Mirovia Group")


def test_an_email_domain_or_its_subdomain_matches(screening: ScreeningList) -> None:
    match = screening.match(company="Clean Co", email="ivan@orion-dut.example", website=None)
    assert match is not None
    assert (match.entry_id, match.matched_on, match.value) == (
        "ODT-002",
        MatchedOn.EMAIL_DOMAIN,
        "orion-dut.example",
    )
    match = screening.match(company=None, email="Ivan@Mail.HX-Dual.example", website=None)
    assert match is not None
    assert (match.entry_id, match.value, match.listed) == (
        "HXE-005",
        "mail.hx-dual.example",
        "hx-dual.example",
    )


def test_a_website_matches(screening: ScreeningList) -> None:
    match = screening.match(
        company=None, email="anna@clean.example", website="https://www.Mirovia.example/en/"
    )
    assert match is not None
    assert (match.entry_id, match.matched_on) == ("MRV-009", MatchedOn.WEBSITE)


def test_a_clean_company_matches_nothing(screening: ScreeningList) -> None:
    assert (
        screening.match(
            company="Rheinstahl Maschinenbau GmbH",
            email="anna.becker@rheinstahl.example",
            website="https://rheinstahl.example",
        )
        is None
    )
    # A domain that merely ends with a listed one's text is not a subdomain of it.
    assert screening.match(company=None, email="a@notmirovia.example", website=None) is None
    assert screening.match(company=None, email=None, website="example") is None
    assert screening.match(company="", email="", website="") is None


def test_similar_names_go_to_a_person(screening: ScreeningList) -> None:
    found = screening.similar("Volga Precision Instrument Works", 80)
    assert [(entry.entry_id, round(score)) for entry, score in found] == [("VPI-001", 88)]
    # A listed name with its words reordered is similar, not an exact match.
    assert [e.entry_id for e, _ in screening.similar("Marine Systems Kestrel", 90)] == ["KMS-003"]
    # Exact matches are match()'s job; unrelated names are not similar.
    assert screening.similar("Kestrel Marine Systems Ltd", 80) == []
    assert screening.similar("Rheinstahl Maschinenbau", 80) == []
    assert screening.similar("", 80) == []


def test_describe_names_the_entry_the_list_and_what_matched(screening: ScreeningList) -> None:
    match = screening.match(company="Volga Precision Instruments", email=None, website=None)
    assert match is not None
    assert match.describe() == (
        "company name 'Volga Precision Instruments' matches entry VPI-001 "
        "'Volga Precision Instruments OOO' (RU) on EU-FSF (fictional sample): "
        "supplies precision optics to a listed military end user (fictional)"
    )
    match = screening.match(company="VPI Volga", email=None, website=None)
    assert match is not None
    assert match.describe().startswith(
        "company name 'VPI Volga' matches alias 'VPI Volga' of entry VPI-001 "
    )
    match = screening.match(company=None, email="x@mail.volga-precision.example", website=None)
    assert match is not None
    assert match.describe().startswith(
        "email domain 'mail.volga-precision.example' matches listed domain "
        "'volga-precision.example' of entry VPI-001 'Volga Precision Instruments OOO' (RU) "
        "on EU-FSF (fictional sample): "
    )


def test_a_list_survives_a_round_trip_and_stays_frozen(screening: ScreeningList) -> None:
    # Activities hand the list over as JSON; the lookups are rebuilt on validation.
    copy = ScreeningList.model_validate_json(screening.model_dump_json())
    match = copy.match(company="Волга Прецизионные Приборы", email=None, website=None)
    assert match is not None
    assert match.entry_id == "VPI-001"
    with pytest.raises(ValidationError):
        copy.entries[0].name = "Other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="entry_id A-1 appears twice"):
        entry = RestrictedParty(entry_id="A-1", name="Alpha", list_name="Test")
        ScreeningList(entries=[entry, entry])
