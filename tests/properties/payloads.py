"""Payloads for every message of the sale's contract: valid ones, and ways to break them.

Valid payloads are drawn per message (`valid(message)`); `positive(message)` draws the
ones that move a sale forward (a lead qualified, credit approved). A broken payload is
one of: a field of the wrong type, a required field missing, an unknown field, not an
object at all, not JSON at all; or one over a limit: a field longer than its model
allows, a list with more entries than `MANY`, an `event_id` longer than `SHORT`, a whole
payload over `EVENT_BYTES`. The limits are read from the payload models' JSON schemas, so
a limit changed in `sales/limits.py` or in a model is followed here.
"""

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload
from temporalio.common import RawValue

from sales.events import Event
from sales.limits import EVENT_BYTES, SHORT
from sales.stages import LostReason
from workflows.messages import Message
from workflows.sale import api

Json = dict[str, Any]

SKUS = ("NW-SENSOR-100", "NW-GATEWAY-20", "NW-PLATFORM", "NW-INSTALL", "NW-MANUAL")
UNKNOWN_FIELD = "colour"
WRONG_VALUES: tuple[Any, ...] = ({"wrong": "type"}, ["a", "list"])

# Text as people and systems write it: any script, no control characters.
text = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=40)
people = st.sampled_from(["Jeroen de Vries", "Ayşe Yılmaz", "Zoë Müller", "李雷", "O'Brien"]) | text
numbers = st.integers(1, 99_999).map(lambda n: f"PO-{n}")
reasons = st.sampled_from([r.value for r in LostReason])


def _items(discounts: bool) -> st.SearchStrategy[list[Json]]:
    """One to three lines of different skus; with `discounts`, some lines discounted."""
    optional = {"discount_percent": st.integers(0, 20)} if discounts else {}

    def lines(skus: list[str]) -> st.SearchStrategy[list[Json]]:
        each = [
            st.fixed_dictionaries(
                {"sku": st.just(sku), "quantity": st.integers(1, 12)}, optional=optional
            )
            for sku in skus
        ]
        return st.tuples(*each).map(list)

    return st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True).flatmap(lines)


items = _items(discounts=True)
plain_items = _items(discounts=False)


def _fields(required: dict[str, Any], **optional: Any) -> st.SearchStrategy[Json]:
    return st.fixed_dictionaries(required, optional=optional)


_VALID: dict[str, st.SearchStrategy[Json]] = {
    api.LEAD_QUALIFIED.name: _fields({"qualified": st.booleans(), "by": people}, reason=text),
    api.CONTACT_RESPONDED.name: _fields(
        {}, channel=st.sampled_from(["email", "phone"]), message=text
    ),
    api.INTEREST_EXPRESSED.name: _fields({}, notes=text),
    api.NEEDS_IDENTIFIED.name: _fields(
        {"summary": text, "items": items},
        business_model=text,
        discount_percent=st.integers(0, 30),
        applications=st.lists(_fields({"name": text}, cost_saved_per_year=st.integers(0, 10**6))),
    ),
    api.DISCOUNT_APPROVED.name: _fields({"approver": people}),
    api.REVISION_REQUESTED.name: _fields(
        {}, notes=text, items=items, discount_percent=st.integers(0, 30)
    ),
    api.PROPOSAL_ACCEPTED.name: _fields(
        {"po_number": numbers}, accepted_by=people, quote_number=numbers
    ),
    api.PROPOSAL_REJECTED.name: _fields({}, reason=text),
    api.CONTRACT_SIGNED.name: _fields({"signed_by": people}, envelope_id=numbers),
    api.ORDER_PLACED.name: _fields({"order_number": numbers}, amount=st.integers(0, 10**6)),
    api.EMAIL_BOUNCED.name: _fields({}, reason=text),
    api.UNSUBSCRIBED.name: _fields({}, reason=text),
    api.MARK_LOST.name: _fields({"reason": reasons}, notes=text),
    api.EXPORT_LICENSE_GRANTED.name: _fields({"license_number": numbers}, granted_by=people),
    api.EXPORT_LICENSE_DENIED.name: _fields({}, reason=text),
    api.CREDIT_APPROVED.name: _fields({"approved_by": people}, approved=st.booleans()),
    api.CONTRACT_REDLINED.name: _fields(
        {"changes": st.lists(_fields({"clause": text, "text": text}), min_size=1, max_size=2)}
    ),
    api.LEGAL_APPROVED.name: _fields({"approved_by": people}),
    api.TENDER_AWARDED.name: _fields({"po_number": numbers}, awarded_by=people),
    api.TENDER_LOST.name: _fields({}, reason=text, winner=people),
    api.RETRY.name: _fields({"by": people}),
}

# What moves a sale forward: no refusal, no discount held for a manager, no named quote.
_POSITIVE: dict[str, st.SearchStrategy[Json]] = {
    api.LEAD_QUALIFIED.name: _fields({"qualified": st.just(True), "by": people}),
    api.CREDIT_APPROVED.name: _fields({"approved_by": people}),
    api.NEEDS_IDENTIFIED.name: _fields({"summary": text, "items": plain_items}),
    api.REVISION_REQUESTED.name: _fields({}, notes=text, items=plain_items),
    api.PROPOSAL_ACCEPTED.name: _fields({"po_number": numbers}, accepted_by=people),
}


def valid(message: Message[Any]) -> st.SearchStrategy[Json]:
    """A payload `message`'s model accepts (without `event_id`)."""
    return _VALID[message.name]


def positive(message: Message[Any]) -> st.SearchStrategy[Json]:
    """A valid payload that moves the sale on, where a message can also refuse or end it."""
    return _POSITIVE.get(message.name, _VALID[message.name])


def covered() -> set[str]:
    return set(_VALID)


# --- limits, from the models' JSON schemas ----------------------------------------------


def _limits(prop: Json) -> dict[str, int]:
    found = {k: int(v) for k, v in prop.items() if k in ("maxLength", "maxItems")}
    for option in prop.get("anyOf", []):
        found.update(_limits(option))
    return found


def limits_of(model: type[Event]) -> dict[str, tuple[str, int]]:
    """Each field of the model with a length limit: its kind (maxLength/maxItems) and limit."""
    props: dict[str, Json] = model.model_json_schema()["properties"]
    out: dict[str, tuple[str, int]] = {}
    for name, prop in props.items():
        for kind, limit in _limits(prop).items():
            out[name] = (kind, limit)
    return out


def required_of(model: type[Event]) -> list[str]:
    return [name for name, field in model.model_fields.items() if field.is_required()]


# --- broken payloads --------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """What is sent instead of a valid payload, and whether the sale can still read its id."""

    kind: str
    args: tuple[Any, ...]
    id_readable: bool


def _not_json() -> RawValue:
    return RawValue(Payload(metadata={"encoding": b"json/plain"}, data=b"{not json"))


@st.composite
def malformed(draw: st.DrawFn, message: Message[Any], payload: Json) -> Broken:
    """`payload` made invalid: wrong type, missing field, unknown field, not an object/JSON."""
    model = message.model
    fields = sorted(model.model_fields)
    kind = draw(
        st.sampled_from(
            [
                "wrong_type",
                "missing_field",
                "unknown_field",
                "not_an_object",
                "not_json",
                "two_args",
            ]
        )
    )
    broken = dict(payload)
    if kind == "wrong_type":
        field = draw(st.sampled_from([f for f in fields if f != "event_id"] or fields))
        broken[field] = draw(st.sampled_from(WRONG_VALUES))
        return Broken(kind, (broken,), field != "event_id")
    if kind == "missing_field" and required_of(model):
        del broken[draw(st.sampled_from(required_of(model)))]
        return Broken(kind, (broken,), True)
    if kind in ("missing_field", "unknown_field"):
        broken[UNKNOWN_FIELD] = draw(text)
        return Broken("unknown_field", (broken,), True)
    if kind == "not_an_object":
        return Broken(kind, (draw(st.sampled_from([None, 42, "text", [payload]])),), False)
    if kind == "not_json":
        return Broken(kind, (_not_json(),), False)
    return Broken(kind, (payload, payload), False)


@st.composite
def oversized(draw: st.DrawFn, message: Message[Any], payload: Json) -> Broken:
    """`payload` with a field, a list, its `event_id` or itself over its limit."""
    limits = limits_of(message.model)
    strings = sorted(f for f, (kind, _) in limits.items() if kind == "maxLength")
    lists = sorted(f for f, (kind, _) in limits.items() if kind == "maxItems" and payload.get(f))
    kinds = ["field_too_long", "event_id_too_long", "payload_too_large"]
    kind = draw(st.sampled_from([*kinds, "list_too_long"] if lists else kinds))
    broken = dict(payload)
    if kind == "field_too_long":
        field = draw(st.sampled_from([f for f in strings if f != "event_id"] or strings))
        broken[field] = "x" * (limits[field][1] + draw(st.integers(1, 50)))
        return Broken(kind, (broken,), field != "event_id")
    if kind == "list_too_long":
        field = draw(st.sampled_from(lists))
        broken[field] = [payload[field][0]] * (limits[field][1] + 1)
        return Broken(kind, (broken,), True)
    if kind == "event_id_too_long":
        broken["event_id"] = "e" * (SHORT + draw(st.integers(1, 50)))
        return Broken(kind, (broken,), False)
    # Far enough over the limit that no encoding of the rest brings it under.
    broken[draw(st.sampled_from(strings))] = "x" * (EVENT_BYTES + draw(st.integers(1, 4096)))
    return Broken(kind, (broken,), False)
