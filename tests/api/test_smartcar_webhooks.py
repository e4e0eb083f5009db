"""Smartcar webhook deliveries: signatures, the VERIFY challenge, and what each delivery means.

Bodies follow the documented envelopes (v4 and the legacy 2.0 one) of the Smartcar reference.
"""

from datetime import UTC, datetime
import hashlib
import hmac
import json
from typing import Any

import pytest

from custom_components.connected_car.api.errors import ErrorKind
from custom_components.connected_car.api.model import (
    Battery,
    ChargeLimit,
    Feature,
    Location,
    Odometer,
)
from custom_components.connected_car.api.push import (
    MalformedDeliveryError,
    PushChallenge,
    PushDelivery,
    SignatureError,
)
from custom_components.connected_car.api.smartcar_webhooks import (
    read_delivery,
    sign,
    signature_valid,
)

AMT = "amt-of-the-application"
CAR = "a1d5c3e2-0000-4000-8000-000000000001"


def signed(message: Any, key: str = AMT) -> tuple[bytes, str]:
    body = json.dumps(message).encode()
    return body, hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def deliver(message: Any) -> PushDelivery:
    body, signature = signed(message)
    delivery = read_delivery(AMT, body, signature)
    assert isinstance(delivery, PushDelivery)
    return delivery


def state_event(signals: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "eventId": "event-1",
        "eventType": "VEHICLE_STATE",
        "data": {
            "user": {"id": "user-1"},
            "vehicle": {"id": CAR, "make": "VOLKSWAGEN", "model": "ID.4", "year": 2021},
            "signals": signals,
        },
        "triggers": [{"type": "SIGNAL_UPDATED", "signal": {"code": "odometer-traveleddistance"}}],
        "meta": {"version": "4.0", "deliveryId": "d-1", "webhookId": "wh-1", "mode": "LIVE"},
    } | extra


ODOMETER = {
    "code": "odometer-traveleddistance",
    "name": "TraveledDistance",
    "group": "Odometer",
    "body": {"value": 62041, "unit": "km"},
    "meta": {"oemUpdatedAt": 1758238176603, "retrievedAt": 1758238782829},
}


def test_signature_is_the_hex_hmac_of_the_body() -> None:
    body, signature = signed({"eventId": "x"})
    assert sign(AMT, body) == signature
    assert signature_valid(AMT, body, signature)
    assert signature_valid(AMT, body, f" {signature.upper()} ")  # hex in capitals is the same
    assert not signature_valid(AMT, body + b" ", signature)  # an altered body
    assert not signature_valid("another-key", body, signature)  # a wrong key
    assert not signature_valid(AMT, body, None)  # no header
    assert not signature_valid("", body, sign("", body))  # no key signs nothing
    assert not signature_valid(AMT, body, "é" * 64)  # not hex at all


@pytest.mark.parametrize(
    "verify",
    [
        {
            "eventId": "e",
            "eventType": "VERIFY",
            "data": {"challenge": "3f2a-challenge"},
            "meta": {"version": "4.0", "webhookId": "wh-4", "deliveredAt": "2026-01-01T00:00:00Z"},
        },
        {
            "version": "2.0",
            "webhookId": "wh-4",
            "eventName": "verify",
            "payload": {"challenge": "3f2a-challenge"},
        },
    ],
    ids=["v4", "legacy"],
)
@pytest.mark.parametrize("signature", ["valid", "none", "wrong"])
def test_verify_is_answered_signed_or_not(verify: dict[str, Any], signature: str) -> None:
    body, good = signed(verify)
    header = {"valid": good, "none": None, "wrong": "00" * 32}[signature]
    answer = read_delivery(AMT, body, header)
    expected = hmac.new(AMT.encode(), b"3f2a-challenge", hashlib.sha256).hexdigest()
    assert answer == PushChallenge({"challenge": expected}, "wh-4")


def test_verify_without_a_key_is_refused() -> None:
    body, _ = signed({"eventType": "VERIFY", "data": {"challenge": "c"}})
    with pytest.raises(SignatureError):
        read_delivery("", body, None)


@pytest.mark.parametrize(
    "message",
    [
        {"eventType": "VERIFY", "data": {}},
        {"eventType": "VERIFY", "data": "challenge"},
        {"eventName": "verify", "payload": {"challenge": 12}},
        # Its answer would be a valid signature of this forged delivery.
        {"eventType": "VERIFY", "data": {"challenge": json.dumps(state_event([ODOMETER]))}},
    ],
)
def test_a_verify_without_a_usable_challenge_is_malformed(message: dict[str, Any]) -> None:
    body, signature = signed(message)
    for header in (signature, None):
        with pytest.raises(MalformedDeliveryError):
            read_delivery(AMT, body, header)


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (json.dumps(state_event([ODOMETER])).encode(), None),
        (json.dumps(state_event([ODOMETER])).encode(), "ab" * 32),
        (b"not json", None),
        (b"[1, 2]", None),
        (json.dumps(state_event([ODOMETER])).encode(), signed({}, "wrong-key")[1]),
    ],
    ids=["missing", "wrong", "garbage", "list", "other-key"],
)
def test_anything_else_unsigned_is_refused(body: bytes, header: str | None) -> None:
    with pytest.raises(SignatureError):
        read_delivery(AMT, body, header)


def test_vehicle_state_reads_every_signal_with_when_the_car_recorded_it() -> None:
    locked_error = {
        "code": "closure-islocked",
        "name": "IsLocked",
        "group": "Closure",
        "status": {"value": "ERROR", "error": {"type": "PERMISSION", "code": None}},
    }
    battery = {
        "code": "tractionbattery-stateofcharge",
        "body": {"value": 57, "unit": "percent"},
        "meta": {"oemUpdatedAt": "2026-06-29T23:55:53.000Z"},
    }
    limits = {
        "code": "charge-chargelimits",
        "body": {"values": [{"type": "GLOBAL", "limit": 80}], "activeLimit": 80, "unit": "percent"},
    }
    location = {
        "code": "location-preciselocation",
        "body": {"latitude": 37.44, "longitude": -122.16, "heading": 90},
        "meta": {"oemUpdatedAt": 1758238100000},
    }
    delivery = deliver(state_event([ODOMETER, locked_error, battery, limits, location]))
    assert (delivery.event_id, delivery.webhook_id, delivery.test) == ("event-1", "wh-1", False)
    assert delivery.problems == ()
    [update] = delivery.updates
    assert update.vehicle_id == CAR
    assert update.triggers == ("odometer-traveleddistance",)
    snapshot = update.snapshot
    assert snapshot.readings[Feature.ODOMETER] == Odometer(62041.0)
    assert snapshot.recorded_at[Feature.ODOMETER] == datetime.fromtimestamp(1758238176.603, UTC)
    assert snapshot.readings[Feature.BATTERY] == Battery(level=57.0, range=None)
    assert snapshot.recorded_at[Feature.BATTERY] == datetime(2026, 6, 29, 23, 55, 53, tzinfo=UTC)
    assert snapshot.readings[Feature.CHARGE_LIMIT] == ChargeLimit(80.0)
    assert Feature.CHARGE_LIMIT not in snapshot.recorded_at  # no meta: no time
    assert snapshot.readings[Feature.LOCATION] == Location(37.44, -122.16, heading=90.0)
    # The lock signal is in error and nothing else of security came: the feature failed alone.
    assert snapshot.errors[Feature.SECURITY].kind is ErrorKind.PERMISSION
    # Features whose signals the webhook does not carry are no news.
    assert Feature.TIRES not in snapshot.readings
    assert Feature.TIRES not in snapshot.errors


def test_triggers_as_objects_or_group_name_strings() -> None:
    triggers = [
        {"type": "SIGNAL_UPDATED", "signal": "TractionBattery.StateOfCharge"},
        {"type": "FIRST_DELIVERY", "signal": {"code": "charge-ischarging"}},
        {"type": "SIGNAL_UPDATED", "signal": "NoDot"},
        {"type": "SIGNAL_UPDATED", "signal": ".Name"},
        {"type": "SIGNAL_UPDATED"},
        "not an object",
    ]
    [update] = deliver(state_event([ODOMETER], triggers=triggers)).updates
    assert update.triggers == ("tractionbattery-stateofcharge", "charge-ischarging")
    [update] = deliver(state_event([ODOMETER], triggers=None)).updates
    assert update.triggers == ()


def test_test_mode_is_marked() -> None:
    message = state_event([ODOMETER])
    message["meta"]["mode"] = "TEST"
    assert deliver(message).test
    del message["meta"]
    assert not deliver(message).test


def test_vehicle_error_raised_and_resolved() -> None:
    error = {
        "type": "CONNECTED_SERVICES_ACCOUNT",
        "code": "VIRTUAL_KEY_REQUIRED",
        "state": "ERROR",
        "description": "Install the virtual key.",
        "docURL": "https://smartcar.com/docs/errors",
        "resolution": {"type": "ACTION_REQUIRED", "url": "https://example.com/key"},
        "suggestedUserMessage": "Add the key in the Tesla app.",
        "signals": ["Closure.IsLocked", {"code": "charge-ischarging"}, "Unknown.Signal", 5],
    }
    message = {
        "eventId": "event-2",
        "eventType": "VEHICLE_ERROR",
        "data": {"vehicle": {"id": CAR}, "errors": [error, error | {"state": "RESOLVED"}]},
        "meta": {"version": "4.0", "webhookId": "wh-1"},
    }
    raised, resolved = deliver(message).problems
    assert (raised.vehicle_id, raised.resolved, resolved.resolved) == (CAR, False, True)
    assert raised.features == {Feature.SECURITY, Feature.CHARGE}
    details = raised.error.details
    assert (details.provider, details.kind) == ("smartcar", ErrorKind.VIRTUAL_KEY)
    assert (details.type, details.code) == ("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED")
    assert details.resolution_type == "ACTION_REQUIRED"
    assert details.resolution_url == "https://example.com/key"
    assert details.suggested_user_message == "Add the key in the Tesla app."
    assert details.doc_url == "https://smartcar.com/docs/errors"
    no_signals = error | {"signals": None, "code": None, "type": "VEHICLE_STATE"}
    message["data"]["errors"] = [no_signals]
    [problem] = deliver(message).problems
    assert problem.features == frozenset()
    assert problem.error.kind is ErrorKind.REFUSED


def test_an_event_type_of_later_days_changes_nothing() -> None:
    delivery = deliver({"eventId": "e-9", "eventType": "VEHICLE_DANCE", "data": {}})
    assert delivery == PushDelivery("e-9")


def legacy(event: str, vehicles: Any) -> dict[str, Any]:
    return {
        "version": "2.0",
        "webhookId": "wh-2",
        "eventName": event,
        "payload": {"vehicles": vehicles},
    }


@pytest.mark.parametrize("event", ["scheduled", "dynamic", "eventBased"])
def test_legacy_payloads_read_v2_answers_by_path(event: str) -> None:
    data = [
        {
            "path": "/battery",
            "code": 200,
            "body": {"percentRemaining": 0.53, "range": 312.5},
            "headers": {"sc-data-age": "2026-11-22T02:26:00.000Z"},
        },
        {"path": "/odometer", "code": 200, "body": {"distance": 1234.5}, "headers": {}},
        {
            "path": "/location",
            "code": 409,
            "body": {"type": "VEHICLE_STATE", "code": "ASLEEP", "statusCode": 409},
        },
        {"path": "/not-ours", "code": 200, "body": {}},
        "not an item",
    ]
    message = legacy(event, [{"vehicleId": CAR, "requestId": "r-1", "data": data}])
    body, signature = signed(message)
    delivery = read_delivery(AMT, body, signature)
    assert isinstance(delivery, PushDelivery)
    # No event id in 2.0: the same body again is the same event.
    assert delivery.event_id == f"legacy-{hashlib.sha256(body).hexdigest()}"
    assert delivery.webhook_id == "wh-2"
    [update] = delivery.updates
    assert update.vehicle_id == CAR
    assert update.triggers == ("/battery", "/odometer", "/location", "/not-ours")
    snapshot = update.snapshot
    assert snapshot.readings[Feature.BATTERY] == Battery(level=53.0, range=312.5)
    assert snapshot.recorded_at[Feature.BATTERY] == datetime(2026, 11, 22, 2, 26, tzinfo=UTC)
    assert snapshot.readings[Feature.ODOMETER] == Odometer(1234.5)
    assert snapshot.errors[Feature.LOCATION].kind is ErrorKind.UNREACHABLE


def test_a_legacy_event_of_another_name_changes_nothing() -> None:
    delivery = deliver({"version": "2.0", "webhookId": "wh-2", "eventName": "other"})
    assert (delivery.updates, delivery.problems, delivery.webhook_id) == ((), (), "wh-2")


@pytest.mark.parametrize(
    "message",
    [
        {"no": "envelope"},
        state_event([ODOMETER], eventId=None),
        state_event([ODOMETER], data={"signals": [ODOMETER]}),
        state_event([ODOMETER], data={"vehicle": {"id": CAR}, "signals": {}}),
        state_event(["odometer-traveleddistance"]),
        state_event([{"name": "no code"}]),
        state_event([ODOMETER | {"meta": "not an object"}]),
        {"eventId": "e", "eventType": "VEHICLE_ERROR", "data": {"vehicle": {"id": CAR}}},
        {
            "eventId": "e",
            "eventType": "VEHICLE_ERROR",
            "data": {"vehicle": {"id": CAR}, "errors": ["PERMISSION"]},
        },
        {
            "eventId": "e",
            "eventType": "VEHICLE_ERROR",
            "data": {"vehicle": {"id": CAR}, "errors": [{"type": "PERMISSION", "state": "GONE"}]},
        },
        {
            "eventId": "e",
            "eventType": "VEHICLE_ERROR",
            "data": {"vehicle": {"id": CAR}, "errors": [{"state": "ERROR"}]},
        },
        legacy("scheduled", None),
        legacy("dynamic", [{"vehicleId": CAR}]),
        legacy("dynamic", [{"data": []}]),
        {"version": "2.0", "eventName": "scheduled", "payload": "vehicles"},
    ],
)
def test_signed_but_malformed_deliveries_are_refused(message: dict[str, Any]) -> None:
    body, signature = signed(message)
    with pytest.raises(MalformedDeliveryError):
        read_delivery(AMT, body, signature)


@pytest.mark.parametrize("body", [b"{broken", b"[]", b'"text"', b"[" * 100_000])
def test_signed_bodies_that_are_no_json_object_are_malformed(body: bytes) -> None:
    with pytest.raises(MalformedDeliveryError):
        read_delivery(AMT, body, sign(AMT, body))
