"""Smartcar: Connect (OAuth2), the Vehicle API v2.0 and its error format."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
import json
from typing import Any

import aiohttp

from .errors import (
    REFUSAL_REASONS,
    CommunicationError,
    ErrorDetails,
    ErrorKind,
    ProviderError,
    parse_retry_after,
)
from .model import (
    Battery,
    BatteryCapacity,
    Charge,
    ChargeLimit,
    ChargingState,
    Command,
    EngineOil,
    Feature,
    Fuel,
    Location,
    Odometer,
    Reading,
    Security,
    Snapshot,
    Tires,
    Vehicle,
)

PROVIDER = "smartcar"
API_VERSION = "v2.0"
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass(frozen=True)
class SmartcarOrigins:
    """One origin per Smartcar host; the simulator serves each under a path prefix."""

    connect: str = "https://connect.smartcar.com"
    auth: str = "https://auth.smartcar.com"
    api: str = "https://api.smartcar.com"

    @classmethod
    def simulator(cls, base_url: str) -> SmartcarOrigins:
        """The origins of the local simulator at base_url."""
        base = base_url.rstrip("/")
        return cls(
            connect=f"{base}/smartcar/connect",
            auth=f"{base}/smartcar/auth",
            api=f"{base}/smartcar/api",
        )

    @property
    def authorize_url(self) -> str:
        """Smartcar Connect's authorize endpoint."""
        return f"{self.connect}/oauth/authorize"

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return f"{self.auth}/oauth/token"


# Feature -> (vehicle path, permission that grants it)
FEATURE_PATHS: dict[Feature, str] = {
    Feature.BATTERY: "/battery",
    Feature.BATTERY_CAPACITY: "/battery/capacity",
    Feature.CHARGE: "/charge",
    Feature.CHARGE_LIMIT: "/charge/limit",
    Feature.FUEL: "/fuel",
    Feature.TIRES: "/tires/pressure",
    Feature.ODOMETER: "/odometer",
    Feature.ENGINE_OIL: "/engine/oil",
    Feature.LOCATION: "/location",
    Feature.SECURITY: "/security",
}
FEATURE_PERMISSIONS: dict[Feature, str] = {
    Feature.BATTERY: "read_battery",
    Feature.BATTERY_CAPACITY: "read_battery",
    Feature.CHARGE: "read_charge",
    Feature.CHARGE_LIMIT: "read_charge",
    Feature.FUEL: "read_fuel",
    Feature.TIRES: "read_tires",
    Feature.ODOMETER: "read_odometer",
    Feature.ENGINE_OIL: "read_engine_oil",
    Feature.LOCATION: "read_location",
    Feature.SECURITY: "read_security",
}
COMMAND_PERMISSIONS: dict[Command, str] = {
    Command.LOCK: "control_security",
    Command.UNLOCK: "control_security",
    Command.START_CHARGING: "control_charge",
    Command.STOP_CHARGING: "control_charge",
    Command.SET_CHARGE_LIMIT: "control_charge",
    Command.SEND_DESTINATION: "control_navigation",
}
# What the integration asks for by default: every read it uses, the vehicle's identity, and control.
DEFAULT_SCOPE: tuple[str, ...] = (
    "read_vehicle_info",
    "read_vin",
    *dict.fromkeys(FEATURE_PERMISSIONS.values()),
    *dict.fromkeys(COMMAND_PERMISSIONS.values()),
)
PATH_FEATURES = {path: feature for feature, path in FEATURE_PATHS.items()}
OPENING_STATUSES = frozenset({"OPEN", "CLOSED", "LOCKED", "UNLOCKED"})
# (type, code) -> what the error means; (type, None) covers the type's other codes. Unknown types
# are transient.
ERROR_KINDS: dict[tuple[str, str | None], ErrorKind] = {
    ("AUTHENTICATION", None): ErrorKind.AUTHENTICATION,
    ("CONNECTED_SERVICES_ACCOUNT", None): ErrorKind.ACCOUNT_ACTION,
    ("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED"): ErrorKind.VIRTUAL_KEY,
    ("PERMISSION", None): ErrorKind.PERMISSION,
    ("RATE_LIMIT", None): ErrorKind.RATE_LIMITED,
    ("BILLING", None): ErrorKind.BILLING,
    ("BILLING", "VEHICLE_REQUEST_LIMIT"): ErrorKind.QUOTA_EXHAUSTED,
    ("VEHICLE_STATE", None): ErrorKind.REFUSED,
    ("VEHICLE_STATE", "ASLEEP"): ErrorKind.UNREACHABLE,
    ("VEHICLE_STATE", "UNREACHABLE"): ErrorKind.UNREACHABLE,
    ("VEHICLE_STATE", "VEHICLE_OFFLINE_FOR_SERVICE"): ErrorKind.UNREACHABLE,
    ("VALIDATION", None): ErrorKind.REFUSED,
    ("COMPATIBILITY", None): ErrorKind.UNSUPPORTED,
    ("RESOURCE_NOT_FOUND", None): ErrorKind.UNSUPPORTED,
    ("UPSTREAM", None): ErrorKind.TRANSIENT,
    ("SERVER", None): ErrorKind.TRANSIENT,
}
CONNECT_ERRORS = (
    "access_denied",
    "configuration_error",
    "invalid_subscription",
    "no_vehicles",
    "server_error",
    "vehicle_incompatible",
)


def error_kind(error_type: str, code: str | None) -> ErrorKind:
    """What Smartcar's (type, code) means."""
    return ERROR_KINDS.get(
        (error_type, code), ERROR_KINDS.get((error_type, None), ErrorKind.TRANSIENT)
    )


def refusal_reason(error_type: str, code: str | None) -> str | None:
    """The neutral reason of a VEHICLE_STATE refusal, where it has one."""
    reason = (code or "").lower()
    return reason if error_type == "VEHICLE_STATE" and reason in REFUSAL_REASONS else None


class SmartcarClient:
    """Smartcar Vehicle API v2.0 over an injected aiohttp session."""

    feature_permissions: Mapping[Feature, str] = FEATURE_PERMISSIONS
    command_permissions: Mapping[Command, str] = COMMAND_PERMISSIONS
    optional_fields = frozenset({"security.charging_port_open"})
    batched = True

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: Callable[[], Awaitable[str]],
        origins: SmartcarOrigins | None = None,
    ) -> None:
        """Use session for HTTP and call access_token for a valid bearer token before each request."""
        self._session = session
        self._access_token = access_token
        self._base = f"{(origins or SmartcarOrigins()).api}/{API_VERSION}"

    async def async_get_account_id(self) -> str:
        """The Smartcar user id: stable for one account, so it identifies the config entry."""
        body = await self._request("GET", "/user")
        with _expected_shape():
            return str(body["id"])

    async def async_get_vehicle_ids(self) -> list[str]:
        """Every vehicle id the grant covers, following paging."""
        ids: list[str] = []
        while True:
            body = await self._request("GET", f"/vehicles?limit=50&offset={len(ids)}")
            with _expected_shape():
                ids.extend(str(vehicle_id) for vehicle_id in body["vehicles"])
                if not body["vehicles"] or len(ids) >= body["paging"]["count"]:
                    return ids

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """The car's make, model and year, and its VIN where the grant allows."""
        info = await self._request("GET", f"/vehicles/{vehicle_id}")
        vin: str | None = None
        try:
            body = await self._request("GET", f"/vehicles/{vehicle_id}/vin")
            with _expected_shape():
                vin = str(body["vin"])
        except ProviderError as err:
            if err.type != "PERMISSION":
                raise
        with _expected_shape():
            return Vehicle(
                id=vehicle_id,
                make=_display_make(str(info["make"])),
                model=str(info["model"]),
                year=int(info["year"]),
                vin=vin,
            )

    async def async_get_permissions(self, vehicle_id: str) -> set[str]:
        """The permissions the user granted for this car."""
        permissions: list[str] = []
        while True:
            body = await self._request(
                "GET", f"/vehicles/{vehicle_id}/permissions?limit=50&offset={len(permissions)}"
            )
            with _expected_shape():
                permissions.extend(str(permission) for permission in body["permissions"])
                if not body["permissions"] or len(permissions) >= body["paging"]["count"]:
                    return set(permissions)

    async def async_get_commands(self, vehicle_id: str, permissions: set[str]) -> set[Command]:
        """The commands the grant allows; Smartcar answers a car that cannot with an error."""
        return {c for c, permission in COMMAND_PERMISSIONS.items() if permission in permissions}

    async def async_read(self, vehicle_id: str, features: Iterable[Feature]) -> Snapshot:
        """Read features with ONE batch request; a failed path only fails its own feature."""
        paths = [FEATURE_PATHS[feature] for feature in dict.fromkeys(features)]
        if not paths:
            return Snapshot()
        body = await self._request(
            "POST", f"/vehicles/{vehicle_id}/batch", {"requests": [{"path": p} for p in paths]}
        )
        snapshot = Snapshot()
        with _expected_shape():
            for item in body["responses"]:
                _read_item(item, snapshot)
        return snapshot

    async def async_command(self, vehicle_id: str, command: Command, **params: float) -> None:
        """Send a command; raise ProviderError when the car or Smartcar refuses it."""
        path, body = _command_request(command, params)
        await self._request("POST", f"/vehicles/{vehicle_id}{path}", body)

    async def _request(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None
    ) -> Any:
        token = await self._access_token()
        try:
            async with self._session.request(
                method,
                f"{self._base}{path}",
                json=payload,
                headers={"Authorization": f"Bearer {token}", "SC-Unit-System": "metric"},
                timeout=REQUEST_TIMEOUT,
            ) as response:
                text = await response.text()
                headers = {key.lower(): value for key, value in response.headers.items()}
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CommunicationError(f"Smartcar request failed: {type(err).__name__}") from err
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if status >= 400:
            raise _provider_error(body, status, headers)
        if body is None:
            raise CommunicationError(f"Smartcar answered {status} with a body that is not JSON")
        return body


@contextmanager
def _expected_shape() -> Iterator[None]:
    """Turn an answer of an unexpected shape into a CommunicationError."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CommunicationError(f"Smartcar answered in an unexpected shape ({err!r})") from err


def _read_item(item: dict[str, Any], snapshot: Snapshot) -> None:
    """One batch item into snapshot: a reading and when the car recorded it, or an error."""
    feature = PATH_FEATURES.get(item["path"])
    if feature is None:
        return
    code = int(item["code"])
    headers = {key.lower(): value for key, value in (item.get("headers") or {}).items()}
    if not 200 <= code < 300:
        snapshot.errors[feature] = _provider_error(item.get("body"), code, headers)
        return
    try:
        snapshot.readings[feature] = PARSERS[feature](item["body"])
    except KeyError, TypeError, ValueError, AttributeError:
        snapshot.errors[feature] = _malformed(code, headers)
        return
    if recorded := _parse_time(headers.get("sc-data-age")):
        snapshot.recorded_at[feature] = recorded


def _command_request(command: Command, params: Mapping[str, float]) -> tuple[str, dict[str, Any]]:
    match command:
        case Command.LOCK | Command.UNLOCK:
            return "/security", {"action": command.upper()}
        case Command.START_CHARGING:
            return "/charge", {"action": "START"}
        case Command.STOP_CHARGING:
            return "/charge", {"action": "STOP"}
        case Command.SET_CHARGE_LIMIT:
            return "/charge/limit", {"limit": round(params["limit"] / 100, 2)}
        case Command.SEND_DESTINATION:
            return "/navigation/destination", {
                "latitude": params["latitude"],
                "longitude": params["longitude"],
            }
        case _:
            raise ValueError(f"Smartcar has no {command} command")


def _provider_error(body: Any, status: int, headers: Mapping[str, str]) -> ProviderError:
    """The v2 error object as a ProviderError; an unreadable body still keeps the HTTP status."""
    if not isinstance(body, dict) or "type" not in body:
        return _malformed(status, headers)
    resolution = body.get("resolution")
    resolution = resolution if isinstance(resolution, dict) else {}
    error_type, code = str(body["type"]), body.get("code")
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(error_type, code),
            type=error_type,
            code=code,
            reason=refusal_reason(error_type, code),
            status=int(body.get("statusCode") or status),
            description=body.get("description"),
            resolution_type=resolution.get("type"),
            resolution_url=resolution.get("url"),
            suggested_user_message=body.get("suggestedUserMessage"),
            doc_url=body.get("docURL"),
            request_id=body.get("requestId") or headers.get("sc-request-id"),
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
    )


def _malformed(status: int, headers: Mapping[str, str]) -> ProviderError:
    error_type = "SERVER" if status >= 500 or status < 400 else "UNKNOWN"
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(error_type, None),
            type=error_type,
            code="MALFORMED_RESPONSE",
            status=status,
            request_id=headers.get("sc-request-id"),
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
    )


def _display_make(make: str) -> str:
    """Smartcar spells makes in capitals (TESLA); show Tesla, but keep acronyms like BMW."""
    return make if len(make) <= 3 or not make.isupper() else make.title()


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(float(fraction) * 100, 1)


def _any_open(items: list[dict[str, Any]] | None) -> bool | None:
    """Whether any item is open; None when none reports a known status (LOCKED means closed)."""
    known = [i.get("status") for i in items or [] if i.get("status") in OPENING_STATUSES]
    return "OPEN" in known if known else None


def _security(body: dict[str, Any]) -> Security:
    return Security(
        locked=body.get("isLocked"),
        doors_open=_any_open(body.get("doors")),
        windows_open=_any_open((body.get("windows") or []) + (body.get("sunroof") or [])),
        trunk_open=_any_open(body.get("storage")),
        charging_port_open=_any_open(body.get("chargingPort")),
    )


PARSERS: dict[Feature, Callable[[dict[str, Any]], Reading]] = {
    Feature.BATTERY: lambda b: Battery(level=_percent(b["percentRemaining"]), range=b.get("range")),
    Feature.BATTERY_CAPACITY: lambda b: BatteryCapacity(capacity=b["capacity"]),
    Feature.CHARGE: lambda b: Charge(
        plugged_in=b["isPluggedIn"],
        state=ChargingState(b["state"].lower()) if b.get("state") else None,
    ),
    Feature.CHARGE_LIMIT: lambda b: ChargeLimit(limit=_percent(b["limit"])),
    Feature.FUEL: lambda b: Fuel(
        level=_percent(b.get("percentRemaining")),
        range=b.get("range"),
        amount=b.get("amountRemaining"),
    ),
    Feature.TIRES: lambda b: Tires(
        front_left=b.get("frontLeft"),
        front_right=b.get("frontRight"),
        rear_left=b.get("backLeft"),
        rear_right=b.get("backRight"),
    ),
    Feature.ODOMETER: lambda b: Odometer(distance=b["distance"]),
    Feature.ENGINE_OIL: lambda b: EngineOil(life=_percent(b["lifeRemaining"])),
    Feature.LOCATION: lambda b: Location(latitude=b["latitude"], longitude=b["longitude"]),
    Feature.SECURITY: _security,
}
