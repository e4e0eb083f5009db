"""High Mobility: client-credentials tokens, fleet clearance and vehicle data (Auto API 13).

One client per High Mobility application (client id and secret), in production or the sandbox. Its
access token (300 s, no refresh token) serves every car and is renewed by one request at a time.
Cars join through fleet clearance (added by VIN and brand, then pending until the maker approves or
rejects them); each read of a car is one GET of its vehicle data, mapped onto the neutral model with
every value checked first. Errors keep High Mobility's words (title, detail, source) and map onto
ErrorKind in ERROR_KINDS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from http import HTTPStatus
import json
import math
import re
import time
from typing import Any
from urllib.parse import quote

import aiohttp

from .errors import (
    CommunicationError,
    ErrorDetails,
    ErrorKind,
    ProviderError,
    expected_shape,
    parse_retry_after,
)
from .model import (
    Battery,
    Charge,
    ChargeLimit,
    ChargingState,
    Command,
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

PROVIDER = "high_mobility"
PRODUCTION_ORIGIN = "https://api.high-mobility.com"
SANDBOX_ORIGIN = "https://sandbox.api.high-mobility.com"
TOKEN_PATH = "/v1/access_tokens"
FLEET_PATH = "/v1/fleets/vehicles"
DATA_PATH = "/v1/vehicle-data/autoapi-13"
REQUEST_TIMEOUT = 30.0
# Renew the access token this long before it expires (at most half its lifetime).
TOKEN_RENEWAL_MARGIN = 30.0
# The token endpoint's refusals of the client id or secret (its documented errors are 400).
TOKEN_REFUSALS = frozenset({HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN})
# A Retry-After of the token endpoint holds token requests back this long at most.
LONGEST_TOKEN_WAIT = timedelta(days=1)
DATA_SCOPE = "vehicle:data"


def simulator_origin(base_url: str, *, sandbox: bool = False) -> str:
    """The origin the local simulator at base_url serves High Mobility's API (or sandbox) under."""
    return f"{base_url.rstrip('/')}/high_mobility/{'sandbox' if sandbox else 'api'}"


class ClearanceStatus(StrEnum):
    """Where a car's data access stands in fleet clearance."""

    PENDING = "pending"  # being activated; may take days
    APPROVED = "approved"  # data flows
    REJECTED = "rejected"  # the maker refused; the reason says why
    REVOKING = "revoking"
    REVOKED = "revoked"  # ended, by us or by the owner
    CANCELING = "canceling"
    CANCELED = "canceled"  # a pending activation called off
    ERROR = "error"  # the car could not be added; the description says why


# The brands fleet clearance takes, with the names people know them by.
BRAND_NAMES: dict[str, str] = {
    "alfaromeo": "Alfa Romeo",
    "audi": "Audi",
    "bmw": "BMW",
    "citroen": "Citroën",
    "cupra": "CUPRA",
    "dacia": "Dacia",
    "ds": "DS",
    "fiat": "Fiat",
    "ford": "Ford",
    "jeep": "Jeep",
    "kia": "Kia",
    "lexus": "Lexus",
    "maserati": "Maserati",
    "mercedes-benz": "Mercedes-Benz",
    "mini": "MINI",
    "opel": "Opel",
    "peugeot": "Peugeot",
    "polestar": "Polestar",
    "porsche": "Porsche",
    "renault": "Renault",
    "sandbox": "Sandbox",
    "seat": "SEAT",
    "skoda": "Škoda",
    "tesla": "Tesla",
    "toyota": "Toyota",
    "vauxhall": "Vauxhall",
    "volkswagen": "Volkswagen",
    "volvo-cars": "Volvo",
}
BRANDS = frozenset(BRAND_NAMES)
# VW group brands want the fleet operator's name as this tag, else the car is rejected.
VW_GROUP_BRANDS = frozenset({"volkswagen", "audi", "skoda", "seat", "cupra"})
CUSTOMER_NAME_TAG = "vw-group-customer-name"
# Brands whose pending activation can be canceled (not earlier than a day after adding the car).
CANCELABLE_BRANDS = VW_GROUP_BRANDS | {
    "mercedes-benz",
    "alfaromeo",
    "citroen",
    "ds",
    "fiat",
    "jeep",
    "maserati",
    "opel",
    "peugeot",
    "vauxhall",
}
VIN_PATTERN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


def normalize_vin(vin: str) -> str:
    """The VIN as High Mobility expects it: no surrounding spaces, capital letters."""
    return vin.strip().upper()


def is_valid_vin(vin: str) -> bool:
    """Whether vin is 17 capital letters and digits without I, O and Q (normalize it first)."""
    return VIN_PATTERN.fullmatch(vin) is not None


@dataclass(frozen=True)
class ClearanceChange:
    """One step of a clearance's history: the state it took, when, and why (when it says)."""

    status: ClearanceStatus
    timestamp: datetime | None
    reason: str | None = None


@dataclass(frozen=True)
class Clearance:
    """A car of the fleet: its clearance state, brand, tags and history."""

    vin: str
    status: ClearanceStatus
    brand: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    changelog: tuple[ClearanceChange, ...] = ()
    description: str | None = None  # why an added car was answered `error`

    @property
    def reason(self) -> str | None:
        """Why the car is in its state, as the latest step says (pending or rejection reasons)."""
        return self.changelog[-1].reason if self.changelog else None


@dataclass(frozen=True)
class ClearanceRequest:
    """A car to add to the fleet: VIN, brand (one of BRANDS) and tags."""

    vin: str
    brand: str
    tags: Mapping[str, str] = field(default_factory=dict)


# Our codes for what High Mobility's words (title and detail, as its specifications give them) say.
INVALID_CLIENT = "invalid_client"  # the token endpoint refused the client id or secret
CONSENT_REMOVED = "consent_removed"
NO_CONSENT = "no_consent"
PRIVACY_MODE = "privacy_mode"
NO_FLEET = "no_fleet"
NO_DATA_YET = "no_data_yet"
ALREADY_REMOVED = "already_removed"
IN_TRANSITION = "in_transition"
CANCEL_NOT_SUPPORTED = "cancel_not_supported"
CANCEL_TOO_EARLY = "cancel_too_early"
NOT_FOUND = "not_found"
NO_DATA = "no_data"  # a feature none of whose properties came
INVALID_VALUE = "invalid_value"  # a feature whose properties came with values out of shape or range
WORDS: tuple[tuple[str, str], ...] = (
    ("consent is removed", CONSENT_REMOVED),
    ("no active consent", NO_CONSENT),
    ("privacy mode", PRIVACY_MODE),
    ("not associated with a fleet", NO_FLEET),
    ("not available yet", NO_DATA_YET),
    ("already removed", ALREADY_REMOVED),
    ("in transition", IN_TRANSITION),
    ("cancellation is not supported", CANCEL_NOT_SUPPORTED),
    ("could only be canceled after", CANCEL_TOO_EARLY),
    ("not found", NOT_FOUND),
)

# (HTTP status, code) -> what the error means. (None, code) covers a code at any status, and a
# property's failure (which has no status: its code is High Mobility's failure reason);
# (status, None) covers the status otherwise. Anything else is transient.
ERROR_KINDS: dict[tuple[int | None, str | None], ErrorKind] = {
    (None, INVALID_CLIENT): ErrorKind.AUTHENTICATION,
    # A token refused although just renewed: not the user's credentials, so never reauth.
    (401, None): ErrorKind.TRANSIENT,
    (401, CONSENT_REMOVED): ErrorKind.ACCOUNT_ACTION,  # the owner ended the consent at the maker
    (403, None): ErrorKind.PERMISSION,
    # No active consent: the car's clearance is not approved (any more). Its data access is the
    # fleet operator's to restore, not a permission of a login.
    (403, NO_CONSENT): ErrorKind.ACCOUNT_ACTION,
    (403, PRIVACY_MODE): ErrorKind.ACCOUNT_ACTION,  # the owner must turn privacy mode off
    (403, NO_FLEET): ErrorKind.ACCOUNT_ACTION,  # High Mobility must set the application up
    (404, None): ErrorKind.UNSUPPORTED,  # the VIN is not in the fleet
    (408, None): ErrorKind.UNREACHABLE,  # the car is offline or asleep: its last values stand
    (409, None): ErrorKind.TRANSIENT,
    (422, None): ErrorKind.REFUSED,  # a request High Mobility does not take
    (422, NO_DATA_YET): ErrorKind.TRANSIENT,  # cleared, but the car has sent nothing yet
    (422, CANCEL_NOT_SUPPORTED): ErrorKind.UNSUPPORTED,  # the brand cannot cancel an activation
    (422, CANCEL_TOO_EARLY): ErrorKind.REFUSED,  # not before a day after adding the car
    (429, None): ErrorKind.RATE_LIMITED,
    (500, None): ErrorKind.TRANSIENT,
    (502, None): ErrorKind.TRANSIENT,
    (503, None): ErrorKind.TRANSIENT,
    (504, None): ErrorKind.TRANSIENT,
    (None, "rate_limit"): ErrorKind.RATE_LIMITED,
    (None, "execution_timeout"): ErrorKind.UNREACHABLE,
    (None, "format_error"): ErrorKind.TRANSIENT,
    (None, "unauthorised"): ErrorKind.PERMISSION,
    (None, "unknown"): ErrorKind.TRANSIENT,
    (None, "pending"): ErrorKind.TRANSIENT,
    (None, "oem_error"): ErrorKind.TRANSIENT,
    (None, "privacy_mode_active"): ErrorKind.ACCOUNT_ACTION,
    (None, NO_DATA): ErrorKind.UNSUPPORTED,
    (None, INVALID_VALUE): ErrorKind.TRANSIENT,
}


def error_kind(status: int | None, code: str | None) -> ErrorKind:
    """What High Mobility's answer (or a property's failure) means."""
    for key in ((status, code), (None, code), (status, None)):
        if key in ERROR_KINDS:
            return ERROR_KINDS[key]
    return ErrorKind.TRANSIENT


# The properties each feature reads, as `capability.property`.
FEATURE_PROPERTIES: dict[Feature, tuple[str, ...]] = {
    Feature.BATTERY: ("charging.battery_level", "charging.estimated_range"),
    Feature.CHARGE: ("charging.plugged_in", "charging.status"),
    Feature.CHARGE_LIMIT: ("charging.charge_limit",),
    Feature.SECURITY: (
        "doors.locks_state",
        "doors.locks",
        "doors.positions",
        "windows.positions",
        "trunk.position",
        "charging.charge_port_state",
    ),
    Feature.ODOMETER: ("diagnostics.odometer",),
    Feature.FUEL: ("diagnostics.fuel_level",),
    Feature.TIRES: ("diagnostics.tire_pressures",),
    Feature.LOCATION: ("vehicle_location.coordinates", "vehicle_location.heading"),
}
# Fleet clearance grants every property the application is configured for, under one scope.
FEATURE_PERMISSIONS: dict[Feature, str] = dict.fromkeys(FEATURE_PROPERTIES, DATA_SCOPE)
COMMAND_PERMISSIONS: dict[Command, str] = {}

# Values: enumerations and units onto the neutral model's (km, kPa, degrees).
PLUGGED_IN = {"disconnected": False, "plugged_in": True, "plugged_in_both_sides": True}
CHARGING_STATES = {
    "charging": ChargingState.CHARGING,
    "slow_charging": ChargingState.CHARGING,
    "fast_charging": ChargingState.CHARGING,
    "charging_complete": ChargingState.FULLY_CHARGED,
    "not_charging": ChargingState.NOT_CHARGING,
    "initialising": ChargingState.NOT_CHARGING,
    "charging_paused": ChargingState.NOT_CHARGING,
    "charging_error": ChargingState.NOT_CHARGING,
    "cable_unplugged": ChargingState.NOT_CHARGING,
    "discharging": ChargingState.NOT_CHARGING,
    "foreign_object_detected": ChargingState.NOT_CHARGING,
    "conditioning": ChargingState.NOT_CHARGING,
    "flap_open": ChargingState.NOT_CHARGING,
    "ready_for_charging": ChargingState.NOT_CHARGING,
}
LOCKED = {"locked": True, "unlocked": False}
OPEN = {"open": True, "closed": False}
WINDOW_OPEN = {"open": True, "intermediate": True, "closed": False}
WHEELS = ("front_left", "front_right", "rear_left", "rear_right")
KILOMETERS = {
    "millimeters": 1e-6,
    "centimeters": 1e-5,
    "decimeters": 1e-4,
    "meters": 1e-3,
    "kilometers": 1.0,
    "megameters": 1e3,
    "inches": 2.54e-5,
    "feet": 3.048e-4,
    "yards": 9.144e-4,
    "miles": 1.609344,
    "scandinavian_miles": 10.0,
    "nautical_miles": 1.852,
}
KILOPASCALS = {
    "pascals": 1e-3,
    "kilopascals": 1.0,
    "bars": 100.0,
    "millibars": 0.1,
    "inches_of_mercury": 3.386389,
    "millimeters_of_mercury": 0.1333224,
    "pounds_force_per_square_inch": 6.894757,
}
DEGREES = {"degrees": 1.0, "radians": 180 / math.pi, "revolutions": 360.0}


@dataclass(frozen=True)
class _Token:
    value: str
    renew_at: float
    scopes: frozenset[str]


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any  # the parsed JSON, or _UNREADABLE
    retry_after: str | None


_UNREADABLE = object()


class HighMobilityClient:
    """One High Mobility application: its fleet and its cars' data, over an injected session."""

    feature_permissions: Mapping[Feature, str] = FEATURE_PERMISSIONS
    command_permissions: Mapping[Command, str] = COMMAND_PERMISSIONS
    optional_fields = frozenset({"security.charging_port_open", "location.heading"})
    batched = True  # one request reads every feature of a car

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        origin: str = PRODUCTION_ORIGIN,
        request_timeout: float = REQUEST_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        token_waits: MutableMapping[str, datetime] | None = None,
    ) -> None:
        """Use session for HTTP against origin (production, the sandbox or the simulator).

        token_waits holds, per token endpoint, until when its Retry-After asked to wait: shared
        by the clients that should honour it (every entry, across reloads).
        """
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._origin = origin.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._clock = clock
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()
        # VIN -> brand, from the last read of the fleet: learning a car needs no request of its own.
        self._brands: dict[str, str] = {}
        self._token_waits: MutableMapping[str, datetime] = (
            token_waits if token_waits is not None else {}
        )

    # Credentials and the VehicleClient protocol.

    async def async_authenticate(self) -> frozenset[str]:
        """Request a new access token now (so the id and secret are checked); its scopes."""
        async with self._token_lock:
            return (await self._new_token()).scopes

    async def async_get_account_id(self) -> str:
        """The application's client id: it identifies the fleet."""
        return self._client_id

    async def async_get_vehicle_ids(self) -> list[str]:
        """The VINs whose clearance is approved."""
        fleet = await self.async_get_fleet()
        return [car.vin for car in fleet if car.status is ClearanceStatus.APPROVED]

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """The car's brand and VIN; High Mobility's fleet API names no model or year (left empty).

        The brand comes from the last fleet read where it named the car, else from its clearance.
        """
        brand = self._brands.get(vehicle_id)
        if brand is None:
            brand = (await self.async_get_clearance(vehicle_id)).brand or ""
        return Vehicle(
            id=vehicle_id, make=BRAND_NAMES.get(brand, brand), model="", year=0, vin=vehicle_id
        )

    async def async_get_permissions(self, vehicle_id: str) -> set[str]:
        """The scopes of the application's token: the same for every car."""
        return set((await self._access_token()).scopes)

    async def async_get_commands(self, vehicle_id: str, permissions: set[str]) -> set[Command]:
        """None: fleet clearance grants data only."""
        return set()

    async def async_read(self, vehicle_id: str, features: Iterable[Feature]) -> Snapshot:
        """Read features with ONE request; a failed or missing property only fails its feature."""
        wanted = list(dict.fromkeys(features))
        snapshot = Snapshot()
        if not any(feature in FEATURE_PROPERTIES for feature in wanted):
            for feature in wanted:
                snapshot.errors[feature] = _no_data()
            return snapshot
        answer = await self._call("GET", f"{DATA_PATH}/{quote(vehicle_id, safe='')}")
        if not isinstance(answer.body, dict):
            raise _unexpected("vehicle data that is not an object")
        for feature in wanted:
            _read_feature(feature, answer.body, snapshot)
        return snapshot

    async def async_command(self, vehicle_id: str, command: Command, **params: float) -> None:
        """Refused: High Mobility's fleet API sends no commands."""
        raise ProviderError(
            ErrorDetails(
                provider=PROVIDER,
                kind=ErrorKind.UNSUPPORTED,
                type="not_supported",
                code=str(command),
                description="High Mobility's fleet data API takes no commands.",
            )
        )

    # Fleet clearance.

    async def async_get_fleet(self) -> list[Clearance]:
        """Every car of the fleet with its clearance state and history."""
        answer = await self._call("GET", FLEET_PATH)
        with expected_shape("High Mobility"):
            fleet = [_clearance(item) for item in _list(answer.body)]
        self._brands.update({car.vin: car.brand for car in fleet if car.brand})
        return fleet

    async def async_get_clearance(self, vin: str) -> Clearance:
        """One car's clearance; a VIN not in the fleet is UNSUPPORTED (404)."""
        answer = await self._call("GET", f"{FLEET_PATH}/{quote(vin, safe='')}")
        with expected_shape("High Mobility"):
            return _clearance(answer.body)

    async def async_add_vehicles(self, requests: Iterable[ClearanceRequest]) -> list[Clearance]:
        """Ask data access for cars; each comes back pending, as it stands, or `error` (description).

        The answer names no brand: each car keeps the one it was asked with.
        """
        cars = list(requests)
        payload = {
            "vehicles": [
                {"vin": car.vin, "brand": car.brand, "tags": dict(car.tags)} for car in cars
            ]
        }
        answer = await self._call("POST", FLEET_PATH, payload)
        brands = {car.vin: car.brand for car in cars}
        with expected_shape("High Mobility"):
            added = [_clearance(item) for item in _list(answer.body["vehicles"])]
        return [replace(c, brand=c.brand or brands.get(c.vin)) for c in added]

    async def async_remove_vehicle(self, vin: str) -> ClearanceStatus | None:
        """Revoke an approved car or cancel a pending one: revoking or canceling.

        None when there is nothing to do (409: already removed or in transition). A brand that
        cannot cancel is UNSUPPORTED, a cancel earlier than a day after adding the car REFUSED.
        """
        answer = await self._call(
            "DELETE", f"{FLEET_PATH}/{quote(vin, safe='')}", accept=(HTTPStatus.CONFLICT,)
        )
        if answer.status == HTTPStatus.CONFLICT:
            return None
        with expected_shape("High Mobility"):
            return ClearanceStatus(answer.body["status"])

    # Requests.

    async def _access_token(self, refused: str | None = None) -> _Token:
        """The shared access token; a new one when it is about to expire or was refused."""
        async with self._token_lock:
            token = self._token
            if token is None or token.value == refused or self._clock() >= token.renew_at:
                token = await self._new_token()
            return token

    async def _new_token(self) -> _Token:
        """`POST /v1/access_tokens` with the client credentials; the caller holds the lock.

        Nothing is sent while the endpoint's Retry-After lasts: that is a rate limit at once.
        """
        self._token = None
        url = f"{self._origin}{TOKEN_PATH}"
        now = datetime.now(UTC)
        if (until := self._token_waits.get(url)) and now < until:
            raise _token_wait(math.ceil((until - now).total_seconds()))
        started = self._clock()
        credentials = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        answer = await self._send("POST", TOKEN_PATH, credentials, None)
        if answer.status >= HTTPStatus.BAD_REQUEST:
            error = _provider_error(answer, token=True)
            if wait := error.details.retry_after:
                self._token_waits[url] = now + min(timedelta(seconds=wait), LONGEST_TOKEN_WAIT)
            raise error
        body = answer.body if isinstance(answer.body, dict) else {}
        value, lifetime, scope = body.get("access_token"), body.get("expires_in"), body.get("scope")
        seconds = _number(lifetime)
        if not isinstance(value, str) or not value or seconds is None or seconds <= 0:
            raise _unexpected("a token answer without a token and its lifetime")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        renew_at = started + seconds - min(TOKEN_RENEWAL_MARGIN, seconds / 2)
        self._token = _Token(value, renew_at, scopes)
        return self._token

    async def _call(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        accept: Collection[int] = (),
    ) -> _Answer:
        """Send with the shared token; once more with a new one if it was refused early."""
        token = await self._access_token()
        answer = await self._send(method, path, payload, token.value)
        if answer.status == HTTPStatus.UNAUTHORIZED and _code(answer.body) != CONSENT_REMOVED:
            token = await self._access_token(refused=token.value)
            answer = await self._send(method, path, payload, token.value)
        if answer.status in accept:
            return answer
        if answer.status >= HTTPStatus.BAD_REQUEST:
            raise _provider_error(answer)
        if answer.body is _UNREADABLE:
            raise _unexpected(f"a {answer.status} answer that is not JSON")
        return answer

    async def _send(
        self, method: str, path: str, payload: Mapping[str, Any] | None, token: str | None
    ) -> _Answer:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            async with self._session.request(
                method,
                f"{self._origin}{path}",
                json=payload,
                headers=headers,
                timeout=self._timeout,
            ) as response:
                raw = await response.read()
                status, retry_after = response.status, response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CommunicationError(f"High Mobility request failed: {type(err).__name__}") from err
        # Not UTF-8 (UnicodeDecodeError is a ValueError), not JSON, or nested too deep: unreadable.
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError, RecursionError:
            body = _UNREADABLE
        return _Answer(status, body, retry_after)


# Errors.


def _words(body: Any) -> tuple[str | None, str | None, str | None]:
    """(title, detail, source) of `{errors: [...]}`, or of the token endpoint's `{error, ...}`."""
    if not isinstance(body, dict):
        return None, None, None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        title, detail, source = first.get("title"), first.get("detail"), first.get("source")
    else:
        title, detail = body.get("error"), body.get("error_description")
        named = re.match(r"(client_id|client_secret)\b", detail if isinstance(detail, str) else "")
        source = named.group(1) if named else None
    return (
        title if isinstance(title, str) and title else None,
        detail.strip() if isinstance(detail, str) and detail.strip() else None,
        source if isinstance(source, str) and source else None,
    )


def _code(body: Any) -> str | None:
    """Our code for what High Mobility's words say, if they say something we know."""
    title, detail, _ = _words(body)
    said = f"{title or ''} {detail or ''}".lower()
    return next((code for words, code in WORDS if words in said), None)


def _provider_error(answer: _Answer, *, token: bool = False) -> ProviderError:
    """An error answer as a ProviderError: High Mobility's words, our code and its kind."""
    status = answer.status
    title, detail, source = _words(answer.body)
    # Only a refusal in OAuth's words blames the credentials; 404, 408, 429, 5xx and answers
    # without an OAuth error are passing trouble.
    refused = (
        token
        and status in TOKEN_REFUSALS
        and isinstance(answer.body, dict)
        and isinstance(answer.body.get("error"), str)
    )
    code = INVALID_CLIENT if refused else None if token else _code(answer.body)
    if token and not refused:
        kind = (
            ErrorKind.RATE_LIMITED
            if status == HTTPStatus.TOO_MANY_REQUESTS
            else ErrorKind.TRANSIENT
        )
    else:
        kind = error_kind(status, code)
    retry_after = parse_retry_after(answer.retry_after)
    if retry_after is None and detail and (wait := re.search(r"retry after (\d+)\s*s", detail)):
        retry_after = int(wait.group(1))
    request_id = answer.body.get("request_id") if isinstance(answer.body, dict) else None
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=kind,
            type=title or _status_name(status),
            code=code,
            status=status,
            description=detail,
            source=source,
            request_id=request_id if isinstance(request_id, str) else None,
            retry_after=retry_after,
        )
    )


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _token_wait(seconds: int) -> ProviderError:
    """The token endpoint asked to wait: rate limited for the seconds still to wait."""
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=ErrorKind.RATE_LIMITED,
            type="token_wait",
            description="The token endpoint asked to wait before the next request.",
            retry_after=seconds,
        )
    )


def _unexpected(what: str) -> CommunicationError:
    return CommunicationError(f"High Mobility answered {what}")


def _no_data() -> ProviderError:
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(None, NO_DATA),
            type="no_data",
            code=NO_DATA,
            description="High Mobility sent none of the data this needs.",
        )
    )


def _invalid_value() -> ProviderError:
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(None, INVALID_VALUE),
            type="invalid_value",
            code=INVALID_VALUE,
            description="High Mobility sent this data with values out of shape or range.",
        )
    )


def _failure(name: str, failure: Any) -> ProviderError:
    """A property's `{failure: {reason, description}}` as the error of the feature reading it."""
    reason = failure.get("reason") if isinstance(failure, dict) else None
    description = failure.get("description") if isinstance(failure, dict) else None
    reason = reason if isinstance(reason, str) and reason else "unknown"
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(None, reason),
            type="property_failure",
            code=reason,
            description=description if isinstance(description, str) else None,
            source=name,
        )
    )


# Fleet clearance answers.


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("not a list")
    return value


def _clearance(item: Any) -> Clearance:
    """One car of a fleet answer; KeyError, TypeError or ValueError when out of shape."""
    vin = item["vin"]
    if not isinstance(vin, str):
        raise TypeError("vin")
    brand, tags, description = item.get("brand"), item.get("tags"), item.get("description")
    return Clearance(
        vin=vin,
        status=ClearanceStatus(item["status"]),
        brand=brand if isinstance(brand, str) else None,
        tags={k: v for k, v in tags.items() if isinstance(v, str)}
        if isinstance(tags, dict)
        else {},
        changelog=tuple(_change(change) for change in item.get("changelog") or ()),
        description=description if isinstance(description, str) else None,
    )


def _change(change: Any) -> ClearanceChange:
    reason = change.get("reason")
    return ClearanceChange(
        status=ClearanceStatus(change["status"]),
        timestamp=_time(change.get("timestamp")),
        reason=reason if isinstance(reason, str) and reason else None,
    )


def _time(value: Any) -> datetime | None:
    """An ISO 8601 time; one without an offset is UTC (the changelog's examples have none)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Vehicle data: `{capability: {property: {data, timestamp} | {failure} | [items]}}`.


def _entries(data: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The entries of a property (one, or one per door, window or wheel)."""
    capability, _, prop = name.partition(".")
    properties = data.get(capability)
    entries = properties.get(prop) if isinstance(properties, dict) else None
    if isinstance(entries, dict):
        entries = [entries]
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


class _Reader:
    """One feature's view of the vehicle data: checked values, and when the ones used were taken."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self.times: list[datetime] = []

    def values[T](self, name: str, check: Callable[[Any], T | None]) -> list[T]:
        """Every item of the property that passes its check."""
        result = []
        for entry in _entries(self._data, name):
            value = check(entry.get("data"))
            if value is None:
                continue
            result.append(value)
            if (at := _time(entry.get("timestamp"))) is not None:
                self.times.append(at)
        return result

    def value[T](self, name: str, check: Callable[[Any], T | None]) -> T | None:
        """The property's value, if it passes its check."""
        values = self.values(name, check)
        return values[-1] if values else None


def _read_feature(feature: Feature, data: Mapping[str, Any], snapshot: Snapshot) -> None:
    """One feature into snapshot: its reading and when the car took it, or its error."""
    names = FEATURE_PROPERTIES.get(feature, ())
    entries = [(name, entry) for name in names for entry in _entries(data, name)]
    failed = next(((name, e["failure"]) for name, e in entries if "failure" in e), None)
    if failed is not None:
        snapshot.errors[feature] = _failure(*failed)
        return
    reader = _Reader(data)
    reading = PARSERS[feature](reader) if feature in PARSERS else None
    if reading is None or all(getattr(reading, f.name) is None for f in fields(reading)):
        sent = any("data" in entry for _, entry in entries)
        snapshot.errors[feature] = _invalid_value() if sent else _no_data()
        return
    snapshot.readings[feature] = reading
    if reader.times:
        snapshot.recorded_at[feature] = max(reader.times)


def _number(value: Any) -> float | None:
    """A finite number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _percent(value: Any) -> float | None:
    """A fraction 0..1 as a percentage."""
    number = _number(value)
    return round(number * 100, 2) if number is not None and 0 <= number <= 1 else None


def _measure(units: Mapping[str, float]) -> Callable[[Any], float | None]:
    """A check of `{value, unit}` that gives the non-negative value in our unit."""

    def check(value: Any) -> float | None:
        if not isinstance(value, dict):
            return None
        number, unit = _number(value.get("value")), value.get("unit")
        factor = units.get(unit) if isinstance(unit, str) else None
        if number is None or factor is None or number < 0:
            return None
        return round(number * factor, 3)

    return check


def _heading(value: Any) -> float | None:
    """An angle `{value, unit}` in degrees clockwise from north, 0..360."""
    if not isinstance(value, dict):
        return None
    number, unit = _number(value.get("value")), value.get("unit")
    factor = DEGREES.get(unit) if isinstance(unit, str) else None
    if number is None or factor is None:
        return None
    return round(number * factor % 360, 3)


def _coordinates(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, dict):
        return None
    latitude, longitude = _number(value.get("latitude")), _number(value.get("longitude"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return latitude, longitude


def _choice[V](table: Mapping[str, V]) -> Callable[[Any], V | None]:
    def check(value: Any) -> V | None:
        return table.get(value) if isinstance(value, str) else None

    return check


def _item[V](key: str, table: Mapping[str, V]) -> Callable[[Any], V | None]:
    """A check of an item `{location, <key>}` by the value of key."""

    def check(value: Any) -> V | None:
        item = value.get(key) if isinstance(value, dict) else None
        return table.get(item) if isinstance(item, str) else None

    return check


def _tire(value: Any) -> tuple[str, float] | None:
    """A tire pressure item as (wheel, kPa)."""
    if not isinstance(value, dict) or value.get("location") not in WHEELS:
        return None
    pressure = _measure(KILOPASCALS)(value.get("pressure"))
    return None if pressure is None else (str(value["location"]), pressure)


def _any(values: list[bool]) -> bool | None:
    return any(values) if values else None


_KM = _measure(KILOMETERS)


def _security(r: _Reader) -> Security:
    locked = r.value("doors.locks_state", _choice(LOCKED))
    if locked is None:
        doors = r.values("doors.locks", _item("lock_state", LOCKED))
        locked = all(doors) if doors else None
    return Security(
        locked=locked,
        doors_open=_any(r.values("doors.positions", _item("position", OPEN))),
        windows_open=_any(r.values("windows.positions", _item("position", WINDOW_OPEN))),
        trunk_open=r.value("trunk.position", _choice(OPEN)),
        charging_port_open=r.value("charging.charge_port_state", _choice(OPEN)),
    )


def _tires(r: _Reader) -> Tires:
    pressures = dict(r.values("diagnostics.tire_pressures", _tire))
    return Tires(*(pressures.get(wheel) for wheel in WHEELS))


def _location(r: _Reader) -> Location | None:
    coordinates = r.value("vehicle_location.coordinates", _coordinates)
    if coordinates is None:
        return None
    heading = r.value("vehicle_location.heading", _heading)
    return Location(*coordinates, heading=heading)


PARSERS: dict[Feature, Callable[[_Reader], Reading | None]] = {
    Feature.BATTERY: lambda r: Battery(
        level=r.value("charging.battery_level", _percent),
        range=r.value("charging.estimated_range", _KM),
    ),
    Feature.CHARGE: lambda r: Charge(
        plugged_in=r.value("charging.plugged_in", _choice(PLUGGED_IN)),
        state=r.value("charging.status", _choice(CHARGING_STATES)),
    ),
    Feature.CHARGE_LIMIT: lambda r: ChargeLimit(limit=r.value("charging.charge_limit", _percent)),
    Feature.SECURITY: _security,
    Feature.ODOMETER: lambda r: Odometer(distance=r.value("diagnostics.odometer", _KM)),
    Feature.FUEL: lambda r: Fuel(
        level=r.value("diagnostics.fuel_level", _percent), range=None, amount=None
    ),
    Feature.TIRES: _tires,
    Feature.LOCATION: _location,
}
