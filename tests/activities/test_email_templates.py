"""The emails each playbook sends: every email of every process in the playbook's own wording
where it has one and the shared wording elsewhere, and the emails new or changed for a
playbook (the shop quote, the formal proposal, the award, the contract and its review).

Rendered for real through `EmailActivities` and read as the customer sees them: the text
part, and the HTML part as a browser shows it.
"""

import re
from typing import Any

import pytest

from activities.email import EmailActivities
from sales.playbook import Playbook
from sales.playbook import Templates as TemplateSettings
from sales.process import STEP_KINDS, SUPPORT_EMAILS
from settings import ROOT
from tests.activities.template_contexts import (
    ACCOUNT_WORKFLOW_ID,
    CONTEXTS,
    account,
    amendments,
    assert_email,
    assert_says,
    contract_document,
    handoff,
    playbook_named,
    quoted,
    render,
    support,
    ticket_breach_context,
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
        assert text.startswith(("Dear ", "Hello")), email
        shared = render(mail, shared_only(playbook), email)
        if email in OVERRIDDEN[name]:
            for part in ("subject", "txt", "html"):
                assert (folder / f"{email}.{part}.j2").is_file(), f"{email}.{part}.j2"
            assert subject != shared.subject, f"{name} {email}: the shared subject was sent"
            assert text != shared.text, f"{name} {email}: the shared text was sent"
            assert html != shared.html, f"{name} {email}: the shared HTML was sent"
        else:
            assert rendered == shared, f"{name} {email} should be the shared one"


def test_every_email_template_has_a_context_and_renders_for_every_playbook(
    mail: EmailActivities,
) -> None:
    """Emails no process step lists (the account's) render too, with the context they get."""
    folder = ROOT / "templates" / "emails"
    names = sorted(path.name.removesuffix(".subject.j2") for path in folder.glob("*.subject.j2"))
    assert set(CONTEXTS) == set(names), "a template or a context factory is missing"
    for name in PLAYBOOKS:
        playbook = playbook_named(name)
        for email in names:
            subject, text, html = render(mail, playbook, email)
            assert subject.strip() and "\n" not in subject, email
            assert text.startswith(("Dear ", "Hello")), email
            assert visible(html).startswith(f"{playbook.seller.company} {text.splitlines()[0]}")
            assert playbook.seller.name in text and playbook.seller.name in visible(html), email
            assert "{{" not in text + html and "{%" not in text + html, email


# The customer account: welcome, check-ins, reviews and renewals to the customer.


def test_welcome_names_the_account_manager_and_the_next_steps(mail: EmailActivities) -> None:
    email = render(mail, playbook_named("default"), "welcome")

    assert_email(
        email,
        "Welcome to Northwind Automation GmbH, Acme Maschinenbau GmbH",
        "Dear Anna Müller,",
        "Thank you for your order SO-2026-0815, and welcome as a customer of "
        "Northwind Automation GmbH.",
        "You can reach Priya Nair at support@northwind.example.",
        "Your account manager is Mara Schulz (mara.schulz@northwind.example), "
        "who looks after your account from now on",
        "Next steps:",
        "Delivery: your order is promised for delivery by Mon 4 Jan 2027.",
        "Check-in: in 2 weeks we will check in with you to ask how things are going.",
        "Help: for any question, write to Priya Nair at support@northwind.example, "
        "or to Mara Schulz about your account.",
        never=["I remain your contact for anything commercial"],
    )


def test_welcome_without_an_owner_leaves_the_customer_to_support(mail: EmailActivities) -> None:
    playbook = playbook_named("default")
    context = CONTEXTS["welcome"](playbook) | {"owner": None, "delivery_by": None}
    email = render(mail, playbook, "welcome", context)
    # What a support workflow started before the account sends: no owner, no next-step dates.
    older = render(mail, playbook, "welcome", {"support": support(playbook), "order_number": None})

    assert_says(
        email.parts,
        "From today Priya Nair from our support team looks after you",
        "You can reach Priya Nair at support@northwind.example.",
        "I remain your contact for anything commercial.",
        "Check-in: in 2 weeks we will check in with you",
        never=["account manager", "promised for delivery", "Mara Schulz"],
    )
    assert_says(
        older.parts,
        "Welcome as a customer of Northwind Automation GmbH; thank you for your trust.",
        "Check-in: in a few weeks we will check in with you",
        never=["account manager", "promised for delivery"],
    )


@pytest.mark.parametrize("number", [1, 2])
def test_check_in_asks_for_a_score(mail: EmailActivities, number: int) -> None:
    playbook = playbook_named("default")
    email = render(mail, playbook, "check_in", CONTEXTS["check_in"](playbook) | {"number": number})

    assert_says(
        email.parts,
        "On a scale from 0 to 10, how likely are you to recommend Northwind Automation GmbH "
        "to a colleague? Just reply with a number.",
        "Is everything working as you expected?",
        "Priya Nair is always there for you at support@northwind.example.",
    )
    opener = "It has been a few weeks since you started with Northwind Automation GmbH"
    assert (opener in email.text) is (number == 1)


def test_business_review_and_renewal_reminder_name_the_owner_or_support(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("default")
    review = render(mail, playbook, "business_review")
    reminder = render(mail, playbook, "renewal_reminder")
    no_owner = CONTEXTS["renewal_reminder"](playbook) | {"owner": None}
    support_reminder = render(mail, playbook, "renewal_reminder", no_owner)

    assert_email(
        review,
        "Your business review with Northwind Automation GmbH",
        "It is time for our first business review with Acme Maschinenbau GmbH: "
        "a look back at the last quarter together with Mara Schulz.",
        "write to Mara Schulz directly at mara.schulz@northwind.example",
    )
    assert_email(
        reminder,
        "Your contract with Northwind Automation GmbH ends on Mon 6 Dec 2027",
        "runs until Mon 6 Dec 2027",
        "we will send you an offer to renew it",
        "write to Mara Schulz at mara.schulz@northwind.example",
    )
    assert_says(
        support_reminder.parts,
        "write to Priya Nair at support@northwind.example",
        never=["Mara Schulz"],
    )


# The customer account: notes to the owner and the support lead.


def test_handoff_note_lists_the_deal(mail: EmailActivities) -> None:
    email = render(mail, playbook_named("default"), "handoff_note")

    assert_email(
        email,
        "Hand-off: Acme Maschinenbau GmbH is now your customer",
        "Acme Maschinenbau GmbH is now your customer: the sale sale-acme-anna is won",
        "Two plants lose 30 hours a month to unplanned pump failures.",
        "Accepted quote Q-2026-acme-anna-v1:",
        "10 x NW-SENSOR-100 Vibration sensor S100 at EUR 149.00: EUR 1,490.00",
        "1 x NW-PLATFORM Northwind Insight platform at EUR 4,800.00: EUR 4,800.00",
        "EUR 6,290.00",
        "EUR 7,485.10 incl. tax",
        "Delivery within 4 weeks of order.",
        "C-2026-acme-anna-v1, signed on 20 April 2026",
        "30 days net from invoice date",
        "12 months, ends on Mon 6 Dec 2027",
        "promised by Mon 4 Jan 2027",
        "SO-2026-0815 (EUR 7,485.10)",
        "PO-4500012345",
    )
    assert email.text.startswith("Hello Mara Schulz,\n")
    assert "- 10 x NW-SENSOR-100 Vibration sensor S100 at EUR 149.00: EUR 1,490.00" in email.text
    assert "Net total:      EUR 6,290.00" in email.text


def test_handoff_note_leaves_out_what_the_sale_did_not_have(mail: EmailActivities) -> None:
    playbook = playbook_named("quick")
    bare: dict[str, Any] = {key: None for key in handoff(playbook)} | {"lines": []}
    context = CONTEXTS["handoff_note"](playbook) | {"handoff": bare, "term_ends_on": None}
    email = render(mail, playbook, "handoff_note", context)
    nothing = render(mail, playbook, "handoff_note", context | {"handoff": None})

    assert email.text.startswith("Hello Web shop support,\n")
    assert_says(
        email.parts,
        "promised by Mon 4 Jan 2027",
        never=["Accepted quote", "EUR", "Contract", "Term", "Order", "Purchase order", "needs"],
    )
    assert_says(nothing.parts, "The sale passed on no details of the deal.")


def test_order_late_says_where_the_order_stands(mail: EmailActivities) -> None:
    playbook = playbook_named("default")
    email = render(mail, playbook, "order_late")
    context = CONTEXTS["order_late"](playbook)
    shipped = context | {"order": context["order"] | {"shipped_at": "Tue 29 Dec 2026"}}

    assert_email(
        email,
        "Late order SO-2026-0815 for Acme Maschinenbau GmbH",
        "Order SO-2026-0815 of Acme Maschinenbau GmbH was promised by Mon 4 Jan 2027 "
        "and is not fulfilled. It has not shipped yet.",
        "The account shows Needs attention until the order system sends order_fulfilled.",
        f"temporal workflow signal --workflow-id {ACCOUNT_WORKFLOW_ID} --name order_fulfilled "
        """--input '{"order_number": "SO-2026-0815"}'""",
    )
    assert_says(
        render(mail, playbook, "order_late", shipped).parts,
        "It shipped on Tue 29 Dec 2026, but its delivery has not been confirmed.",
        never=["not shipped"],
    )


def test_ticket_breach_goes_to_the_owner_then_escalates_to_the_support_lead(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("default")
    first = render(mail, playbook, "ticket_breach")
    second = render(mail, playbook, "ticket_breach", ticket_breach_context(playbook, level=2))

    assert_email(
        first,
        "P1 ticket T-4711 missed its first response target",
        "Hello Mara Schulz,",
        "P1 ticket T-4711 of Acme Maschinenbau GmbH missed its first response target "
        "of 4 business hours: it was due by Mon 7 Dec 13:00 Europe/Paris.",
        "Sensor gateway offline at plant 2",
        "The clock stops when the account receives ticket_responded",
        """--name ticket_responded --input '{"ticket_id": "T-4711", "by": "your.name"}'""",
        never=["second escalation", "Escalated"],
    )
    assert_email(
        second,
        "Escalated: P1 ticket T-4711 missed its first response target",
        "Hello Omar Haddad,",
        "missed its first response target of 4 business hours and is still not answered "
        "at Mon 7 Dec 17:00 Europe/Paris. This is the second escalation",
    )


def test_ticket_breach_of_the_resolution_target_waits_for_ticket_resolved(
    mail: EmailActivities,
) -> None:
    playbook = playbook_named("default")
    context = ticket_breach_context(playbook, level=2) | {"clock": "resolution", "target": "2 days"}
    email = render(mail, playbook, "ticket_breach", context)

    assert_email(
        email,
        "Escalated: P1 ticket T-4711 missed its resolution target",
        "missed its resolution target of 2 days",
        "and is still not resolved at Mon 7 Dec 17:00 Europe/Paris",
        """--name ticket_resolved --input '{"ticket_id": "T-4711"}'""",
        never=["ticket_responded"],
    )


def test_follow_up_task_quotes_the_score_and_how_to_close_it(mail: EmailActivities) -> None:
    playbook = playbook_named("default")
    email = render(mail, playbook, "follow_up_task")
    silent = render(
        mail, playbook, "follow_up_task", CONTEXTS["follow_up_task"](playbook) | {"comment": None}
    )

    assert_email(
        email,
        "Follow up Acme Maschinenbau GmbH: they scored us 4",
        "Anna Müller of Acme Maschinenbau GmbH scored us 4 out of 10.",
        'Their comment: "The gateway dropped out twice & nobody called back."',
        "by Thu 10 Dec 2026",
        f"temporal workflow signal --workflow-id {ACCOUNT_WORKFLOW_ID} --name follow_up_done "
        """--input '{"task_id": "follow-up-1", "by": "your.name"}'""",
    )
    assert "twice &amp; nobody" in email.html and "twice & nobody" not in email.html
    assert_says(silent.parts, "They left no comment.", never=["Their comment"])


def test_renewal_due_tells_the_owner_when_the_renewal_sale_starts(mail: EmailActivities) -> None:
    playbook = playbook_named("default")
    email = render(
        mail, playbook, "renewal_due", CONTEXTS["renewal_due"](playbook) | {"owner": None}
    )

    assert_email(
        email,
        "Renewal due: Acme Maschinenbau GmbH (Mon 6 Dec 2027)",
        "Hello Priya Nair,",
        "The contract term of Acme Maschinenbau GmbH ends on Mon 6 Dec 2027.",
        "The account starts the renewal sale on Tue 7 Sep 2027, on the renewal playbook",
        f"--workflow-id {ACCOUNT_WORKFLOW_ID} --name upsell_requested",
    )


def test_the_account_context_is_what_every_account_email_shares() -> None:
    playbook = playbook_named("enterprise")
    shared = account(playbook)

    assert set(shared) == {"support", "owner", "account_workflow_id"}
    assert shared["support"]["check_in_after"] == "P30D"
    for email in (
        "welcome",
        "check_in",
        "handoff_note",
        "order_late",
        "ticket_breach",
        "follow_up_task",
        "business_review",
        "renewal_reminder",
        "renewal_due",
    ):
        assert CONTEXTS[email](playbook).items() >= shared.items(), email


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
