"""The customers of a soak run: who sends what, and how each sale should end.

A buyer sends every event needed to win (early events are kept by the sale until their
stage, so a script sends them without polling); others stop short of it, go silent, opt
out, bounce, reject the offer, never sign or order, or are dropped by the seller, at a
random moment: at once, or once one of the sale's emails arrived.
"""

from typing import Any

from soak.script import SKUS, WON, Expected, Script, lost
from soak.stack import REFUSED_PREFIX

LOST_REASONS = ("no_budget", "competitor", "cancelled", "not_interested", "other")


def milestones(steps: list[tuple[str, dict[str, Any]]]) -> list[str | None]:
    """Emails a sale that received `steps` is sure to send, to end it after one of them."""
    names = [name for name, _ in steps]
    found: list[str | None] = [None, "intro"]
    if not names:
        found.append("follow_up_1")
    if "needs_identified" in names and "interest_expressed" in names:
        found.append("proposal_v1")
    if "proposal_accepted" in names:
        found.append("contract_v1")
    return found


def default_persona(script: Script, persona: str) -> tuple[Expected, dict[str, Any]]:
    """Sends the persona's script; returns what the sale should end as and lead changes."""
    rng = script.rng
    lead: dict[str, Any] = {}
    if persona == "buyer":
        steps = script.buyer_steps()
        if rng.random() < 0.3:
            rng.shuffle(steps)
        for name, payload in steps:
            script.send(name, payload)
        return WON, lead
    if persona == "haggler":
        steps = script.buyer_steps(discount=15)
        for name, payload in steps:
            script.send(name, payload)
            if name == "needs_identified":
                approval = {"approver": "Maria Sales-Manager"}
                script.send("discount_approved", approval, after_email="discount_approval_v1")
        return WON, lead
    plain = script.buyer_steps(discount=0, plain=True)
    interest, needs, accept, sign, _ = plain
    fixed: dict[str, tuple[list[tuple[str, dict[str, Any]]], Expected]] = {
        "silent": ([], lost("unresponsive")),
        "replied_only": ([("contact_responded", {"message": "maybe later"})], lost("stalled")),
        "no_needs": ([interest], lost("stalled")),
        "rejecter": (
            [interest, needs, ("proposal_rejected", {"reason": "too dear"})],
            lost("proposal_rejected"),
        ),
        "unsigned": ([interest, needs, accept], lost("contract_expired")),
        "no_order": ([interest, needs, accept, sign], lost("no_order")),
    }
    if persona in fixed:
        steps, expected = fixed[persona]
        for name, payload in steps:
            script.send(name, payload)
        return expected, lead
    cut = plain[: rng.randint(0, len(plain) - 1)]
    for name, payload in cut:
        script.send(name, payload)
    if persona == "opts_out":
        script.ending("unsubscribed", {"reason": "no more mail"}, milestones(cut))
        return lost("opted_out"), lead
    if persona == "bounces":
        script.ending("email_bounced", {"reason": "550 mailbox full"}, milestones(cut)[1:])
        return lost("bounced"), lead
    if persona == "seller_drops":
        reason = rng.choice(LOST_REASONS)
        script.ending("mark_lost", {"reason": reason, "notes": "soak"}, milestones(cut))
        return lost(reason), lead
    if persona == "hard_bounce":
        lead["email"] = f"{REFUSED_PREFIX}{script.index}@polderpack.example"
        return lost("bounced"), lead
    if persona == "disqualified":
        lead["email"] = f"lead-{script.index}@mailinator.com"
        return lost("disqualified"), lead
    raise ValueError(f"unknown persona {persona}")


def quick_persona(script: Script, persona: str) -> tuple[Expected, dict[str, Any]]:
    rng = script.rng
    items = [{"sku": sku, "quantity": rng.randint(1, 5)} for sku in rng.sample(SKUS, 2)]
    lead: dict[str, Any] = {"items": items}
    accept = ("proposal_accepted", {"accepted_by": script.person})
    order = ("order_placed", {"order_number": f"WEB-{script.index}"})
    if persona == "web_buyer":
        for name, payload in (accept, order):
            script.send(name, payload)
        return WON, lead
    if persona == "web_needs":
        for name, payload in (("needs_identified", script.needs(0)), accept, order):
            script.send(name, payload)
        return WON, {}
    if persona == "web_no_needs":
        return lost("stalled"), {}
    if persona == "web_no_order":
        script.send(*accept)
        return lost("no_order"), lead
    if persona == "web_rejects":
        script.send("proposal_rejected", {"reason": "found it cheaper"})
        return lost("proposal_rejected"), lead
    if persona == "web_opt_out":
        script.ending("unsubscribed", {"reason": "stop"}, [None, "proposal_v1"])
        return lost("opted_out"), lead
    if persona == "web_dropped":
        reason = rng.choice(LOST_REASONS)
        script.ending("mark_lost", {"reason": reason}, [None, "proposal_v1"])
        return lost(reason), lead
    raise ValueError(f"unknown persona {persona}")


PERSONAS: dict[str, tuple[int, str]] = {
    "buyer": (22, "default"),
    "haggler": (5, "default"),
    "silent": (10, "default"),
    "replied_only": (3, "default"),
    "no_needs": (3, "default"),
    "rejecter": (4, "default"),
    "unsigned": (3, "default"),
    "no_order": (3, "default"),
    "opts_out": (8, "default"),
    "bounces": (4, "default"),
    "hard_bounce": (2, "default"),
    "seller_drops": (5, "default"),
    "disqualified": (2, "default"),
    "web_buyer": (10, "quick"),
    "web_needs": (3, "quick"),
    "web_no_needs": (1, "quick"),
    "web_no_order": (2, "quick"),
    "web_rejects": (2, "quick"),
    "web_opt_out": (2, "quick"),
    "web_dropped": (2, "quick"),
}
