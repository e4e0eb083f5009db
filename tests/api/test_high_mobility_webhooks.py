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


def test_a_clearance_change_names_the_car_its_new_state_and_reason() -> None:
    # The documented body: the new state in `action`, the reason in `detail`.
    message = {"vehicle": {"vin": VIN}, "event": {"action": "REJECTED", "detail": "invalid VIN"}}
    body, headers = _signed(message, "fleet_clearance_changed")
    assert read_delivery(SECRET, body, headers) == PushDelivery(
        event_id="d-1", clearances=(PushedClearance(VIN, "rejected", "invalid VIN"),)
    )


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ({"reason": "privacy mode is enabled"}, "privacy mode is enabled"),
        ({"description": "ineligible VIN"}, "ineligible VIN"),
        ({"code": 7}, None),
        ("", None),
        (5, None),
    ],
)
def test_a_detail_object_gives_its_reason_or_description(detail: Any, reason: str | None) -> None:
    message = {"vehicle": {"vin": VIN}, "event": {"action": "pending", "detail": detail}}
    body, headers = _signed(message, "fleet_clearance_changed")
    [clearance] = read_delivery(SECRET, body, headers).clearances
    assert clearance == PushedClearance(VIN, "pending", reason)


def test_without_the_event_header_a_vin_and_an_action_make_a_clearance_change() -> None:
    message = {"vehicle": {"vin": VIN}, "event": {"action": "approved"}}
    body, headers = _signed(message)
    del headers[DELIVERY_HEADER]  # no delivery id: the body's hash stands for it
    delivery = read_delivery(SECRET, body, headers)
    assert delivery.clearances == (PushedClearance(VIN, "approved"),)
    assert len(delivery.event_id) == 64
    message["event"] = {"action": None}  # no state named: it moved on, somehow
    body, headers = _signed(message)
    assert read_delivery(SECRET, body, headers).clearances == (PushedClearance(VIN),)


@pytest.mark.parametrize(
    ("message", "event"),
    [
        ({}, "ping"),
        ({}, None),  # the ping's body is not documented: anything else signed is a ping
        ({"event": {"action": "approved"}}, None),  # no car
        ({"vehicle": {"vin": VIN}}, None),  # no action
    ],
)
def test_a_ping_is_an_empty_delivery(message: Any, event: str | None) -> None:
    body, headers = _signed(message, event)
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
        ({"vehicle": {"vin": VIN}, "event": {"action": "approved"}}, "something_else"),
        ({"vehicle": {}, "event": {"action": "approved"}}, "fleet_clearance_changed"),
        ({"vehicle": {"vin": 7}, "event": {}}, "fleet_clearance_changed"),
        ({"vehicle": {"vin": ""}, "event": {"action": "approved"}}, None),
    ],
)
def test_a_signed_delivery_of_no_known_shape_is_refused(message: Any, event: str | None) -> None:
    body, headers = _signed(message, event)
    with pytest.raises(MalformedDeliveryError):
        read_delivery(SECRET, body, headers)
