"""Smartcar webhooks, the same for v2 and v3 applications: signature, VERIFY and deliveries.

Every delivery is signed: `SC-Signature` is the hex HMAC-SHA256 of the raw body keyed with the
application's management token (AMT). The VERIFY challenge is answered with the same HMAC of the
challenge, and it comes unsigned, so it is the one body read before its signature is checked.
Envelopes: v4 (`eventType` VERIFY, VEHICLE_STATE with v3 signals, VEHICLE_ERROR) and the legacy
2.0 one (`eventName` verify, scheduled, dynamic, eventBased, with v2 answers by path). Facts and
sources: the Webhooks section of the Smartcar v3 reference.
"""

from __future__ import annotations

from dataclasses import replace
import hashlib
import hmac
import json
from typing import Any

from .errors import ErrorDetails, ProviderError
from .model import Snapshot
from .push import (
    MalformedDeliveryError,
    PushChallenge,
    PushDelivery,
    SignatureError,
    VehicleProblem,
    VehicleUpdate,
)
from .smartcar import FEATURE_PATHS, PROVIDER, _read_item, error_kind, refusal_reason
from .smartcar_v3 import FEATURE_SIGNALS, _read_feature, _Signal, _signal
from .values import text

SIGNATURE_HEADER = "SC-Signature"
LEGACY_VERSION = "2.0"
LEGACY_EVENTS = frozenset({"scheduled", "dynamic", "eventBased"})
V2_PATHS = list(FEATURE_PATHS.values())
SIGNAL_FEATURES = {code: feature for feature, codes in FEATURE_SIGNALS.items() for code in codes}


def sign(key: str, message: bytes) -> str:
    """The hex HMAC-SHA256 of message keyed with key (the AMT)."""
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def signature_valid(key: str, body: bytes, signature: str | None) -> bool:
    """Whether signature is the body's, compared in constant time; no key signs nothing."""
    if not key or not signature:
        return False
    given = signature.strip().lower().encode(errors="replace")
    return hmac.compare_digest(sign(key, body).encode(), given)


def read_delivery(key: str, body: bytes, signature: str | None) -> PushChallenge | PushDelivery:
    """A delivery's meaning; raise SignatureError or MalformedDeliveryError to refuse it.

    A body with no valid signature is read only far enough to see whether it is a VERIFY.
    """
    if signature_valid(key, body, signature):
        message = _message(body)
        if (challenge := _challenge(message)) is not None:
            return _answer(key, challenge, message)
        return _delivery(message, body)
    try:
        unsigned = json.loads(body)
    except ValueError, RecursionError:
        unsigned = None
    challenge = _challenge(unsigned)
    if challenge is None or not key:
        raise SignatureError("Smartcar delivery without a valid SC-Signature")
    return _answer(key, challenge, unsigned)


def _message(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except (ValueError, RecursionError) as err:
        raise MalformedDeliveryError("a Smartcar delivery that is not JSON") from err
    if not isinstance(message, dict):
        raise MalformedDeliveryError("a Smartcar delivery that is not a JSON object")
    return message


def _challenge(message: Any) -> str | None:
    """The challenge of a VERIFY (either envelope); None for any other body."""
    if not isinstance(message, dict):
        return None
    if message.get("eventType") == "VERIFY":
        holder = message.get("data")
    elif message.get("eventName") == "verify":
        holder = message.get("payload")
    else:
        return None
    challenge = holder.get("challenge") if isinstance(holder, dict) else None
    if not isinstance(challenge, str) or not challenge:
        raise MalformedDeliveryError("a Smartcar VERIFY without a challenge")
    # The answer is the HMAC of the challenge, the very thing a signature is: a challenge that
    # reads as a delivery would have us sign that delivery for whoever sent it.
    try:
        as_json = json.loads(challenge)
    except ValueError, RecursionError:
        as_json = None
    if isinstance(as_json, dict):
        raise MalformedDeliveryError("a Smartcar VERIFY whose challenge is a JSON object")
    return challenge


def _answer(key: str, challenge: str, message: Any) -> PushChallenge:
    webhook_id = text(_get(_get(message, "meta"), "webhookId")) or text(_get(message, "webhookId"))
    return PushChallenge({"challenge": sign(key, challenge.encode())}, webhook_id)


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _delivery(message: dict[str, Any], body: bytes) -> PushDelivery:
    if "eventType" in message:
        return _v4_delivery(message)
    if "eventName" in message or message.get("version") == LEGACY_VERSION:
        return _legacy_delivery(message, body)
    raise MalformedDeliveryError("a Smartcar delivery of no known envelope")


def _v4_delivery(message: dict[str, Any]) -> PushDelivery:
    event_id = text(message.get("eventId"))
    if event_id is None:
        raise MalformedDeliveryError("a Smartcar delivery without an eventId")
    meta = message.get("meta")
    mode = _get(meta, "mode")
    delivery = PushDelivery(
        event_id=event_id,
        webhook_id=text(_get(meta, "webhookId")),
        test=isinstance(mode, str) and mode.upper() == "TEST",
    )
    data = message.get("data")
    match message["eventType"]:
        case "VEHICLE_STATE":
            update = _vehicle_state(data, message.get("triggers"))
            return replace(delivery, updates=(update,))
        case "VEHICLE_ERROR":
            return replace(delivery, problems=_vehicle_errors(data))
    return delivery  # an event type of later days: nothing we read


def _vehicle_id(data: Any) -> str:
    vehicle_id = text(_get(_get(data, "vehicle"), "id"))
    if vehicle_id is None:
        raise MalformedDeliveryError("a Smartcar event without a vehicle id")
    return vehicle_id


def _vehicle_state(data: Any, triggers: Any) -> VehicleUpdate:
    vehicle_id = _vehicle_id(data)
    items = _get(data, "signals")
    if not isinstance(items, list):
        raise MalformedDeliveryError("a Smartcar VEHICLE_STATE without a list of signals")
    signals: dict[str, _Signal] = {}
    for item in items:
        code = _signal_code(item) if isinstance(item, dict) else None
        if code is None:
            raise MalformedDeliveryError("a Smartcar signal without a code")
        # The webhook's signal is the REST one without its `attributes` wrapper.
        wrapped = {"attributes": item, "meta": item.get("meta")}
        try:
            signals[code] = _signal(wrapped)
        except (TypeError, KeyError) as err:
            raise MalformedDeliveryError("a Smartcar signal of an unknown shape") from err
    snapshot = Snapshot()
    for feature in FEATURE_SIGNALS:
        _read_feature(feature, signals, snapshot)
    codes = (_signal_code(_get(t, "signal")) for t in (triggers or ()) if isinstance(t, dict))
    return VehicleUpdate(vehicle_id, snapshot, tuple(code for code in codes if code))


def _signal_code(value: Any) -> str | None:
    """A signal's code, from `{code}` or a "Group.Name" string (tractionbattery-stateofcharge)."""
    if isinstance(value, dict):
        return text(value.get("code"))
    if isinstance(value, str) and "." in value:
        group, _, name = value.partition(".")
        return f"{group}-{name}".lower() if group and name else None
    return None


def _vehicle_errors(data: Any) -> tuple[VehicleProblem, ...]:
    vehicle_id = _vehicle_id(data)
    errors = _get(data, "errors")
    if not isinstance(errors, list) or not all(isinstance(e, dict) for e in errors):
        raise MalformedDeliveryError("a Smartcar VEHICLE_ERROR without a list of errors")
    return tuple(_vehicle_error(vehicle_id, error) for error in errors)


def _vehicle_error(vehicle_id: str, error: dict[str, Any]) -> VehicleProblem:
    error_type, state = text(error.get("type")), error.get("state")
    if error_type is None or state not in ("ERROR", "RESOLVED"):
        raise MalformedDeliveryError("a Smartcar vehicle error without a type or a state")
    code = text(error.get("code"))
    signals = error.get("signals")
    codes = {_signal_code(s) for s in signals} if isinstance(signals, list) else set()
    details = ErrorDetails(
        provider=PROVIDER,
        kind=error_kind(error_type, code),
        type=error_type,
        code=code,
        reason=refusal_reason(error_type, code),
        description=text(error.get("description")),
        resolution_type=text(_get(error.get("resolution"), "type")),
        resolution_url=text(_get(error.get("resolution"), "url")),
        suggested_user_message=text(error.get("suggestedUserMessage")),
        doc_url=text(error.get("docURL")),
    )
    return VehicleProblem(
        vehicle_id=vehicle_id,
        error=ProviderError(details),
        resolved=state == "RESOLVED",
        features=frozenset(SIGNAL_FEATURES[c] for c in codes if c in SIGNAL_FEATURES),
    )


def _legacy_delivery(message: dict[str, Any], body: bytes) -> PushDelivery:
    """A 2.0 delivery: v2 answers by path, per car. It has no event id: the same body sent
    again is the same event, so its hash serves."""
    webhook_id = text(message.get("webhookId"))
    event_id = f"legacy-{hashlib.sha256(body).hexdigest()}"
    if message.get("eventName") not in LEGACY_EVENTS:
        return PushDelivery(event_id, webhook_id)
    vehicles = _get(message.get("payload"), "vehicles")
    if not isinstance(vehicles, list):
        raise MalformedDeliveryError("a Smartcar 2.0 payload without a list of vehicles")
    return PushDelivery(event_id, webhook_id, updates=tuple(_legacy_vehicle(v) for v in vehicles))


def _legacy_vehicle(vehicle: Any) -> VehicleUpdate:
    vehicle_id = text(_get(vehicle, "vehicleId"))
    items = _get(vehicle, "data")
    if vehicle_id is None or not isinstance(items, list):
        raise MalformedDeliveryError("a Smartcar 2.0 vehicle without an id or data")
    snapshot = Snapshot()
    for item in items:
        _read_item(item, V2_PATHS, snapshot)
    paths = tuple(path for item in items if isinstance(path := _get(item, "path"), str))
    return VehicleUpdate(vehicle_id, snapshot, paths)
