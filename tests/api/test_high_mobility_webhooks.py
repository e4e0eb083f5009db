"""Reading High Mobility's webhook deliveries: the signature first, then the event."""

import json
from typing import Any

import pytest

from custom_components.connected_car.api.high_mobility_webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    read_delivery,
    sign,
)
from custom_components.connected_car.api.push import (
    MalformedDeliveryError,
    PushDelivery,
    PushedClearance,
    SignatureError,
)

SECRET = "sim-hm-webhook-secret"
VIN = "VF1RCB00067891234"


def _signed(message: Any, event: str | None = None, secret: str = SECRET) -> tuple[bytes, dict]:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    headers = {SIGNATURE_HEADER: sign(secret, body), DELIVERY_HEADER: "d-1"}
    return body, headers | ({EVENT_HEADER: event} if event else {})


def test_a_clearance_change_names_the_car_its_state_and_reason() -> None:
    message = {
        "vehicle": {"vin": VIN},
        "event": {
            "action": "fleet_clearance_changed",
            "detail": {"status": "REJECTED", "reason": "invalid VIN"},
        },
    }
    body, headers = _signed(message, "fleet_clearance_changed")
    assert read_delivery(SECRET, body, headers) == PushDelivery(
        event_id="d-1", clearances=(PushedClearance(VIN, "rejected", "invalid VIN"),)
    )


def test_the_event_may_come_in_the_body_and_the_detail_as_a_word() -> None:
    message = {
        "vehicle": {"vin": VIN},
        "event": {"action": "fleet_clearance_changed", "detail": "approved"},
    }
    body, headers = _signed(message)
    del headers[DELIVERY_HEADER]  # no delivery id: the body's hash stands for it
    delivery = read_delivery(SECRET, body, headers)
    assert delivery.clearances == (PushedClearance(VIN, "approved"),)
    assert len(delivery.event_id) == 64
    message["event"] = {"action": "fleet_clearance_changed"}  # no detail: it moved on, somehow
    body, headers = _signed(message)
    assert read_delivery(SECRET, body, headers).clearances == (PushedClearance(VIN),)


def test_a_ping_is_an_empty_delivery() -> None:
    body, headers = _signed({"event": {"action": "ping"}}, "ping")
    assert read_delivery(SECRET, body, headers) == PushDelivery(event_id="d-1")


@pytest.mark.parametrize(
    ("secret", "signature"),
    [
        (SECRET, sign("another-secret", b"{}")),  # another key
        (SECRET, None),  # no header
        (SECRET, "sha256=" + "0" * 64),
        (SECRET, sign(SECRET, b"{} ")),  # the body was changed
        ("", sign("", b"{}")),  # no secret set: nothing is trusted
    ],
)
def test_a_delivery_not_signed_with_the_secret_is_refused(
    secret: str, signature: str | None
) -> None:
    headers = {EVENT_HEADER: "ping"} | ({SIGNATURE_HEADER: signature} if signature else {})
    with pytest.raises(SignatureError):
        read_delivery(secret, b"{}", headers)


@pytest.mark.parametrize(
    ("message", "event"),
    [
        (b"not json", "ping"),
        ([1, 2], "ping"),
        ({"event": {"action": "something_else"}}, None),
        ({"vehicle": {}, "event": {"action": "fleet_clearance_changed"}}, None),
        ({"vehicle": {"vin": 7}, "event": {}}, "fleet_clearance_changed"),
    ],
)
def test_a_signed_delivery_of_no_known_shape_is_refused(message: Any, event: str | None) -> None:
    body, headers = _signed(message, event)
    with pytest.raises(MalformedDeliveryError):
        read_delivery(SECRET, body, headers)
