"""What the template tests share: realistic buyers per playbook, the quote they are sent,
one context per email as the workflows build it, and ways to read the wording back.

Everything is rendered for real through the activities (the same Jinja environment, the
same playbook template folders); their fixtures are in tests/activities/conftest.py.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from activities.email import EmailActivities
from sales.account.records import Handoff, HandoffLine
from sales.catalog import load_catalog
from sales.events import Application, ItemOfInterest, NeedsIdentified, Redline
from sales.lead import Lead
from sales.playbook import Playbook, PurchasingProcedure, load_playbook
from sales.process import StepName
from sales.quote import Quote, price_lines, total_lines
from sales.requests import EmailRequest
from settings import ROOT
from tests.smtp_inbox import visible

ISSUED = date(2026, 3, 14)
ITEMS = [
    ItemOfInterest(sku="NW-SENSOR-100", quantity=10),
    ItemOfInterest(sku="NW-PLATFORM", quantity=1),
]
AMENDMENTS = [
    Redline(
        clause="5. Liability",
        text="Each party's liability is limited to twice the contract value, "
        "except for intent and gross negligence.",
    ),
    Redline(
        clause="3. Term",
        text="This contract runs for 24 months from the date of the last signature.",
    ),
]
TENDER_REFERENCE = "TED 2026/S 045-123456"
SUBMISSION_DEADLINE = datetime(2026, 4, 14, 12, 0, tzinfo=UTC)


def playbook_named(name: str) -> Playbook:
    return load_playbook(ROOT / "playbooks", name)


def buyer(
    lead_id: str,
    email: str,
    name: str,
    company: str,
    title: str | None = None,
    source: str | None = None,
) -> Lead:
    """A buyer in Germany, named "First Last"."""
    first_name, last_name = name.split(" ")
    return Lead(
        lead_id=lead_id,
        email=email,
        first_name=first_name,
        last_name=last_name,
        country="DE",
        company=company,
        title=title,
        source=source,
    )


def lead_for(playbook: Playbook) -> Lead:
    """A realistic buyer for each playbook: a plant, a shop customer, a group, an authority."""
    if playbook.name == "quick":
        return buyer(
            "shop-tom", "tom.berger@berger-technik.example", "Tom Berger", "Berger Technik KG"
        )
    if playbook.name == "public-sector":
        return buyer(
            "stadtwerke",
            "vergabe@stadtwerke-musterstadt.example",
            "Petra Lang",
            "Stadtwerke Musterstadt",
            "Head of Procurement",
        )
    return buyer(
        "acme-anna",
        "anna.mueller@acme.example",
        "Anna Müller",
        "Acme Maschinenbau GmbH",
        "Head of Maintenance",
        source="Hannover Messe 2026",
    )


def needs() -> NeedsIdentified:
    return NeedsIdentified(
        summary="Two plants lose 30 hours a month to unplanned pump failures.",
        items=ITEMS,
        business_model="Contract manufacturer of castings",
        applications=[
            Application(
                name="Pump monitoring",
                hours_saved_per_month=Decimal(20),
                cost_saved_per_year=Decimal(45000),
            )
        ],
    )


def formal(playbook: Playbook) -> bool:
    return playbook.proposal.default_purchasing_procedure is PurchasingProcedure.FORMAL_PROPOSAL


def a_quote(playbook: Playbook, version: int = 1, discount: Decimal = Decimal(0)) -> Quote:
    """10 sensors at 149.00 and one platform at 4,800.00 for a German buyer, no discount:
    net 6,290.00, tax 19 % = 283.10 + 912.00, total EUR 7,485.10 (or with `discount` % off)."""
    catalog = load_catalog(ROOT / "catalog" / "products.toml")
    lines = price_lines(ITEMS, catalog, playbook, "DE")
    return Quote(
        number=f"Q-2026-acme-anna-v{version}",
        version=version,
        currency=playbook.currency,
        issued_on=ISSUED,
        valid_until=date(2026, 4, 13),
        purchasing_procedure=playbook.proposal.default_purchasing_procedure,
        rounding=playbook.proposal.rounding,
        lines=lines,
        totals=total_lines(lines, discount, playbook.currency),
    )


def quoted(playbook: Playbook, version: int = 1, discount: Decimal = Decimal(0)) -> dict[str, Any]:
    return a_quote(playbook, version, discount).model_dump(mode="json")


def filed(number: str) -> dict[str, Any]:
    """A document of the sale as an email's context names it: its number and files."""
    folder = "/documents/sale-acme-anna"
    return {
        "number": number,
        "html_path": f"{folder}/{number}.html",
        "pdf_path": f"{folder}/{number}.pdf",
    }


def contract_document(version: int = 1) -> dict[str, Any]:
    return filed(f"C-2026-acme-anna-v{version}") | {"version": version}


def amendments() -> list[dict[str, Any]]:
    """The amendments agreed in legal review, as an email's context lists them."""
    return [change.model_dump(mode="json") for change in AMENDMENTS]


def support(playbook: Playbook) -> dict[str, Any]:
    return playbook.support.model_dump(mode="json")


def contract_context(playbook: Playbook) -> dict[str, Any]:
    """The contract for signature and its reminder: version 1, no amendments."""
    return {
        "contract": contract_document(),
        "quote": quoted(playbook),
        "signature_due": "2026-04-30",
        "amendments": [],
    }


# The customer account: its id, an owner as the playbook's rota gives one, what it promised.
ACCOUNT_WORKFLOW_ID = "support-acme-anna-1a2b3c"
OWNER = {"name": "Mara Schulz", "email": "mara.schulz@northwind.example"}
SUPPORT_LEAD = {"name": "Omar Haddad", "email": "omar.haddad@northwind.example"}
DELIVERY_BY = "Mon 4 Jan 2027"
TERM_ENDS_ON = "Mon 6 Dec 2027"


def owner(playbook: Playbook) -> dict[str, str] | None:
    """The account owner; a web shop's customers have none (the support contact answers)."""
    return None if playbook.name == "quick" else dict(OWNER)


def account(playbook: Playbook) -> dict[str, Any]:
    """What every email of the customer account has: support, owner and the account's id."""
    return {
        "support": support(playbook),
        "owner": owner(playbook),
        "account_workflow_id": ACCOUNT_WORKFLOW_ID,
    }


def handoff(playbook: Playbook) -> dict[str, Any]:
    """The deal as the sale hands it to the account: the accepted quote, contract and order."""
    quote = a_quote(playbook)
    has_contract = playbook.has_step(StepName.CONTRACT)
    deal = Handoff(
        needs_summary=needs().summary,
        quote_number=quote.number,
        lines=[
            HandoffLine(
                sku=line.sku,
                description=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                total=line.net,
            )
            for line in quote.lines
        ],
        net_total=quote.totals.net,
        gross_total=quote.totals.total,
        currency=quote.currency,
        terms=playbook.proposal.terms or None,
        contract_number="C-2026-acme-anna-v1" if has_contract else None,
        contract_signed_on=date(2026, 4, 20) if has_contract else None,
        payment_terms=playbook.contract.payment_terms if has_contract else None,
        term_months=playbook.contract.term_months if has_contract else None,
        order_number="SO-2026-0815",
        order_amount=quote.totals.total,
        ordered_at=datetime(2026, 4, 22, 9, 30, tzinfo=UTC),
        po_number="PO-4500012345",
    )
    return deal.model_dump(mode="json")


def handoff_context(playbook: Playbook) -> dict[str, Any]:
    return account(playbook) | {
        "handoff": handoff(playbook),
        "term_ends_on": TERM_ENDS_ON,
        "delivery_by": DELIVERY_BY,
        "sale_workflow_id": "sale-acme-anna",
    }


def ticket_breach_context(playbook: Playbook, level: int = 1) -> dict[str, Any]:
    """A P1 ticket that missed its first response target: to the owner (level 1), or the
    support lead (level 2)."""
    to = OWNER if level == 1 else SUPPORT_LEAD
    return account(playbook) | {
        "ticket": {
            "ticket_id": "T-4711",
            "subject": "Sensor gateway offline at plant 2",
            "priority": "P1",
            "opened_at": "Mon 7 Dec 09:00 Europe/Paris",
        },
        "clock": "first response",
        # The owner hears when it is missed; the support lead when it ran as long again.
        "due": "Mon 7 Dec 13:00 Europe/Paris" if level == 1 else "Mon 7 Dec 17:00 Europe/Paris",
        "target": "4 business hours",
        "level": level,
        "to_name": to["name"],
    }


# One context per email, as the workflows build it (workflows/sale/steps, workflows/support).
CONTEXTS: dict[str, Callable[[Playbook], dict[str, Any]]] = {
    "intro": lambda p: {},
    "follow_up": lambda p: {"number": 1},
    "orientation": lambda p: {"needs": needs().model_dump(mode="json"), "currency": p.currency},
    "proposal": lambda p: {"quote": quoted(p), "formal": formal(p)},
    "proposal_reminder": lambda p: {"quote": quoted(p)},
    "discount_approval_request": lambda p: {
        "quote": quoted(p, discount=Decimal(12)),
        "discount_percent": "12.00",
        "threshold": str(p.proposal.discount_approval_threshold),
    },
    "tender_bid": lambda p: {
        "quote": quoted(p),
        "bid": filed("B-2026-acme-anna-v1"),
        "reference": TENDER_REFERENCE,
        "deadline": SUBMISSION_DEADLINE.isoformat(),
    },
    "contract_review": lambda p: {
        "contract": contract_document(2),
        "quote": quoted(p),
        "signature_due": "2026-05-15",
        "amendments": amendments(),
        "round": 1,
        "max_rounds": 3,
    },
    "contract": contract_context,
    "contract_reminder": contract_context,
    "welcome": lambda p: (
        account(p)
        | {
            "order_number": "SO-2026-0815",
            "delivery_by": DELIVERY_BY,
            "check_in_after_text": "2 weeks",
        }
    ),
    "check_in": lambda p: account(p) | {"number": 1},
    "handoff_note": handoff_context,
    "order_late": lambda p: (
        account(p)
        | {
            "order": {
                "order_number": "SO-2026-0815",
                "promised_by": DELIVERY_BY,
                "placed_at": "Mon 7 Dec 2026",
                "shipped_at": None,
            }
        }
    ),
    "ticket_breach": ticket_breach_context,
    "follow_up_task": lambda p: (
        account(p)
        | {
            "task": {
                "task_id": "follow-up-1",
                "reason": "scored us 4",
                "due": "Thu 10 Dec 2026",
            },
            "score": 4,
            "comment": "The gateway dropped out twice & nobody called back.",
        }
    ),
    "business_review": lambda p: account(p) | {"number": 1, "period_text": "quarter"},
    "renewal_reminder": lambda p: account(p) | {"term_ends_on": TERM_ENDS_ON},
    "renewal_due": lambda p: (
        account(p)
        | {
            "term_ends_on": TERM_ENDS_ON,
            "renewal_starts": "Tue 7 Sep 2027",
            "renewal_playbook": "renewal",
        }
    ),
}


def email_request(
    playbook: Playbook, template: str, context: dict[str, Any] | None = None, **kw: Any
) -> EmailRequest:
    """The request for one email to the playbook's buyer, with its usual context by default."""
    lead = lead_for(playbook)
    fields: dict[str, Any] = {
        "workflow_id": f"sale-{lead.lead_id}",
        "step": template,
        "template": playbook.email_template(template),
        "to": lead.email,
        "lead": lead,
        "playbook": playbook,
        "context": CONTEXTS[template](playbook) if context is None else context,
    }
    return EmailRequest.model_validate(fields | kw)


def assert_says(texts: Iterable[str], *phrases: str, never: Sequence[str] = ()) -> None:
    """Each text (an email's parts, a document's files) says every phrase and none of `never`."""
    for text in texts:
        for phrase in phrases:
            assert phrase in text, f"missing: {phrase!r}"
        for phrase in never:
            assert phrase not in text, f"should not say: {phrase!r}"


class Rendered(NamedTuple):
    """One email as rendered: its subject, text part and HTML part."""

    subject: str
    text: str
    html: str

    @property
    def parts(self) -> tuple[str, str]:
        """The text part and the HTML part as a reader sees it."""
        return self.text, visible(self.html)


def assert_email(email: Rendered, subject: str, *phrases: str, never: Sequence[str] = ()) -> None:
    """The email has this subject, and its text and HTML parts say every phrase, none of `never`."""
    assert email.subject == subject
    assert_says(email.parts, *phrases, never=never)


def render(
    mail: EmailActivities, playbook: Playbook, template: str, context: dict[str, Any] | None = None
) -> Rendered:
    request = email_request(playbook, template, context)
    return Rendered(*mail._render(request, request.context))
