"""Playbooks validate with errors that name the file and the field."""

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from client.converter import sales_data_converter
from sales.lead import Lead
from sales.playbook import PlaybookError, load_playbook, read_playbook
from sales.policies import LeadScore
from sales.process import CLASSIC_STEPS, StepName
from workflows.sale.api import SaleInput

ROOT = Path(__file__).resolve().parents[2]


def test_default_playbook_loads_with_its_durations() -> None:
    playbook = load_playbook(ROOT / "playbooks", "default")
    assert playbook.contact.follow_ups == [timedelta(days=3), timedelta(days=7)]
    assert playbook.proposal.validity == timedelta(days=30)


def test_a_bad_playbook_names_file_and_field(tmp_path: Path) -> None:
    text = (
        (ROOT / "playbooks" / "default.toml")
        .read_text()
        .replace('validity = "P30D"', 'validity = "soon"')
    )
    (tmp_path / "broken.toml").write_text(text)
    with pytest.raises(PlaybookError, match=r"broken.toml.*proposal.validity"):
        load_playbook(tmp_path, "broken")


def test_a_missing_playbook_lists_the_available_ones() -> None:
    with pytest.raises(PlaybookError, match="available: default"):
        load_playbook(ROOT / "playbooks", "nope")


# Variants of the shipped playbooks, edited as text the way a person edits a copy.


def variant(
    tmp_path: Path, name: str, *edits: tuple[str, str], append: str = "", file: str = ""
) -> Path:
    """A shipped playbook with `old -> new` text edits, written to `tmp_path/<file or name>.toml`.

    Each `old` must be in the shipped text, so a changed playbook fails here, not silently.
    """
    text = (ROOT / "playbooks" / f"{name}.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{name}.toml no longer has {old!r}"
        text = text.replace(old, new)
    path = tmp_path / f"{file or name}.toml"
    path.write_text(text + append, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(PlaybookError) as raised:
        read_playbook(path)
    return str(raised.value)


SHIPPED_STEPS = {
    "quick": ["qualification", "proposal", "closing"],
    "default": ["qualification", "contact", "needs_analysis", "proposal", "contract", "closing"],
    "enterprise": [
        "qualification",
        "contact",
        "needs_analysis",
        "proposal",
        "credit_check",
        "legal_review",
        "contract",
        "closing",
    ],
    "public-sector": [
        "qualification",
        "needs_analysis",
        "tender",
        "export_license",
        "contract",
        "closing",
    ],
}


@pytest.mark.parametrize(("name", "steps"), SHIPPED_STEPS.items())
def test_every_shipped_playbook_loads_with_its_steps(name: str, steps: list[str]) -> None:
    playbook = load_playbook(ROOT / "playbooks", name)
    assert playbook.name == name
    assert [str(step) for step in playbook.process.steps] == steps
    assert all(playbook.has_step(StepName(step)) for step in steps)
    assert playbook.has_step(StepName.TENDER) is (name == "public-sector")
    assert playbook.has_step(StepName.PROPOSAL) is (name != "public-sector")


def test_the_shipped_playbooks_name_their_gates_and_reminders() -> None:
    enterprise = load_playbook(ROOT / "playbooks", "enterprise")
    assert enterprise.gates.credit_check is not None
    assert enterprise.gates.credit_check.above == Decimal(20000)
    assert enterprise.gates.credit_check.refer_countries == ["TR", "AR", "EG", "PK", "NG"]
    assert enterprise.gates.legal_review is not None
    assert enterprise.gates.export_license is None
    public = load_playbook(ROOT / "playbooks", "public-sector")
    assert public.gates.export_license is not None
    assert public.gates.tender is not None
    assert public.gates.tender.submission_margin == timedelta(hours=24)
    assert public.proposal.reminder_before_expiry is None
    assert load_playbook(ROOT / "playbooks", "quick").proposal.reminder_before_expiry is None
    assert enterprise.proposal.reminder_before_expiry == timedelta(days=14)


def test_a_playbook_without_a_process_table_runs_the_classic_steps(tmp_path: Path) -> None:
    steps = '"qualification", "contact", "needs_analysis", "proposal", "contract", "closing"'
    path = variant(tmp_path, "default", (f"[process]\nsteps = [{steps}]\n", ""))
    assert "[process]" not in path.read_text(encoding="utf-8")
    assert read_playbook(path).process.steps == list(CLASSIC_STEPS)


def test_the_version_is_a_short_content_hash() -> None:
    versions = {name: load_playbook(ROOT / "playbooks", name).version for name in SHIPPED_STEPS}
    assert all(re.fullmatch(r"[0-9a-f]{12}", version) for version in versions.values())
    assert len(set(versions.values())) == 4
    assert load_playbook(ROOT / "playbooks", "quick").version == versions["quick"]


def relayout(text: str) -> str:
    """The same TOML in another layout: tables and keys in reverse order, no comments, spacing."""
    preamble, *tables = re.split(r"^(?=\[)", text, flags=re.MULTILINE)

    def lines(block: str) -> list[str]:
        kept = [line.split(" #")[0].rstrip() for line in block.splitlines()]
        return [
            re.sub(r"^(\w+) = ", r"\1   =   ", line)
            for line in kept
            if line.strip() and not line.startswith("#")
        ]

    blocks = ["\n".join(reversed(lines(preamble)))]
    for table in reversed(tables):
        header, *keys = lines(table)
        blocks.append("\n".join([header, *reversed(keys)]))
    return "\n\n\n".join(blocks) + "\n"


def test_the_same_settings_give_the_same_version_whatever_the_layout(tmp_path: Path) -> None:
    shipped = (ROOT / "playbooks" / "quick.toml").read_text(encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "quick.toml").write_text(shipped, encoding="utf-8")
    (tmp_path / "b" / "quick.toml").write_text(relayout(shipped), encoding="utf-8")
    reordered = (tmp_path / "b" / "quick.toml").read_text(encoding="utf-8")
    assert reordered.splitlines()[0].startswith("mail_domain")
    assert reordered.index("[tax_rates.CH]") < reordered.index("[seller]")
    assert "#" not in reordered
    original = load_playbook(tmp_path / "a", "quick")
    assert load_playbook(tmp_path / "b", "quick") == original
    assert load_playbook(tmp_path / "b", "quick").version == original.version
    # The same wait written another way, and a tax table named by country, are the same settings.
    same = variant(
        tmp_path,
        "quick",
        ('validity = "P7D"', 'validity = "PT168H"'),
        ("[tax_rates.NL]", "[tax_rates.Netherlands]"),
        file="same",
    )
    assert read_playbook(same).version == original.version


def test_a_changed_wait_gives_another_version(tmp_path: Path) -> None:
    original = load_playbook(ROOT / "playbooks", "quick")
    changed = read_playbook(variant(tmp_path, "quick", ('validity = "P7D"', 'validity = "P8D"')))
    assert changed.proposal.validity == timedelta(days=8)
    assert changed.version != original.version
    assert re.fullmatch(r"[0-9a-f]{12}", changed.version)


def test_a_rate_spelled_with_a_decimal_point_is_the_same_setting(tmp_path: Path) -> None:
    respelled = variant(
        tmp_path, "quick", ("[tax_rates.NL]\nstandard = 21", "[tax_rates.NL]\nstandard = 21.0")
    )
    assert read_playbook(respelled).tax_rate("NL", "standard") == Decimal(21)
    assert read_playbook(respelled).version == load_playbook(ROOT / "playbooks", "quick").version


def test_a_copy_with_other_settings_has_another_version() -> None:
    playbook = load_playbook(ROOT / "playbooks", "default")
    before = playbook.version
    in_usd = playbook.model_copy(update={"currency": "USD"})
    fresh = load_playbook(ROOT / "playbooks", "default").model_copy(update={"currency": "USD"})
    assert fresh.version != before
    assert in_usd.version == fresh.version


def test_tax_tables_named_by_country_are_keyed_by_iso_code(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "default",
        ("[tax_rates.NL]", "[tax_rates.Netherlands]"),
        ("[tax_rates.AT]", '[tax_rates."Österreich"]'),
    )
    playbook = read_playbook(path)
    assert list(playbook.tax_rates) == ["default", "AT", "NL", "US", "GB", "CH"]
    assert playbook.tax_rate("NL", "standard") == Decimal(21)
    assert playbook.tax_rate("AT", "reduced") == Decimal(10)
    # A buyer in a country without a table, or without a country, pays the default rates.
    assert playbook.tax_rate("FR", "standard") == Decimal(19)
    assert playbook.tax_rate(None, "reduced") == Decimal(7)
    with pytest.raises(ValueError, match=r"^playbook default has no tax rate for 'luxury'$"):
        playbook.tax_rate("NL", "luxury")


def test_two_tax_tables_naming_one_country_are_refused(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "default",
        ("[tax_rates.AT]", "[tax_rates.Austria]"),
        ("[tax_rates.NL]", '[tax_rates."Österreich"]'),
    )
    message = refusal(path)
    assert message.startswith(f"{path}: tax_rates: ")
    assert message.endswith("'Austria' and 'Österreich' both name AT")


def test_a_tax_table_for_no_country_or_no_default_is_refused(tmp_path: Path) -> None:
    unknown = variant(tmp_path, "default", ("[tax_rates.AT]", "[tax_rates.Atlantis]"), file="a")
    message = refusal(unknown)
    assert message.startswith(f"{unknown}: tax_rates: ")
    assert "unknown country 'Atlantis'" in message
    no_default = variant(tmp_path, "default", ("[tax_rates.default]", "[tax_rates.DE]"), file="b")
    message = refusal(no_default)
    assert message.startswith(f"{no_default}: tax_rates: ")
    assert message.endswith("tax_rates needs a 'default' table for buyers in other countries")


@pytest.mark.parametrize("word", ['"none"', '"None"', '""', "false"])
def test_a_reminder_set_to_none_is_switched_off(tmp_path: Path, word: str) -> None:
    path = variant(
        tmp_path,
        "default",
        ('reminder_before_expiry = "P7D"', f"reminder_before_expiry = {word}"),
    )
    assert read_playbook(path).proposal.reminder_before_expiry is None
    assert load_playbook(ROOT / "playbooks", "default").proposal.reminder_before_expiry == (
        timedelta(days=7)
    )


def test_a_zero_wait_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "default", ('follow_ups = ["P3D", "P7D"]', 'follow_ups = ["P3D", "P0D"]')
    )
    assert refusal(path) == f"{path}: contact.follow_ups.1: Input should be greater than 0 seconds"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ('validity = "P30D"', "validity = 30"),
        ('reminder_before_expiry = "P7D"', "reminder_before_expiry = true"),
    ],
)
def test_a_wait_that_is_not_a_duration_is_refused(tmp_path: Path, key: str, value: str) -> None:
    path = variant(tmp_path, "default", (key, value))
    with pytest.raises(PlaybookError, match=r"default\.toml: proposal\."):
        read_playbook(path)


def test_a_gate_listed_without_its_table_is_refused_naming_both(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "default", ('"proposal", "contract"', '"proposal", "credit_check", "contract"')
    )
    message = refusal(path)
    assert message.startswith(f"{path}: ")
    assert message.endswith(
        "process.steps lists credit_check but there is no [gates.credit_check] table"
    )


def test_a_gate_table_without_the_gate_listed_is_refused_naming_both(tmp_path: Path) -> None:
    path = variant(tmp_path, "default", append="\n[gates.legal_review]\nmax_rounds = 2\n")
    message = refusal(path)
    assert message.startswith(f"{path}: ")
    assert message.endswith(
        "[gates.legal_review] is set but process.steps does not list legal_review"
    )


def test_both_gate_problems_are_named_at_once(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "enterprise",
        ('"credit_check", "legal_review", "contract"', '"export_license", "contract"'),
        (
            "[gates.legal_review]",
            "[gates.export_license]\ndestinations = ['CN']\n[gates.legal_review]",
        ),
    )
    message = refusal(path)
    assert message.endswith(
        "[gates.credit_check] is set but process.steps does not list credit_check; "
        "[gates.legal_review] is set but process.steps does not list legal_review"
    )


def test_a_process_that_makes_no_sense_is_refused_naming_the_key(tmp_path: Path) -> None:
    swapped = variant(
        tmp_path, "default", ('"proposal", "contract"', '"contract", "proposal"'), file="a"
    )
    message = refusal(swapped)
    assert message.startswith(f"{swapped}: process.steps: ")
    assert message.endswith("proposal must come before contract (it needs the accepted offer)")
    unknown = variant(
        tmp_path,
        "default",
        ('"needs_analysis", "proposal"', '"needs_analysis", "demo", "proposal"'),
        file="b",
    )
    message = refusal(unknown)
    assert message.startswith(f"{unknown}: process.steps.3: Input should be 'qualification', ")


def test_a_typo_in_a_key_is_named_not_ignored(tmp_path: Path) -> None:
    path = variant(tmp_path, "default", ('validity = "P30D"', 'valditiy = "P30D"'))
    assert refusal(path) == f"{path}: proposal.valditiy: Extra inputs are not permitted"


def test_lead_score_thresholds_must_be_in_order(tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match=r"disqualify_below \(70\) is above qualify_at \(60\)"
    ):
        LeadScore(qualify_at=60, disqualify_below=70)
    assert LeadScore(qualify_at=60, disqualify_below=60).disqualify_below == 60
    path = variant(tmp_path, "enterprise", ("disqualify_below = 20", "disqualify_below = 70"))
    message = refusal(path)
    assert message.startswith(f"{path}: qualification.score: ")
    assert message.endswith("disqualify_below (70) is above qualify_at (60)")


def test_templates_come_from_the_playbook_folder_first() -> None:
    default = load_playbook(ROOT / "playbooks", "default")
    assert default.templates.folder is None
    assert default.template_candidates("emails/intro.txt.j2") == ["emails/intro.txt.j2"]
    quick = load_playbook(ROOT / "playbooks", "quick")
    assert quick.template_candidates("documents/quote.html.j2") == [
        "playbooks/quick/documents/quote.html.j2",
        "documents/quote.html.j2",
    ]


def test_an_email_may_be_sent_with_another_template(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "quick",
        ('folder = "quick"', 'folder = "quick"\nemails = { proposal = "web_offer" }'),
    )
    playbook = read_playbook(path)
    assert playbook.email_template("proposal") == "web_offer"
    assert playbook.email_template("welcome") == "welcome"


def test_a_template_name_that_is_not_plain_is_refused(tmp_path: Path) -> None:
    emails = variant(
        tmp_path,
        "quick",
        ('folder = "quick"', 'folder = "quick"\nemails = { proposal = "../offer" }'),
        file="a",
    )
    message = refusal(emails)
    assert message.startswith(f"{emails}: templates.emails: ")
    assert message.endswith("proposal: '../offer' is not a plain template name")
    folder = variant(tmp_path, "quick", ('folder = "quick"', 'folder = "../quick"'), file="b")
    assert refusal(folder).startswith(f"{folder}: templates.folder: String should match pattern")


def test_a_file_that_is_not_text_or_not_there_is_named(tmp_path: Path) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'name = "\xff"\n')
    assert refusal(binary).startswith(f"{binary}: not UTF-8 text: ")
    assert refusal(tmp_path / "gone.toml") == (
        f"{tmp_path / 'gone.toml'}: cannot be read: No such file or directory"
    )
    twice = variant(
        tmp_path, "default", ('validity = "P30D"', 'validity = "P30D"\nvalidity = "P31D"')
    )
    assert refusal(twice).startswith(f"{twice}: Cannot overwrite a value (at line ")


def test_a_required_field_that_no_lead_has_is_refused(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        "default",
        ('required_fields = ["email", "company"]', 'required_fields = ["compnay"]'),
    )
    message = refusal(path)
    assert message.startswith(f"{path}: qualification.required_fields: compnay: not a lead field")
    assert "(known: email, first_name, last_name, company," in message


def test_a_playbook_name_that_could_leave_the_folder_is_refused() -> None:
    with pytest.raises(PlaybookError, match=r"^'\.\./default' is not a playbook name"):
        load_playbook(ROOT / "playbooks", "../default")


def test_an_unknown_currency_is_refused_listing_the_known_ones(tmp_path: Path) -> None:
    path = variant(tmp_path, "default", ('currency = "EUR"', 'currency = "EURO"'))
    assert refusal(path) == (
        f"{path}: currency: unknown currency 'EURO'; known: AUD, BHD, CAD, CHF, CNY, CZK, DKK,"
        " EUR, GBP, HUF, INR, ISK, JOD, JPY, KRW, KWD, NOK, OMR, PLN, SEK, TND, USD"
    )


@pytest.mark.parametrize("name", sorted(path.stem for path in (ROOT / "playbooks").glob("*.toml")))
def test_a_playbook_in_a_payload_carries_what_it_sets_and_reads_back_the_same(name: str) -> None:
    # As a sale's start (and an activity sent the playbook whole) carries it: what differs
    # from the defaults, read back to the same playbook, so the same version.
    playbook = load_playbook(ROOT / "playbooks", name)
    [payload] = sales_data_converter.payload_converter.to_payloads(
        [SaleInput(lead=Lead(lead_id="l-1", email="anna@acme.example"), playbook=playbook)]
    )
    [read] = sales_data_converter.payload_converter.from_payloads([payload], [SaleInput])
    assert read.playbook == playbook and read.playbook.version == playbook.version
    carried = json.loads(payload.data)["playbook"]
    whole = playbook.model_dump(mode="json")
    assert "name" in carried and len(json.dumps(carried)) < len(json.dumps(whole))
    assert all(whole[key] == value for key, value in carried.items() if not isinstance(value, dict))
