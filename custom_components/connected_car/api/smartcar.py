"""Smartcar: Connect (OAuth2), the Vehicle API v2.0 and its error format."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
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
    Diagnostics,
    EngineOil,
    Feature,
    Fuel,
    Location,
    NominalBatteryCapacity,
    Odometer,
    Reading,
    Security,
    ServiceHistory,
    ServiceRecord,
    Snapshot,
    SystemAlert,
    Tires,
    TroubleCode,
    TroubleCodes,
    Vehicle,
)
from .values import checked, choice, flag, model_year, real, text

PROVIDER = "smartcar"
API_VERSION = "v2.0"
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
PAGE_SIZE = 50
# Pages read of one list at most: 1,000 cars or permissions. A list that goes on is no list.
MAX_PAGES = 20


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
    Feature.NOMINAL_BATTERY_CAPACITY: "/battery/nominal_capacity",
    Feature.DIAGNOSTICS: "/diagnostics/system_status",
    Feature.TROUBLE_CODES: "/diagnostics/dtcs",
    Feature.SERVICE_HISTORY: "/service/history",
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
    Feature.NOMINAL_BATTERY_CAPACITY: "read_battery",
    Feature.DIAGNOSTICS: "read_diagnostics",
    Feature.TROUBLE_CODES: "read_diagnostics",
    Feature.SERVICE_HISTORY: "read_service_history",
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
# Features whose answer is a JSON list; every other answer is an object.
LIST_ANSWERS = frozenset({Feature.SERVICE_HISTORY})
# An opening's status -> whether it is open (LOCKED means closed).
OPENINGS = {"OPEN": True, "CLOSED": False, "LOCKED": False, "UNLOCKED": False}
CHARGING_STATES = {state.upper(): state for state in ChargingState}
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
        return _expected(text(_get(body, "id")), "user id")

    async def async_get_vehicle_ids(self) -> list[str]:
        """Every vehicle id the grant covers, following paging."""
        return await self._paged("/vehicles", "vehicles")

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """The car's make, model and year, and its VIN where the grant allows."""
        info = await self._request("GET", f"/vehicles/{vehicle_id}")
        vin: str | None = None
        try:
            body = await self._request("GET", f"/vehicles/{vehicle_id}/vin")
            vin = _expected(text(_get(body, "vin")), "VIN")
        except ProviderError as err:
            if err.type != "PERMISSION":
                raise
        return Vehicle(
            id=vehicle_id,
            make=_display_make(_expected(text(_get(info, "make")), "make")),
            model=_expected(text(_get(info, "model")), "model"),
            year=_expected(model_year(_get(info, "year")), "year"),
            vin=vin,
        )

    async def async_get_permissions(self, vehicle_id: str) -> set[str]:
        """The permissions the user granted for this car."""
        return set(await self._paged(f"/vehicles/{vehicle_id}/permissions", "permissions"))

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
        items = _get(body, "responses")
        if not isinstance(items, list):
            raise _unexpected("a batch answer without a list of responses")
        snapshot = Snapshot()
        for item in items:
            _read_item(item, paths, snapshot)
        # A feature the answer left out (or named in an item too odd to read) failed alone.
        for path in paths:
            feature = PATH_FEATURES[path]
            if feature not in snapshot.readings and feature not in snapshot.errors:
                snapshot.errors[feature] = _malformed(None, {})
        return snapshot

    async def async_command(self, vehicle_id: str, command: Command, **params: float) -> None:
        """Send a command; raise ProviderError when the car or Smartcar refuses it."""
        path, body = _command_request(command, params)
        await self._request("POST", f"/vehicles/{vehicle_id}{path}", body)

    async def async_disconnect(self, vehicle_id: str) -> None:
        """End the application's access to the car (`DELETE /vehicles/{id}/application`)."""
        await self._request("DELETE", f"/vehicles/{vehicle_id}/application")

    async def async_subscribe(self, vehicle_id: str, webhook_id: str) -> None:
        """Send the car's changes to the application's webhook (`POST .../webhooks/{id}`)."""
        await self._request("POST", f"/vehicles/{vehicle_id}/webhooks/{webhook_id}")

    async def async_unsubscribe(self, vehicle_id: str, webhook_id: str, amt: str) -> None:
        """Stop them; Smartcar wants the application management token for this one."""
        await self._request("DELETE", f"/vehicles/{vehicle_id}/webhooks/{webhook_id}", token=amt)

    async def _paged(self, path: str, key: str) -> list[str]:
        """Every item of a paged list, in order, each once.

        The list ends with an empty page or once it holds `paging.count` items. A page that brings
        nothing new while the count says there is more, or a list still going after MAX_PAGES
        pages, is a CommunicationError: a list cut short would read as cars that left the account.
        """
        items: dict[str, None] = {}
        for _ in range(MAX_PAGES):
            body = await self._request("GET", f"{path}?limit={PAGE_SIZE}&offset={len(items)}")
            page, count = _page(body, key)
            known = len(items)
            items.update(dict.fromkeys(page))
            if not page or len(items) >= count:
                return list(items)
            if len(items) == known:
                raise _unexpected(f"a {key} page that repeats what came before")
        raise _unexpected(f"a {key} list longer than {MAX_PAGES} pages")

    async def _request(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
    ) -> Any:
        token = token or await self._access_token()
        try:
            async with self._session.request(
                method,
                f"{self._base}{path}",
                json=payload,
                headers={"Authorization": f"Bearer {token}", "SC-Unit-System": "metric"},
                timeout=REQUEST_TIMEOUT,
            ) as response:
                raw = await response.read()
                headers = {key.lower(): value for key, value in response.headers.items()}
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CommunicationError(f"Smartcar request failed: {type(err).__name__}") from err
        # Bytes, whatever the content type says: json finds UTF-8/16/32 itself; anything else
        # (a Latin-1 proxy page, nesting deeper than Python recurses) is no JSON.
        try:
            body = json.loads(raw)
        except ValueError, RecursionError:
            body = None
        if status >= 400:
            raise _provider_error(body, status, headers)
        if body is None:
            raise CommunicationError(f"Smartcar answered {status} with a body that is not JSON")
        return body


def _get(body: Any, key: str) -> Any:
    """A key of a JSON object; None when the body is no object or lacks it."""
    return body.get(key) if isinstance(body, dict) else None


def _expected[T](value: T | None, what: str) -> T:
    """The value, or a CommunicationError when the answer lacked it or had it of another type."""
    if value is None:
        raise _unexpected(f"no valid {what}")
    return value


def _unexpected(what: str) -> CommunicationError:
    return CommunicationError(f"Smartcar answered in an unexpected shape ({what})")


def _page(body: Any, key: str) -> tuple[list[str], int]:
    """A page of a paged list: its items and the count of the whole list."""
    items, count = _get(body, key), _get(_get(body, "paging"), "count")
    if not isinstance(items, list) or not all(text(item) for item in items):
        raise _unexpected(f"{key} that are not a list of strings")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise _unexpected("a paging count that is not a count")
    return items, count


def _status(value: object) -> int | None:
    """An HTTP status code, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 100 <= value <= 599 else None


def _item_headers(value: object) -> dict[str, str]:
    """A batch item's headers, lower-cased; what is not a string header is left out."""
    if not isinstance(value, dict):
        return {}
    return {k.lower(): v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def _read_item(item: object, paths: list[str], snapshot: Snapshot) -> None:
    """One batch item into snapshot: a reading and when the car recorded it, or an error.

    An item that names no path asked for, or one answered already, is left out; any other oddity
    fails its feature only.
    """
    path = _get(item, "path")
    if path not in paths:
        return
    feature = PATH_FEATURES[path]
    if feature in snapshot.readings or feature in snapshot.errors:
        return
    headers = _item_headers(_get(item, "headers"))
    code = _status(_get(item, "code"))
    body = _get(item, "body")
    if code is None or not 200 <= code < 300:
        snapshot.errors[feature] = (
            _malformed(None, headers) if code is None else _provider_error(body, code, headers)
        )
        return
    shape = list if feature in LIST_ANSWERS else dict
    parsed = PARSERS[feature](body) if isinstance(body, shape) else None
    reading = None if parsed is None else checked(parsed)
    if reading is None:
        snapshot.errors[feature] = _malformed(code, headers)
        return
    snapshot.readings[feature] = reading
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
    """The v2 error object as a ProviderError; an unreadable body still keeps the HTTP status.

    Every field is taken only when it has its documented type (statusCode a number, the rest
    strings): a proxy's or a broken server's words are not Smartcar's.
    """
    error_type = text(_get(body, "type"))
    if error_type is None:
        return _malformed(status, headers)
    resolution = _get(body, "resolution")
    code = text(body.get("code"))
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(error_type, code),
            type=error_type,
            code=code,
            reason=refusal_reason(error_type, code),
            status=_status(body.get("statusCode")) or status,
            description=text(body.get("description")),
            resolution_type=text(_get(resolution, "type")),
            resolution_url=text(_get(resolution, "url")),
            suggested_user_message=text(body.get("suggestedUserMessage")),
            doc_url=text(body.get("docURL")),
            request_id=text(body.get("requestId")) or headers.get("sc-request-id"),
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
    )


def _malformed(status: int | None, headers: Mapping[str, str]) -> ProviderError:
    error_type = "UNKNOWN" if status is not None and 400 <= status < 500 else "SERVER"
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


def _percent(fraction: object) -> float | None:
    """Smartcar's fraction (0.53) in percent (53.0); its range is checked later, as a percent."""
    number = real(fraction)
    return None if number is None else round(number * 100, 1)


def _any_open(*groups: object) -> bool | None:
    """Whether any opening of the groups is open; None when none reports a known status."""
    known = [
        state
        for group in groups
        if isinstance(group, list)
        for item in group
        if (state := choice(_get(item, "status"), OPENINGS)) is not None
    ]
    return any(known) if known else None


def _security(body: dict[str, Any]) -> Security:
    return Security(
        locked=flag(body.get("isLocked")),
        doors_open=_any_open(body.get("doors")),
        windows_open=_any_open(body.get("windows"), body.get("sunroof")),
        trunk_open=_any_open(body.get("storage")),
        charging_port_open=_any_open(body.get("chargingPort")),
    )


def _location(body: dict[str, Any]) -> Location | None:
    latitude, longitude = body.get("latitude"), body.get("longitude")
    return None if latitude is None or longitude is None else Location(latitude, longitude)


def _items(value: object) -> list[Any]:
    """The items of a JSON list; none when it is no list."""
    return value if isinstance(value, list) else []


def _time(value: object) -> datetime | None:
    """An ISO 8601 time with its time zone; None for anything else."""
    return _parse_time(value) if isinstance(value, str) else None


def _diagnostics(body: dict[str, Any]) -> Diagnostics:
    systems = body.get("systems")
    return Diagnostics(
        alerts=None
        if not isinstance(systems, list)
        else tuple(
            SystemAlert(system=_get(item, "systemId"), description=_get(item, "description"))
            for item in systems
            if _get(item, "status") == "ALERT"
        )
    )


def _trouble_codes(body: dict[str, Any]) -> TroubleCodes:
    codes = body.get("activeCodes")
    return TroubleCodes(
        codes=None
        if not isinstance(codes, list)
        else tuple(
            TroubleCode(code=_get(item, "code"), recorded_at=_time(_get(item, "timestamp")))
            for item in codes
        )
    )


def _service_history(body: list[Any]) -> ServiceHistory:
    return ServiceHistory(
        services=tuple(
            ServiceRecord(
                performed_at=_time(_get(item, "serviceDate")),  # type: ignore[arg-type]
                odometer=_get(item, "odometerDistance"),
                tasks=tuple(
                    _get(task, "taskDescription") for task in _items(_get(item, "serviceTasks"))
                ),
            )
            for item in body
        )
    )


# Each answer's values as they come; `checked` makes those of the wrong type or range unknown.
PARSERS: dict[Feature, Callable[[Any], Reading | None]] = {
    Feature.BATTERY: lambda b: Battery(
        level=_percent(b.get("percentRemaining")), range=b.get("range")
    ),
    Feature.BATTERY_CAPACITY: lambda b: BatteryCapacity(capacity=b.get("capacity")),
    Feature.CHARGE: lambda b: Charge(
        plugged_in=b.get("isPluggedIn"), state=choice(b.get("state"), CHARGING_STATES)
    ),
    Feature.CHARGE_LIMIT: lambda b: ChargeLimit(limit=_percent(b.get("limit"))),
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
    Feature.ODOMETER: lambda b: Odometer(distance=b.get("distance")),
    Feature.ENGINE_OIL: lambda b: EngineOil(life=_percent(b.get("lifeRemaining"))),
    Feature.LOCATION: _location,
    Feature.SECURITY: _security,
    Feature.NOMINAL_BATTERY_CAPACITY: lambda b: NominalBatteryCapacity(
        capacity=_get(b.get("capacity"), "nominal")
    ),
    Feature.DIAGNOSTICS: _diagnostics,
    Feature.TROUBLE_CODES: _trouble_codes,
    Feature.SERVICE_HISTORY: _service_history,
}
