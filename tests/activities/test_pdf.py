"""Quotes, proposals and contracts print every name and company as written, in any script.

Each test renders real documents through `DocumentActivities` and reads the PDF back with
pypdf: in reading order (`extract_text()`, which puts right-to-left runs back in logical
order) and, where the order on the page matters, as laid out left to right.
"""

import asyncio
import io
import logging
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject, StreamObject
from temporalio.testing import ActivityEnvironment

from activities.document_store import LocalDocuments
from activities.documents import DocumentActivities
from activities.pdf import MISSING_GLYPH, html_to_pdf
from activities.typesetting import document_bytes
from sales.lead import Lead
from sales.playbook import Playbook, PurchasingProcedure, load_playbook
from sales.quote import Quote
from sales.requests import ContractRequest
from settings import ROOT
from tests.activities.test_documents import quote_request

T = TypeVar("T")

CZECH = Lead(
    lead_id="jiri-dvorak",
    email="jiri.dvorak@zurawie.example",
    first_name="Jiří",
    last_name="Dvořák",
    company="Łódź Żurawie Sp. z o.o.",
    country="PL",
)
ARABIC = Lead(
    lead_id="mohammed-alali",
    email="m.alali@alnoor.example",
    first_name="محمد",
    last_name="العلي",
    company="شركة النور للتجارة",
    country="SA",
)
JAPANESE = Lead(
    lead_id="yamada",
    email="yamada@yamada-seisakusho.example",
    first_name="山田太郎",
    company="株式会社山田製作所",
    country="JP",
)
GREEK = Lead(
    lead_id="papadopoulos",
    email="g.papadopoulos@trofima.example",
    first_name="Γιώργος",
    last_name="Παπαδόπουλος",
    company="Ελληνικά Τρόφιμα Α.Ε.",
    country="GR",
)
RUSSIAN = Lead(
    lead_id="petrov",
    email="i.petrov@romashka.example",
    first_name="Иван",
    last_name="Петров",
    company="ООО «Ромашка»",
    country="RU",
)


@pytest.fixture
def playbook() -> Playbook:
    return load_playbook(ROOT / "playbooks", "default")


async def quote_for(documents: DocumentActivities, playbook: Playbook, lead: Lead) -> Quote:
    quote: Quote = await ActivityEnvironment().run(
        documents.prepare_quote, quote_request(playbook, lead)
    )
    return quote


def pdf(path: str) -> PdfReader:
    """The PDF at `path`, typeset as the email that first sends it typesets it."""
    return PdfReader(io.BytesIO(document_bytes(LocalDocuments(Path(path).parent), path)))


def reading(path: str) -> str:
    """The PDF's text in reading order, runs of whitespace made single spaces."""
    text = " ".join(page.extract_text() for page in pdf(path).pages)
    return re.sub(r"\s+", " ", text)


def laid_out(path: str) -> str:
    """The PDF's text as it stands on the page, each line from left to right."""
    pages = pdf(path).pages
    text = " ".join(page.extract_text(extraction_mode="layout") for page in pages)
    return re.sub(r"\s+", " ", text)


def resolved(value: object, kind: type[T]) -> T:
    """A PDF object with its references followed, checked to be of `kind`."""
    if isinstance(value, PdfObject):
        value = value.get_object()
    assert isinstance(value, kind), f"{value!r} is not a {kind.__name__}"
    return value


def fonts(path: str) -> list[DictionaryObject]:
    """The fonts the pages use."""
    found: list[DictionaryObject] = []
    for page in pdf(path).pages:
        in_use = resolved(resolved(page["/Resources"], DictionaryObject)["/Font"], DictionaryObject)
        found += [resolved(font, DictionaryObject) for font in in_use.values()]
    return found


def glyphs_per_text(path: str) -> dict[str, int]:
    """How many different glyphs of the embedded fonts print each character."""
    counts: dict[str, int] = {}
    for font in fonts(path):
        cmap = resolved(font["/ToUnicode"], StreamObject).get_data().decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
            for _, text in re.findall(r"<([0-9A-F]+)> <([0-9A-F]*)>", block):
                said = bytes.fromhex(text).decode("utf-16-be")
                counts[said] = counts.get(said, 0) + 1
    return counts


@pytest.mark.parametrize(
    "lead", [CZECH, ARABIC, JAPANESE, GREEK, RUSSIAN], ids=lambda lead: lead.country
)
async def test_names_and_companies_read_back_as_written(
    documents: DocumentActivities, playbook: Playbook, lead: Lead
) -> None:
    quote = await quote_for(documents, playbook, lead)
    contract = await ActivityEnvironment().run(
        documents.prepare_contract,
        ContractRequest(
            workflow_id=f"sale-{lead.lead_id}",
            lead=lead,
            playbook=playbook,
            quote=quote,
            version=1,
            issued_on=date(2026, 3, 20),
            signature_due=date(2026, 4, 19),
        ),
    )

    assert quote.pdf_path is not None and lead.company is not None
    text = reading(quote.pdf_path)
    assert lead.contact_name in text
    assert lead.company in text
    assert MISSING_GLYPH not in text
    assert f"For the Customer: {lead.company}" in reading(contract.pdf_path)


async def test_arabic_runs_right_to_left_with_joined_letters(
    documents: DocumentActivities, playbook: Playbook
) -> None:
    quote = await quote_for(documents, playbook, ARABIC)
    proposal: Quote = await ActivityEnvironment().run(
        documents.prepare_quote,
        quote_request(
            playbook, ARABIC, version=2, purchasing_procedure=PurchasingProcedure.FORMAL_PROPOSAL
        ),
    )

    assert quote.pdf_path is not None and proposal.pdf_path is not None
    # On the page the name and company run right to left: read from the left edge, they
    # come last letter first. pypdf maps every glyph back to its letter (no presentation
    # forms); NFKC would fold any that a font's table gave.
    on_page = unicodedata.normalize("NFKC", laid_out(quote.pdf_path))
    assert "محمد العلي"[::-1] in on_page
    assert "شركة النور للتجارة"[::-1] in on_page
    # Inside an English sentence too, where the words around it stay left to right.
    in_sentence = unicodedata.normalize("NFKC", laid_out(proposal.pdf_path))
    assert f"Prepared for {'شركة النور للتجارة'[::-1]} by" in in_sentence
    assert "Prepared for شركة النور للتجارة" in reading(proposal.pdf_path)
    # Joined letters: the meem of محمد is drawn twice, as two glyphs (initial and medial
    # forms), not the one isolated meem an unshaped run would repeat.
    assert glyphs_per_text(quote.pdf_path)["م"] >= 2


async def test_fonts_are_embedded_and_fallbacks_only_when_needed(
    documents: DocumentActivities, playbook: Playbook
) -> None:
    latin = await quote_for(documents, playbook, CZECH)
    japanese = await quote_for(documents, playbook, JAPANESE)

    for quote in (latin, japanese):
        assert quote.pdf_path is not None
        for font in fonts(quote.pdf_path):
            assert "Kurinto" in str(font["/BaseFont"])
            descendant = resolved(
                resolved(font["/DescendantFonts"], ArrayObject)[0], DictionaryObject
            )
            descriptor = resolved(descendant["/FontDescriptor"], DictionaryObject)
            assert "/FontFile2" in descriptor  # the font file itself, not just its name
    assert japanese.pdf_path is not None and latin.pdf_path is not None
    names = {str(font["/BaseFont"]).split("+")[-1] for font in fonts(japanese.pdf_path)}
    assert {"KurintoSans", "KurintoSansBold", "KurintoSansJP"} <= names
    assert all("JP" not in str(font["/BaseFont"]) for font in fonts(latin.pdf_path))


async def test_documents_rendered_at_once_keep_their_own_glyphs(
    documents: DocumentActivities, playbook: Playbook
) -> None:
    leads = [JAPANESE, CZECH, ARABIC, GREEK]
    quotes = await asyncio.gather(*(quote_for(documents, playbook, lead) for lead in leads))

    for lead, quote in zip(leads, quotes, strict=True):
        assert quote.pdf_path is not None
        assert lead.contact_name in reading(quote.pdf_path)
    # The Czech quote embeds no glyph of the others' names.
    assert quotes[1].pdf_path is not None
    czech_glyphs = "".join(glyphs_per_text(quotes[1].pdf_path))
    for other in (JAPANESE, ARABIC, GREEK):
        assert not set(other.contact_name) - {" "} & set(czech_glyphs)


async def test_emoji_no_font_has_prints_as_a_box(
    documents: DocumentActivities, playbook: Playbook, caplog: pytest.LogCaptureFixture
) -> None:
    lead = CZECH.model_copy(update={"company": "Łódź Żurawie 😀 Sp. z o.o. 🤌🏽"})

    with caplog.at_level(logging.WARNING, logger="fpdf"):
        quote = await quote_for(documents, playbook, lead)

    assert quote.pdf_path is not None and quote.html_path is not None
    assert "Łódź Żurawie □ Sp. z o.o. □" in reading(quote.pdf_path)
    assert "Jiří Dvořák" in reading(quote.pdf_path)
    assert not [record for record in caplog.records if "missing" in record.getMessage()]
    assert "Łódź Żurawie 😀 Sp. z o.o. 🤌🏽" in Path(quote.html_path).read_text("utf-8")


def test_tags_a_template_may_use_print_in_the_font(tmp_path: Path) -> None:
    body = (
        "<p>Plain, <i>Dvořák</i>, <em>山田</em> and <code>Łódź</code></p>"
        "<pre>Żurawie</pre><table><tr><td><i>Ελληνικά</i></td></tr></table>"
    )
    path = tmp_path / "tags.pdf"
    path.write_bytes(html_to_pdf(body, title="T-1", author="Северный ООО"))

    text = reading(str(path))
    assert "Plain, Dvořák, 山田 and Łódź" in text
    assert "Żurawie" in text
    assert "Ελληνικά" in text
    assert "Северный ООО | T-1 | page 1 of 1" in text
