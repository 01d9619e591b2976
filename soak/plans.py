"""What each soak sale does: its playbook (waits shrunk to seconds), its lead, and its script.

Every sale draws its customer (`soak.personas`) and its noise (`soak.noise`) from the run's
seed, so that the same seed gives the same leads and scripts.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sales.lead import Lead, lead_id_context
from sales.playbook import ClosingPolicy, ContactCadence, OutreachPolicy, Playbook, load_playbook
from settings import Settings
from soak.noise import add_noise
from soak.personas import PERSONAS, default_persona, quick_persona
from soak.script import Action, Expected, Script

COMPANIES = (
    "PolderPack B.V.", "Brauerei Aying", "Łódź Metal Sp. z o.o.", "Nordic Fika AB",
    "Alpen Kunststoff GmbH", "Cerâmica do Porto", "Midlands Bottling Ltd", "Dvořák Textil s.r.o.",
)  # fmt: skip
COUNTRIES = ("NL", "DE", "AT", "PL", "SE", "PT", "GB", "CZ", "FR", "US")


def shrunk_playbooks(settings: Settings, unit: float) -> dict[str, Playbook]:
    """The shipped `default` and `quick` playbooks with every wait a sale can end on in
    seconds (multiples of `unit`) and no sending window. A quote's validity is counted in
    whole days by the product (it is a printed date), so no script waits for it to expire."""
    wait = timedelta(seconds=unit)
    default = load_playbook(settings.playbooks_dir, "default")
    quick = load_playbook(settings.playbooks_dir, "quick")
    return {
        "default": default.model_copy(
            update={
                "outreach": OutreachPolicy(),
                "contact": ContactCadence(
                    follow_ups=[wait, wait], give_up_after=wait, interest_wait=3 * wait
                ),
                "needs_analysis": default.needs_analysis.model_copy(update={"timeout": 3 * wait}),
                "proposal": default.proposal.model_copy(
                    update={"approval_timeout": 3 * wait, "reminder_before_expiry": None}
                ),
                "contract": default.contract.model_copy(
                    update={"reminder_after": 2 * wait, "expires_after": 4 * wait}
                ),
                "closing": ClosingPolicy(order_wait=3 * wait),
            }
        ),
        "quick": quick.model_copy(
            update={
                "outreach": OutreachPolicy(),
                "needs_analysis": quick.needs_analysis.model_copy(update={"timeout": 3 * wait}),
                "closing": ClosingPolicy(order_wait=3 * wait),
            }
        ),
    }


@dataclass
class SalePlan:
    index: int
    persona: str
    playbook: str
    lead: Lead
    actions: list[Action] = field(default_factory=list)
    expected: Expected | None = None


def plan_sales(count: int, seed: int, unit: float, settings: Settings) -> list[SalePlan]:
    """`count` sales drawn from `seed`: the same seed gives the same leads and scripts."""
    names = list(PERSONAS)
    weights = [PERSONAS[name][0] for name in names]
    context = lead_id_context(settings.lead_id_key())
    plans = []
    for index in range(count):
        rng = random.Random(f"soak:{seed}:{index}")
        persona = rng.choices(names, weights)[0]
        playbook = PERSONAS[persona][1]
        script = Script(rng, index, unit)
        build = quick_persona if playbook == "quick" else default_persona
        expected, lead_changes = build(script, persona)
        add_noise(script, playbook)
        first, _, last = script.person.partition(" ")
        fields: dict[str, Any] = {
            "email": f"buyer-{seed}-{index}@{rng.choice(('polderpack', 'aying', 'fika'))}.example",
            "first_name": first,
            "last_name": last,
            "company": rng.choice(COMPANIES),
            "country": rng.choice(COUNTRIES),
            "industry": "packaging",
            "source": f"soak:{seed}",
            "owner": "sam.keller",
            **lead_changes,
        }
        plans.append(
            SalePlan(
                index=index,
                persona=persona,
                playbook=playbook,
                lead=Lead.model_validate(fields, context=context),
                actions=script.actions,
                expected=expected,
            )
        )
    return plans
