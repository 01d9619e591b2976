"""Whatever a sender sends an event's handler arrives: the event, or an `Unreadable` to record."""

from temporalio.api.common.v1 import Payload

from client.converter import SalesPayloadConverter, event_of
from sales.events import ContactResponded, FeedbackReceived
from sales.limits import EVENT_BYTES
from sales.unreadable import Unreadable

HINT = FeedbackReceived | Unreadable


def decode(payload: Payload) -> object:
    return SalesPayloadConverter().from_payloads([payload], [HINT])[0]


def json_payload(data: bytes) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


def test_a_valid_payload_is_the_event() -> None:
    event = decode(json_payload(b'{"score": 9, "event_id": "f-1"}'))
    assert event == FeedbackReceived(score=9, event_id="f-1")


def test_a_payload_of_the_wrong_shape_is_unreadable_with_the_events_own_words() -> None:
    found = decode(json_payload(b'{"score": 11, "event_id": "f-2"}'))
    assert isinstance(found, Unreadable)
    assert found.problem.startswith("invalid payload: score: Input should be less than or equal")
    assert (found.event_id, found.size) == ("f-2", 32)
    assert found.excerpt == '{"score": 11, "event_id": "f-2"}'


def test_not_json_another_encoding_and_too_large_are_unreadable_too() -> None:
    broken = decode(json_payload(b"{not json"))
    assert isinstance(broken, Unreadable) and broken.problem.startswith("unreadable payload:")
    binary = decode(Payload(metadata={"encoding": b"binary/plain"}, data=b"\x00\x01"))
    assert isinstance(binary, Unreadable)
    assert binary.problem == "unreadable payload: binary/plain, not a JSON object"
    unknown = decode(Payload(metadata={"encoding": b"text/x-mine"}, data=b"hello"))
    assert isinstance(unknown, Unreadable) and "Unknown payload encoding" in unknown.problem
    huge = decode(json_payload(b'{"comment": "' + b"x" * EVENT_BYTES + b'", "score": 1}'))
    assert isinstance(huge, Unreadable) and huge.problem.startswith("payload too large:")
    assert len(huge.excerpt) == 300 and huge.event_id is None


def test_only_an_events_handler_reads_leniently() -> None:
    assert event_of(ContactResponded | Unreadable) is ContactResponded
    assert event_of(ContactResponded) is None and event_of(ContactResponded | None) is None
    plain = SalesPayloadConverter().from_payloads([json_payload(b'{"a": 1}')], [dict])
    assert plain == [{"a": 1}]
