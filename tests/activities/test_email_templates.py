"""The emails each playbook sends: every email of every process in the playbook's own wording
where it has one and the shared wording elsewhere, and the emails new or changed for a
playbook (the shop quote, the formal proposal, the award, the contract and its review).

Rendered for real through `EmailActivities` and read as the customer sees them: the text
part, and the HTML part as a browser shows it.
"""

import re

import pytest

from activities.email import EmailActivities
from sales.playbook import Playbook
from sales.playbook import Templates as TemplateSettings
from sales.process import STEP_KINDS, SUPPORT_EMAILS
from settings import ROOT
from tests.activities.template_contexts import (
    CONTEXTS,
    amendments,
    assert_email,
    assert_says,
    contract_document,
    playbook_named,
    quoted,
    render,
    support,
)
from tests.smtp_inbox import visible

PLAYBOOKS = ("default", "quick", "enterprise", "public-sector")
# The emails each playbook words its own way (templates/playbooks/<folder>/emails/).
OVERRIDDEN = {
    "default": set(),
    "quick": {"proposal", "welcome"},
    "enterprise": {"intro", "proposal"},
    "public-sector": {"contract"},
}


def process_emails(playbook: Playbook) -> list[str]:
    """Every email a sale of this playbook can send, then its support emails."""
    names = [email for step in playbook.process.steps for email in STEP_KINDS[step].emails]
    return list(dict.fromkeys([*names, *SUPPORT_EMAILS]))


def shared_only(playbook: Playbook) -> Playbook:
    """The same playbook without its template folder: the shared wording."""
    return playbook.model_copy(update={"templates": TemplateSettings()})


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_every_email_of_the_process_renders_with_the_playbooks_wording(
    mail: EmailActivities, name: str
) -> None:
    playbook = playbook_named(name)
    folder = ROOT / "templates" / "playbooks" / (playbook.templates.folder or "-") / "emails"
    emails = process_emails(playbook)
    assert set(CONTEXTS) >= set(emails), "a context factory is missing"
    assert OVERRIDDEN[name] <= set(emails)
    for email in emails:
        rendered = render(mail, playbook, email)
        subject, text, html = rendered
        shown = visible(html)
        assert subject.strip() and "\n" not in subject, email
        assert playbook.seller.name in text and playbook.seller.name in shown, email
        assert playbook.seller.company in shown, email
        assert "{{" not in text + html and "{%" not in text + html, email
        assert text.startswith(("Dear ", "Hello,")), email
        shared = render(mail, shared_only(playbook), email)
        if email in OVERRIDDEN[name]:
            for part in ("subject", "txt", "html"):
                assert (folder / f"{email}.{part}.j2").is_file(), f"{email}.{part}.j2"
            assert subject != shared.subject, f"{name} {email}: the shared subject was sent"
            assert text != shared.text, f"{name} {email}: the shared text was sent"
            assert html != shared.html, f"{name} {email}: the shared HTML was sent"
        else:
            assert rendered == shared, f"{name} {email} should be the shared one"


# The quick playbook: a web shop.


def test_quick_proposal_is_a_web_shop_quote(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    email = render(mail, playbook, "proposal")
    shared = render(mail, shared_only(playbook), "proposal")

    assert shared.subject == "Quote Q-2026-acme-anna-v1 from Northwind Automation GmbH"
    assert_email(
        email,
        "Your quote Q-2026-acme-anna-v1 is ready",
        "Dear Tom Berger,",
        "Vibration sensor S100 (NW-SENSOR-100)",
        "EUR 1,490.00",
        "EUR 7,485.10",
        "13 April 2026",
        "place your order, reply to this email quoting Q-2026-acme-anna-v1",
        "order in the shop at https://shop.northwind.example",
        "Northwind Web Shop",
    )
    for part in email.parts:
        assert "call" not in part.lower()
    assert "- 10 x Vibration sensor S100 (NW-SENSOR-100): EUR 1,490.00" in email.text
    assert "Thank you for walking us through your needs" in shared.text
    assert "Thank you for walking us through your needs" not in email.text


def test_quick_revised_quote_says_updated(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    context = {"quote": quoted(playbook, version=2), "formal": False}
    email = render(mail, playbook, "proposal", context)

    assert email.subject == "Your updated quote Q-2026-acme-anna-v2 is ready"
    assert "Your updated quote Q-2026-acme-anna-v2 is ready" in email.text


def test_quick_welcome_confirms_the_order(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    email = render(mail, playbook, "welcome")

    assert_email(
        email,
        "Order SO-2026-0815 confirmed: welcome to Northwind Automation GmbH",
        "Thank you for your order SO-2026-0815. It is confirmed",
        "shop-support@northwind.example",
        never=["I remain your contact for anything commercial"],
    )

    no_number = {"support": support(playbook), "order_number": None}
    without = render(mail, playbook, "welcome", no_number)
    assert without.subject == "Your order is confirmed: welcome to Northwind Automation GmbH"
    assert "Thank you for your order. It is confirmed" in without.text


# The enterprise playbook: formal, signed by Dr. Fischer.


def test_enterprise_intro_is_formal_and_signed_by_dr_fischer(mail: EmailActivities) -> None:
    email = render(mail, playbook_named("enterprise"), "intro")

    assert_email(
        email,
        "Following our meeting at Hannover Messe 2026: "
        "Northwind Automation GmbH and Acme Maschinenbau GmbH",
        "Dear Anna Müller,",
        "It was a pleasure to meet you at Hannover Messe 2026.",
        "with you as Head of Maintenance",
        "unsubscribe",
    )
    for part in email.parts:
        assert "Yours sincerely, Dr. Lena Fischer" in re.sub(r"\s+", " ", part)
    assert "Would you have 20 minutes" not in email.text


def test_enterprise_proposal_is_formal_with_po_and_terms(mail: EmailActivities) -> None:
    email = render(mail, playbook_named("enterprise"), "proposal")

    assert_email(
        email,
        "Proposal Q-2026-acme-anna-v1 for Acme Maschinenbau GmbH",
        "Please find attached our formal proposal Q-2026-acme-anna-v1",
        "EUR 7,485.10",
        "45 days net from invoice date",
        "36 months",
        "a field for your purchase order number",
        "quoting Q-2026-acme-anna-v1 and your purchase order number",
        "We then send the draft contract for your legal team's review.",
        "Dr. Lena Fischer",
    )


def test_enterprise_revised_quotation_without_formal_procedure(mail: EmailActivities) -> None:
    playbook = playbook_named("enterprise")
    context = {"quote": quoted(playbook, version=3), "formal": False}
    email = render(mail, playbook, "proposal", context)

    assert email.subject == (
        "Quotation Q-2026-acme-anna-v3 (revised, version 3) for Acme Maschinenbau GmbH"
    )
    assert "please find attached version 3 of our quotation Q-2026-acme-anna-v3" in email.text
    assert "It replaces all earlier versions." in email.text
    assert "acceptance section" not in email.text


# The contract for signature and the drafts for legal review.


def test_public_sector_contract_refers_to_the_award_po_and_mandatory_terms(
    mail: EmailActivities,
) -> None:
    email = render(mail, playbook_named("public-sector"), "contract")
    default_text = render(mail, playbook_named("default"), "contract").text

    assert_email(
        email,
        "Contract C-2026-acme-anna-v1 following your award, for signature",
        "Dear Petra Lang,",
        "Thank you for awarding the contract to our bid.",
        "under the purchase order you sent with the award",
        "The contract includes your mandatory terms (4 clauses",
        "30 April 2026",
        "Jonas Weber",
        never=["amendments"],
    )
    assert "mandatory terms" not in default_text
    assert "award" not in default_text


def test_contract_email_names_the_amendments_agreed(mail: EmailActivities) -> None:
    playbook = playbook_named("enterprise")
    context = CONTEXTS["contract"](playbook) | {
        "contract": contract_document(3),
        "amendments": amendments(),
    }
    email = render(mail, playbook, "contract", context)
    plain_text = render(mail, playbook, "contract").text
    older = {key: value for key, value in context.items() if key != "amendments"}
    old_caller_text = render(mail, playbook, "contract", older).text

    assert_says(
        email.parts,
        "Attached is contract C-2026-acme-anna-v3 (version 3)",
        "The contract includes the amendments agreed with your legal team (5. Liability, 3. Term).",
    )
    assert "amendments" not in plain_text
    assert "amendments" not in old_caller_text
    assert "Please sign and return it by 30 April 2026" in old_caller_text


def test_contract_review_first_draft_asks_for_redlines_or_approval(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("enterprise")
    context = CONTEXTS["contract_review"](playbook) | {
        "contract": contract_document(1),
        "amendments": [],
        "round": 0,
    }
    email = render(mail, playbook, "contract_review", context)

    assert_email(
        email,
        "Draft contract C-2026-acme-anna-v1 for your legal review",
        "attached is the draft of contract C-2026-acme-anna-v1 for your legal team",
        "EUR 7,485.10",
        "reply to this email with your redlines",
        "reply that the draft is approved",
        "sign the attached draft as it is and return it by 15 May 2026",
        never=["redline round"],
    )


def test_contract_review_later_round_lists_the_amendments_and_the_round(
    mail: EmailActivities,
) -> None:
    email = render(mail, playbook_named("enterprise"), "contract_review")

    assert_email(
        email,
        "Revised draft contract C-2026-acme-anna-v2 for your legal review",
        "Attached is the revised draft of contract C-2026-acme-anna-v2 (version 2)",
        "5. Liability: Each party's liability is limited to twice the contract value",
        "3. Term: This contract runs for 24 months",
        "This version answers redline round 1 of at most 3.",
        "reply to this email with your redlines",
    )


def test_contract_review_after_the_last_round_leaves_approval_or_signature(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("enterprise")
    context = CONTEXTS["contract_review"](playbook) | {"contract": contract_document(4)}
    context |= {"round": 3, "max_rounds": 3}
    email = render(mail, playbook, "contract_review", context)

    assert_says(
        email.parts,
        "This version answers redline round 3 of at most 3.",
        "That was the last round",
        "sign the attached draft as it is",
        never=["reply to this email with your redlines"],
    )


# The sales manager's approval request.


@pytest.mark.parametrize(("name", "threshold"), [("default", "10%"), ("enterprise", "5%")])
def test_discount_approval_request_names_the_discount_asked_and_the_threshold_passed(
    mail: EmailActivities, name: str, threshold: str
) -> None:
    # The quote: 6,290.00 less 12 % = 5,535.20 net, 6,586.89 with 19 % tax.
    email = render(mail, playbook_named(name), "discount_approval_request")

    assert email.subject.startswith("Approval needed: 12% discount on Q-2026-acme-anna-v1 for ")
    assert_says(
        email.parts,
        f"The quote below carries a discount of 12%, above the {threshold} a seller may grant",
        "It is on hold and will not be sent until you approve it.",
        "EUR 754.80",
        "EUR 5,535.20",
        "EUR 6,586.89",
        "--workflow-id sale-acme-anna --name discount_approved",
    )
