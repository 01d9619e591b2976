"""A sale's script: the messages a customer or seller sends it, and the end it should reach."""

import random
from dataclasses import dataclass
from typing import Any, Literal

from sales.playbook import PurchasingProcedure
from sales.stages import LostReason, SalesStage
from workflows.sale import api as sale_api

How = Literal["signal", "update", "raw"]
# Seller commands (the contract's) are sent now and then as updates rather than signals.
COMMANDS = frozenset(sale_api.MESSAGES.commands())
SKUS = ("NW-SENSOR-100", "NW-GATEWAY-20", "NW-PLATFORM", "NW-INSTALL", "NW-MANUAL")
NAMES = (("Jeroen", "de Vries"), ("Anna", "Huber"), ("Piotr", "Nowak"), ("Sofia", "Lund"))


@dataclass(frozen=True)
class Action:
    """One message a script sends: after `delay` seconds (and the sale's email `after_email`,
    when given), as a signal, a seller command's update, or a raw payload."""

    name: str
    payload: Any
    event_id: str | None  # the id the sale records for it; None: it cannot read one
    how: How = "signal"
    delay: float = 0.0
    after_email: str | None = None
    role: str = "script"  # script, duplicate, malformed, wrong stage


@dataclass(frozen=True)
class Expected:
    stage: SalesStage
    lost_reason: LostReason | None = None

    def __str__(self) -> str:
        return f"{self.stage} {self.lost_reason}" if self.lost_reason else str(self.stage)


WON = Expected(SalesStage.WON)


def lost(reason: str) -> Expected:
    return Expected(SalesStage.LOST, LostReason(reason))


class Script:
    """Builds one sale's actions from its own random generator."""

    def __init__(self, rng: random.Random, index: int, unit: float) -> None:
        self.rng = rng
        self.index = index
        self.unit = unit
        self.actions: list[Action] = []
        self._ids = 0
        first, last = rng.choice(NAMES)
        self.person = f"{first} {last}"

    def new_id(self) -> str:
        self._ids += 1
        return f"s{self.index}-e{self._ids}"

    def pause(self) -> float:
        """A customer's small delay between two messages."""
        return round(self.rng.uniform(0.1, 0.25 * self.unit), 2)

    def send(self, name: str, payload: dict[str, Any], *, after_email: str | None = None) -> None:
        event_id = self.new_id()
        how: How = "update" if name in COMMANDS and self.rng.random() < 0.35 else "signal"
        self.actions.append(
            Action(
                name,
                {"event_id": event_id, **payload},
                event_id,
                how,
                self.pause(),
                after_email,
            )
        )

    # --- what customers and sellers send ----------------------------------------------

    def needs(self, discount: int | None = None, formal: bool = False) -> dict[str, Any]:
        skus = self.rng.sample(SKUS, self.rng.randint(1, 3))
        needs: dict[str, Any] = {
            "summary": "Lines stop twice a month on bearing failures",
            "items": [{"sku": sku, "quantity": self.rng.randint(1, 20)} for sku in skus],
        }
        if discount is None and self.rng.random() < 0.3:
            discount = 5
        if discount:
            needs["discount_percent"] = discount
        if formal:
            needs["purchasing_procedure"] = PurchasingProcedure.FORMAL_PROPOSAL.value
        return needs

    def buyer_steps(
        self, *, discount: int | None = None, plain: bool = False
    ) -> list[tuple[str, dict[str, Any]]]:
        """Every event a default-playbook sale needs to be won, in the natural order.

        `plain`: no reply before the interest, one quote version, no formal proposal (so
        that a script cut short of the end knows exactly where the sale will stop)."""
        formal = not plain and self.rng.random() < 0.15
        steps: list[tuple[str, dict[str, Any]]] = []
        if not plain and self.rng.random() < 0.5:
            steps.append(("contact_responded", {"channel": "email", "message": "Tell me more"}))
        steps.append(("interest_expressed", {"notes": "met at the booth"}))
        steps.append(("needs_identified", self.needs(discount, formal)))
        if not plain and self.rng.random() < 0.2:
            steps.append(("revision_requested", {"notes": "5 % off?", "discount_percent": 5}))
        accepted: dict[str, Any] = {"accepted_by": self.person}
        if formal:
            accepted["po_number"] = f"PO-{self.index}"
        steps.append(("proposal_accepted", accepted))
        steps.append(("contract_signed", {"signed_by": self.person, "envelope_id": "env-1"}))
        steps.append(("order_placed", {"order_number": f"ORD-{self.index}", "amount": "999.90"}))
        return steps

    def ending(self, name: str, payload: dict[str, Any], milestones: list[str | None]) -> None:
        """An event that ends the sale, at a random moment: now, or once an email arrived."""
        self.send(name, payload, after_email=self.rng.choice(milestones))
