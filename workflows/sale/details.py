"""What the Temporal UI shows as a sale's current details: one glance tells where it stands.

No one's address or name: ops glance at the details in lists and screenshots, and a
reason can quote an address ("... is on the opt-out list"). Who decided what, and
the lead's own data, stay in the `state` query.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from privacy.redaction import redact
    from sales.state import GateStatus, SaleState


def details_of(state: SaleState) -> str:
    """Stage, playbook, qualification, gates, next action, latest quote and outcome, in Markdown."""
    lines = [f"**Stage:** {state.stage}"]
    version = f" ({state.playbook_version})" if state.playbook_version else ""
    lines.append(f"**Playbook:** {state.playbook}{version}")
    assessment = state.qualification
    if assessment is not None:
        decided = f"{assessment.decision}"
        if state.qualified_by:
            decided += ", decided by a seller"
        reasons = "; ".join(assessment.reasons)
        lines.append(f"**Qualification:** {decided}" + (f": {reasons}" if reasons else ""))
    for gate in state.gates:
        if gate.status is GateStatus.SKIPPED:
            continue
        when = gate.decided_at or gate.opened_at
        lines.append(
            f"**Gate {gate.gate}:** {gate.status} since {when:%Y-%m-%d %H:%M} UTC; {gate.notes}"
        )
    if state.attention is not None:
        need = state.attention
        lines.append(
            f"**Needs attention:** {need.what}: {need.problem} (since {need.since:%Y-%m-%d %H:%M} "
            f"UTC, {need.attempts} tries; fix it and it goes on by itself, or send `retry`)"
        )
    if state.next_action is not None:
        action = state.next_action
        due = f" (by {action.due_at:%Y-%m-%d %H:%M} UTC)" if action.due_at else ""
        lines.append(f"**Next:** {action.description}{due}")
    if state.quotes:
        quote = state.quotes[-1]
        lines.append(f"**Quote:** {quote.number}, {quote.currency} {quote.totals.total}")
    if state.lost_reason:
        lines.append(f"**Lost:** {state.lost_reason}")
    lead = state.lead
    names = (lead.email, lead.first_name, lead.last_name, state.qualified_by)
    return redact("\n\n".join(lines), names)
