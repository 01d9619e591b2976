"""`prepare_quote` and `prepare_contract`: hand-checked figures, real HTML and PDF files."""

from datetime import date
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities, Filing
from sales.events import Application, ItemOfInterest, NeedsIdentified
from sales.lead import Lead
from sales.playbook import Playbook, PurchasingProcedure, load_playbook
from sales.quote import Quote, TaxLine
from sales.requests import ContractRequest, LeadRef, QuoteRequest
from settings import ROOT, Settings
from tests.activities.pdf_reading import pdf_text

ISSUED = date(2026, 3, 14)
# Typographic marks a CRM copies in, none of them in latin-1.
DASH = "\N{EN DASH}"
OPEN = "\N{LEFT DOUBLE QUOTATION MARK}"
CLOSE = "\N{RIGHT DOUBLE QUOTATION MARK}"


@pytest.fixture
def playbook() -> Playbook:
    return load_playbook(ROOT / "playbooks", "default")


@pytest.fixture
def documents_dir(tmp_path: Path) -> Path:
    return tmp_path / "documents"


@pytest.fixture
def acts(documents_dir: Path) -> DocumentActivities:
    return DocumentActivities(Settings(documents_dir=documents_dir))


@pytest.fixture
def lead() -> Lead:
    return Lead(
        lead_id="acme-anna",
        email="anna.mueller@acme.example",
        first_name="Anna",
        last_name="Müller",
        company="Acme Maschinenbau GmbH",
        country="DE",
    )


def quote_request(playbook: Playbook, lead: Lead, **kw: Any) -> QuoteRequest:
    items = [
        ItemOfInterest(sku="NW-SENSOR-100", quantity=10),
        ItemOfInterest(sku="NW-PLATFORM", quantity=1),
    ]
    fields: dict[str, Any] = {
        "workflow_id": f"sale-{lead.lead_id}",
        "lead": lead,
        "playbook": playbook,
        "version": 1,
        "issued_on": ISSUED,
        "items": items,
        "discount_percent": Decimal(5),
        "purchasing_procedure": PurchasingProcedure.QUOTE,
        "needs": NeedsIdentified(
            summary="Two plants lose 30 hours a month to unplanned pump failures.",
            items=items,
            business_model="Contract manufacturer of castings",
            applications=[
                Application(
                    name="Pump monitoring",
                    hours_saved_per_month=Decimal(20),
                    cost_saved_per_year=Decimal(45000),
                )
            ],
        ),
    }
    return QuoteRequest.model_validate(fields | kw)


async def test_quote_figures_are_the_hand_checked_ones(
    acts: DocumentActivities, playbook: Playbook, lead: Lead
) -> None:
    # 10 x NW-SENSOR-100 at 149.00 = 1490.00 (standard, 19 % in DE)
    #  1 x NW-PLATFORM at 4800.00 = 4800.00 (services, 19 % in DE)
    # subtotal 6290.00; 5 % discount = 314.50; net 6290.00 - 314.50 = 5975.50
    # tax bases take the discount pro rata, categories in name order, the last one
    # taking the rounding remainder so the bases add up to the net:
    #   services 4800.00 x 0.95 = 4560.00 -> 19 % = 866.40
    #   standard 5975.50 - 4560.00 = 1415.50 (= 1490.00 x 0.95) -> 19 % = 268.945 -> 268.95
    # total 5975.50 + 866.40 + 268.95 = 7110.85
    quote = await ActivityEnvironment().run(acts.prepare_quote, quote_request(playbook, lead))

    assert quote.number == "Q-2026-acme-anna-v1"
    assert quote.valid_until == date(2026, 4, 13)  # P30D after 14 March
    assert [line.net for line in quote.lines] == [Decimal("1490.00"), Decimal("4800.00")]
    totals = quote.totals
    assert totals.subtotal == Decimal("6290.00")
    assert totals.discount == Decimal("314.50")
    assert totals.net == Decimal("5975.50")
    assert totals.taxes == [
        TaxLine(
            category="services", rate=Decimal(19), base=Decimal("4560.00"), amount=Decimal("866.40")
        ),
        TaxLine(
            category="standard", rate=Decimal(19), base=Decimal("1415.50"), amount=Decimal("268.95")
        ),
    ]
    assert totals.total == Decimal("7110.85")


async def test_quote_is_filed_as_html_and_pdf(
    acts: DocumentActivities, playbook: Playbook, lead: Lead, documents_dir: Path
) -> None:
    quote = await ActivityEnvironment().run(acts.prepare_quote, quote_request(playbook, lead))

    folder = documents_dir.resolve() / "sale-acme-anna"
    assert quote.html_path == str(folder / "Q-2026-acme-anna-v1.html")
    assert quote.pdf_path == str(folder / "Q-2026-acme-anna-v1.pdf")
    # The PDF is typeset by the email that first sends it, not on the way to the next email.
    assert not Path(quote.pdf_path).exists()
    html = unescape(Path(quote.html_path).read_text(encoding="utf-8"))
    text = pdf_text(quote.pdf_path)
    assert Path(quote.pdf_path).read_bytes().startswith(b"%PDF-")  # filed once typeset
    for document in (html, text):
        assert "Quote Q-2026-acme-anna-v1" in document
        assert "EUR 7,110.85" in document
        assert "13 April 2026" in document
        assert "Acme Maschinenbau GmbH" in document
        assert "Amounts are rounded half up to the cent" in document
        assert playbook.proposal.terms in document
        assert "PO number" not in document
    assert "Tax 19% (standard) on EUR 1,415.50" in text


async def test_untypeset_documents_file_the_html_alone(
    playbook: Playbook, lead: Lead, documents_dir: Path
) -> None:
    """The playbook simulation's documents: the same quote and HTML, no PDF filed."""
    acts = DocumentActivities(Settings(documents_dir=documents_dir), typeset=False)
    quote = await ActivityEnvironment().run(acts.prepare_quote, quote_request(playbook, lead))

    folder = documents_dir.resolve() / "sale-acme-anna"
    assert quote.html_path == str(folder / "Q-2026-acme-anna-v1.html")
    assert quote.pdf_path == ""
    # Beside the HTML, the quote itself, which emails and the contract read by reference.
    assert sorted(p.name for p in folder.iterdir()) == [
        "Q-2026-acme-anna-v1.html",
        "Q-2026-acme-anna-v1.json",
    ]
    assert Quote.model_validate_json(Path(quote.data_path).read_text(encoding="utf-8")) == quote
    assert "EUR 7,110.85" in unescape(Path(quote.html_path).read_text(encoding="utf-8"))


async def test_formal_proposal_has_summary_savings_and_po_field(
    acts: DocumentActivities, playbook: Playbook, lead: Lead
) -> None:
    request = quote_request(
        playbook, lead, purchasing_procedure=PurchasingProcedure.FORMAL_PROPOSAL
    )
    quote = await ActivityEnvironment().run(acts.prepare_quote, request)

    html = unescape(Path(quote.html_path).read_text(encoding="utf-8"))
    text = pdf_text(quote.pdf_path)
    for document in (html, text):
        assert "Proposal Q-2026-acme-anna-v1" in document
        assert "Executive summary" in document
        assert "Two plants lose 30 hours a month to unplanned pump failures." in document
        assert "Contract manufacturer of castings" in document
        assert "EUR 45,000.00" in document
        assert "PO number: ____" in document
        assert "EUR 7,110.85" in document


async def test_unknown_sku_is_not_retried_and_named(
    acts: DocumentActivities, playbook: Playbook, lead: Lead, documents_dir: Path
) -> None:
    request = quote_request(playbook, lead, items=[ItemOfInterest(sku="NW-TELEPORTER", quantity=1)])
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.prepare_quote, request)
    assert caught.value.type == "PricingError"
    assert caught.value.non_retryable
    assert "NW-TELEPORTER" in str(caught.value)
    assert not documents_dir.exists()


async def test_names_beyond_latin1_print_as_written(
    acts: DocumentActivities, playbook: Playbook
) -> None:
    lead = Lead(
        lead_id="strojirny",
        email="jan.novak@strojirny.example",
        first_name="Jan",
        last_name="Novák",
        company=f"Strojírny Přerov {DASH} Łódź {OPEN}Nord{CLOSE} <b>",
        country="CZ",
    )
    quote = await ActivityEnvironment().run(acts.prepare_quote, quote_request(playbook, lead))

    html = Path(quote.html_path).read_text(encoding="utf-8")
    assert f"Strojírny Přerov {DASH} Łódź {OPEN}Nord{CLOSE} &lt;b&gt;" in html
    text = pdf_text(quote.pdf_path)
    assert f"Strojírny Přerov {DASH} Łódź {OPEN}Nord{CLOSE} <b>" in text
    assert "Jan Novák" in text


async def test_contract_has_number_law_total_and_po(
    acts: DocumentActivities, playbook: Playbook, lead: Lead
) -> None:
    env = ActivityEnvironment()
    quote: Quote = await env.run(acts.prepare_quote, quote_request(playbook, lead))
    request = ContractRequest(
        workflow_id="sale-acme-anna",
        lead=lead,
        playbook=playbook,
        quote=quote,
        version=1,
        issued_on=date(2026, 3, 20),
        signature_due=date(2026, 4, 19),
        po_number="PO-4711",
    )
    contract = await env.run(acts.prepare_contract, request)

    assert contract.number == "C-2026-acme-anna-v1"
    assert contract.version == 1
    assert Path(contract.html_path).name == "C-2026-acme-anna-v1.html"
    html = unescape(Path(contract.html_path).read_text(encoding="utf-8"))
    text = pdf_text(contract.pdf_path)
    for document in (html, text):
        assert "Contract C-2026-acme-anna-v1" in document
        assert "governed by the laws of the Federal Republic of Germany" in document
        assert "EUR 7,110.85" in document
        assert "Q-2026-acme-anna-v1" in document
        assert "PO-4711" in document
        assert "30 days net from invoice date" in document
        assert "19 April 2026" in document
        assert playbook.contract.liability in document


async def test_a_quote_priced_by_reference_to_its_lead_is_filed_with_its_needs(
    playbook: Playbook, lead: Lead, documents_dir: Path
) -> None:
    """Process version 6: the qualification files the lead, the later activities read it by
    reference, and the quote's file holds the needs it was priced for (the orientation's)."""
    settings = Settings(documents_dir=documents_dir)
    filing = Filing(settings, typeset=False)
    reference = filing.file_lead("sale-acme-anna", lead)
    assert reference == str(documents_dir.resolve() / "sale-acme-anna" / "lead.json")

    inline = quote_request(playbook, lead)
    by_reference = inline.model_copy(update={"lead": LeadRef(file=reference)})
    quote = await ActivityEnvironment().run(
        DocumentActivities(settings, typeset=False).prepare_quote, by_reference
    )
    assert quote == await ActivityEnvironment().run(
        DocumentActivities(settings, typeset=False).prepare_quote, inline
    )
    needs = filing.read_json(f"{quote.data_path}#needs")
    assert NeedsIdentified.model_validate(needs) == inline.needs


def test_a_lead_missing_from_the_store_is_retried_and_named(
    playbook: Playbook, lead: Lead, documents_dir: Path
) -> None:
    filing = Filing(Settings(documents_dir=documents_dir), typeset=False)
    missing = str(documents_dir / "sale-x" / "lead.json")
    request = quote_request(playbook, lead).model_copy(update={"lead": LeadRef(file=missing)})
    with pytest.raises(ApplicationError) as raised:
        filing.with_lead(request)
    assert raised.value.type == "DocumentMissing" and not raised.value.non_retryable
    assert missing in raised.value.message
