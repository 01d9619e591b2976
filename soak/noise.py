"""Noise on top of each script: the same `event_id` twice, malformed payloads, and events for
a stage the sale is not in, or a step its playbook does not have."""

from typing import Any

from soak.script import Action, Script


def add_noise(script: Script, playbook: str) -> None:
    """Duplicates, malformed payloads and events for the wrong stage, at random places."""
    rng = script.rng
    noise: list[Action] = []
    with_ids = [a for a in script.actions if a.event_id is not None]
    if with_ids and rng.random() < 0.35:
        for original in rng.sample(with_ids, min(len(with_ids), rng.randint(1, 2))):
            noise.append(
                Action(
                    original.name,
                    original.payload,
                    original.event_id,
                    "signal",
                    script.pause(),
                    role="duplicate",
                )
            )
    if rng.random() < 0.15:
        noise.append(malformed(script))
    if rng.random() < 0.15:
        noise.append(wrong_stage(script, playbook))
    for action in noise:
        if action.role == "duplicate":
            # After its original, anywhere up to the end of the script.
            assert action.event_id is not None
            first = next(i for i, a in enumerate(script.actions) if a.event_id == action.event_id)
            at = rng.randint(first + 1, len(script.actions))
        else:
            at = rng.randint(0, len(script.actions))
        script.actions.insert(at, action)


def malformed(script: Script) -> Action:
    """A payload the sale must record as rejected: invalid, unreadable or for no signal."""
    kind = script.rng.randrange(6)
    event_id = script.new_id()
    pause = script.pause()
    if kind == 0:
        return Action(
            "order_placed", {"event_id": event_id}, event_id, "signal", pause, role="malformed"
        )
    if kind == 1:
        payload = {"event_id": event_id, "notes": "hi", "budget": 5000}
        return Action("interest_expressed", payload, event_id, "signal", pause, role="malformed")
    if kind == 2:
        payload = {"event_id": event_id, "reason": "bored"}
        return Action("mark_lost", payload, event_id, "signal", pause, role="malformed")
    if kind == 3:
        items = [{"sku": "NW-DOES-NOT-EXIST", "quantity": 1}]
        payload = {"event_id": event_id, "summary": "a typo in the sku", "items": items}
        return Action("needs_identified", payload, event_id, "signal", pause, role="malformed")
    if kind == 4:
        # An unknown signal name: the sale records it without reading an event id.
        return Action(
            "proposal_acepted", {"event_id": event_id}, None, "signal", pause, role="malformed"
        )
    return Action("contract_signed", b"{not json", None, "raw", pause, role="malformed")


def wrong_stage(script: Script, playbook: str) -> Action:
    """An event for a stage the sale is past, or a step its playbook does not have."""
    event_id = script.new_id()
    pause = script.pause()
    payload: dict[str, Any]
    if playbook == "quick":
        payload = {"event_id": event_id, "signed_by": script.person}
        return Action("contract_signed", payload, event_id, "signal", pause, role="wrong stage")
    if script.rng.random() < 0.5:
        payload = {"event_id": event_id, "awarded_by": "city council"}
        return Action("tender_awarded", payload, event_id, "signal", pause, role="wrong stage")
    payload = {"event_id": event_id, "qualified": True, "by": "sam.keller"}
    return Action(
        "lead_qualified",
        payload,
        event_id,
        "signal",
        pause,
        after_email="intro",
        role="wrong stage",
    )
