"""Volvo Cars: the Connected Vehicle v2, Energy v2 and Location v1 APIs through `volvocarsapi`.

The library (0.4.5, as Home Assistant core uses it) owns the endpoints; this module adds what it
lacks (see the design notes, section 3):
- its origin is fixed: the library gets a wrapper of the session that retargets Volvo's API origin
  (to the simulator), applies our timeout and keeps each answer's status and body;
- a 404 comes back as an empty answer: the kept status tells it apart from an odd body;
- its exceptions carry the HTTP status and headers only on `__cause__`, and nothing reads 429 or
  Retry-After: ERROR_KINDS below maps Volvo's answer to an ErrorKind;
- it wraps aiohttp errors of the token manager: ours carries Home Assistant's token errors through it
  so they reach the caller unchanged.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from datetime import datetime
import hashlib
from http import HTTPStatus
import json
import re
from typing import Any, cast

import aiohttp
from volvocarsapi.api import VolvoCarsApi
from volvocarsapi.auth import AccessTokenManager
from volvocarsapi.models import (
    VolvoApiException,
    VolvoCarsLocation,
    VolvoCarsValueField,
)
from volvocarsapi.scopes import ALL_SCOPES

from .errors import (
    ApiError,
    CommunicationError,
    ErrorDetails,
    ErrorKind,
    ProviderError,
    parse_retry_after,
)
from .model import (
    Battery,
    Charge,
    ChargeLimit,
    ChargingState,
    ChargingType,
    Command,
    Engine,
    Feature,
    Fuel,
    Location,
    Odometer,
    Reading,
    Security,
    Snapshot,
    TireWarnings,
    Vehicle,
    Warnings,
)
from .values import checked, choice, model_year, real, text

PROVIDER = "volvo"
VOLVO_API_ORIGIN = "https://api.volvocars.com"
REQUEST_TIMEOUT = 30.0
ENGINE_RUNTIME_MINUTES = 15  # the longest remote start Volvo allows
KM_PER_MILE = 1.609344

# What the login asks for: every scope Home Assistant core's volvo integration asks for.
SCOPES: tuple[str, ...] = tuple(ALL_SCOPES)


@dataclass(frozen=True)
class VolvoOrigins:
    """Volvo's API and Volvo ID origins; the simulator serves each under a path prefix."""

    api: str = VOLVO_API_ORIGIN
    auth: str = "https://volvoid.eu.volvocars.com"

    @classmethod
    def simulator(cls, base_url: str) -> VolvoOrigins:
        """The origins of the local simulator at base_url."""
        base = base_url.rstrip("/")
        return cls(api=f"{base}/volvo/api", auth=f"{base}/volvo/id")

    @property
    def authorize_url(self) -> str:
        """Volvo ID's authorize endpoint."""
        return f"{self.auth}/as/authorization.oauth2"

    @property
    def token_url(self) -> str:
        """Volvo ID's token endpoint."""
        return f"{self.auth}/as/token.oauth2"


# Endpoints, by the library getter that reads them; a read calls each endpoint it needs once.
DOORS, WINDOWS, ENERGY, FUEL, STATISTICS = "doors", "windows", "energy", "fuel", "statistics"
ODOMETER, LOCATION, ENGINE_STATUS, TYRES = "odometer", "location", "engine_status", "tyres"
WARNINGS, DIAGNOSTICS, ENGINE, BRAKES = "warnings", "diagnostics", "engine", "brakes"
ENDPOINTS: dict[str, Callable[[VolvoCarsApi, str], Awaitable[Mapping[str, object]]]] = {
    DOORS: VolvoCarsApi.async_get_doors_status,
    WINDOWS: VolvoCarsApi.async_get_window_states,
    ENERGY: VolvoCarsApi.async_get_energy_state,
    FUEL: VolvoCarsApi.async_get_fuel_status,
    STATISTICS: VolvoCarsApi.async_get_statistics,
    ODOMETER: VolvoCarsApi.async_get_odometer,
    LOCATION: VolvoCarsApi.async_get_location,
    ENGINE_STATUS: VolvoCarsApi.async_get_engine_status,
    TYRES: VolvoCarsApi.async_get_tyre_states,
    WARNINGS: VolvoCarsApi.async_get_warnings,
    DIAGNOSTICS: VolvoCarsApi.async_get_diagnostics,
    ENGINE: VolvoCarsApi.async_get_engine_warnings,
    BRAKES: VolvoCarsApi.async_get_brakes_status,
}
# Feature -> the endpoints it reads, the one its permission names first.
FEATURE_ENDPOINTS: dict[Feature, tuple[str, ...]] = {
    Feature.SECURITY: (DOORS, WINDOWS),
    Feature.BATTERY: (ENERGY,),
    Feature.CHARGE: (ENERGY,),
    Feature.CHARGE_LIMIT: (ENERGY,),
    Feature.FUEL: (FUEL, STATISTICS),
    Feature.ODOMETER: (ODOMETER,),
    Feature.LOCATION: (LOCATION,),
    Feature.ENGINE: (ENGINE_STATUS,),
    Feature.TIRE_WARNINGS: (TYRES,),
    Feature.WARNINGS: (WARNINGS, DIAGNOSTICS, ENGINE, BRAKES),
}
# What reading one feature alone costs; features sharing the energy endpoint count 1 each.
REQUESTS_PER_READ: dict[Feature, int] = {f: len(e) for f, e in FEATURE_ENDPOINTS.items()}
FEATURE_PERMISSIONS: dict[Feature, str] = {
    Feature.SECURITY: "conve:lock_status",
    Feature.BATTERY: "energy:state:read",
    Feature.CHARGE: "energy:state:read",
    Feature.CHARGE_LIMIT: "energy:state:read",
    Feature.FUEL: "conve:fuel_status",
    Feature.ODOMETER: "conve:odometer_status",
    Feature.LOCATION: "location:read",
    Feature.ENGINE: "conve:engine_status",
    Feature.TIRE_WARNINGS: "conve:tyre_status",
    Feature.WARNINGS: "conve:warnings",
}
# Command -> (its name in Volvo's command list, its path under /commands/).
COMMANDS: dict[Command, tuple[str, str]] = {
    Command.LOCK: ("LOCK", "lock"),
    Command.UNLOCK: ("UNLOCK", "unlock"),
    Command.FLASH: ("FLASH", "flash"),
    Command.HONK: ("HONK", "honk"),
    Command.START_CLIMATE: ("CLIMATIZATION_START", "climatization-start"),
    Command.STOP_CLIMATE: ("CLIMATIZATION_STOP", "climatization-stop"),
    Command.START_ENGINE: ("ENGINE_START", "engine-start"),
    Command.STOP_ENGINE: ("ENGINE_STOP", "engine-stop"),
}
COMMAND_PERMISSIONS: dict[Command, str] = {
    Command.LOCK: "conve:lock",
    Command.UNLOCK: "conve:unlock",
    Command.FLASH: "conve:honk_flash",
    Command.HONK: "conve:honk_flash",
    Command.START_CLIMATE: "conve:climatization_start_stop",
    Command.STOP_CLIMATE: "conve:climatization_start_stop",
    Command.START_ENGINE: "conve:engine_start_stop",
    Command.STOP_ENGINE: "conve:engine_start_stop",
}
LISTED_COMMANDS = {name: command for command, (name, _) in COMMANDS.items()}

# Volvo's answer -> what it means: (HTTP status, QUOTA when the words say so or COMMAND for a
# command, else None); (status, None) covers the status otherwise. Other statuses are transient.
QUOTA, COMMAND = "QUOTA", "COMMAND"
ERROR_KINDS: dict[tuple[int, str | None], ErrorKind] = {
    (400, None): ErrorKind.TRANSIENT,  # failed validation: nothing the user can change
    (401, None): ErrorKind.AUTHENTICATION,  # the access token, or the VCC API key
    (403, None): ErrorKind.PERMISSION,  # a scope the token lacks
    (403, QUOTA): ErrorKind.QUOTA_EXHAUSTED,  # "Out of call volume quota..."
    (404, None): ErrorKind.UNSUPPORTED,  # the library answers {}: the car lacks it
    (405, None): ErrorKind.TRANSIENT,
    (406, None): ErrorKind.TRANSIENT,
    (409, None): ErrorKind.TRANSIENT,
    (409, COMMAND): ErrorKind.REFUSED,  # conflicts with the car's state
    (415, None): ErrorKind.TRANSIENT,
    (422, None): ErrorKind.TRANSIENT,
    (422, COMMAND): ErrorKind.REFUSED,  # the library makes it invoke status UNKNOWN (below)
    (429, None): ErrorKind.RATE_LIMITED,
    (500, None): ErrorKind.TRANSIENT,
    (502, None): ErrorKind.TRANSIENT,
    (503, None): ErrorKind.TRANSIENT,
    (504, None): ErrorKind.TRANSIENT,
}
# A command's invokeStatus -> None when the car did or is doing it, else (kind, neutral reason).
# Both spellings of the seed's and the API's statuses; an unknown status is REFUSED.
INVOKE_STATUSES: dict[str, tuple[ErrorKind, str | None] | None] = {
    "COMPLETED": None,
    "SUCCESS": None,
    "DELIVERED": None,
    "SENT": None,
    "RUNNING": None,
    "WAITING": None,
    "VEHICLE_IN_SLEEP": (ErrorKind.UNREACHABLE, "asleep"),
    "VEHICLE_IN_SLEEP_MODE": (ErrorKind.UNREACHABLE, "asleep"),
    "CAR_IN_SLEEP_MODE": (ErrorKind.UNREACHABLE, "asleep"),
    "UNABLE_TO_LOCK_DOOR_OPEN": (ErrorKind.REFUSED, "door_open"),
    "UNLOCK_TIME_FRAME_PASSED": (ErrorKind.REFUSED, None),
    "NOT_ALLOWED_PRIVACY_ENABLED": (ErrorKind.REFUSED, "remote_access_disabled"),
    "PRIVACY_POLICY_ENABLED": (ErrorKind.REFUSED, "remote_access_disabled"),
    "NOT_SUPPORTED": (ErrorKind.UNSUPPORTED, None),
    "REJECTED": (ErrorKind.REFUSED, None),
    "NOT_ALLOWED_WRONG_USAGE_MODE": (ErrorKind.REFUSED, None),
    "INVOCATION_SPECIFIC_ERROR": (ErrorKind.REFUSED, None),
    "EXPIRED": (ErrorKind.REFUSED, None),
    "UNKNOWN": (ErrorKind.REFUSED, None),
    "TIMEOUT": (ErrorKind.UNREACHABLE, "unreachable"),
    "CONNECTION_FAILURE": (ErrorKind.UNREACHABLE, "unreachable"),
    "DELIVERY_TIMEOUT": (ErrorKind.UNREACHABLE, "unreachable"),
    "CAR_TIMEOUT": (ErrorKind.UNREACHABLE, "unreachable"),
    "CAR_ERROR": (ErrorKind.UNREACHABLE, "unreachable"),
    "VEHICLE_REQUEST_TIMEOUT": (ErrorKind.UNREACHABLE, "unreachable"),
    "VEHICLE_RESPONSE_TIMEOUT": (ErrorKind.UNREACHABLE, "unreachable"),
    "VEHICLE_RESPONSE_ERROR": (ErrorKind.UNREACHABLE, "unreachable"),
}
UNKNOWN_INVOKE_STATUS = (ErrorKind.REFUSED, None)
REPLENISHED_IN = re.compile(r"replenished in (\d+):(\d{2}):(\d{2})", re.IGNORECASE)

# Readings: opening, lock and warning values; what is not listed is unknown (None).
OPENINGS = {"OPEN": True, "AJAR": True, "CLOSED": False}
LOCKS = {"LOCKED": True, "UNLOCKED": False}
CONNECTIONS = {"CONNECTED": True, "DISCONNECTED": False}
ENGINE_STATUSES = {"RUNNING": True, "STOPPED": False}
# chargingStatus: these two, else (DISCHARGING, IDLE, SCHEDULED, ERROR, ...) not charging.
CHARGING_STATES = {"CHARGING": ChargingState.CHARGING, "DONE": ChargingState.FULLY_CHARGED}
CHARGING_TYPES = {"AC": ChargingType.AC, "DC": ChargingType.DC, "NONE": ChargingType.NONE}
UNKNOWN_VALUES = frozenset({"UNSPECIFIED", "UNKNOWN", "UNKNOWN_WARNING"})


def account_id_from_id_token(id_token: str) -> str | None:
    """The `sub` claim of Volvo ID's id_token (read, not verified), or None."""
    parts = id_token.split(".")
    if len(parts) < 2:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:  # not base64, not UTF-8 or not JSON
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None


class VolvoClient:
    """Volvo's cars of one account through `volvocarsapi`, with the errors in ErrorKind terms."""

    feature_permissions: Mapping[Feature, str] = FEATURE_PERMISSIONS
    command_permissions: Mapping[Command, str] = COMMAND_PERMISSIONS
    optional_fields = frozenset(
        {
            "security.hood_open",
            "security.sunroof_open",
            "charge.power",
            "charge.minutes_to_full",
            "charge.type",
            "location.heading",
            *(f"warnings.{field.name}" for field in fields(Warnings)),
        }
    )
    batched = False  # one request per endpoint a feature needs

    def __init__(
        self,
        session: aiohttp.ClientSession,
        access_token: Callable[[], Awaitable[str]],
        api_key: str,
        *,
        origins: VolvoOrigins | None = None,
        granted_scopes: Iterable[str] = (),
        account_id: str | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """Use session for HTTP and call access_token for a valid bearer token before each request."""
        self._session = _LibrarySession(
            session, (origins or VolvoOrigins()).api, aiohttp.ClientTimeout(total=request_timeout)
        )
        self._api = VolvoCarsApi(
            cast(aiohttp.ClientSession, self._session),
            _TokenManager(session, access_token),
            api_key,
        )
        self._granted = frozenset(granted_scopes)
        self._account_id = account_id

    async def async_get_account_id(self) -> str:
        """The Volvo ID user (the id_token's subject), else a stable hash of the account's VINs."""
        if self._account_id:
            return self._account_id
        vins = "\n".join(sorted(await self.async_get_vehicle_ids()))
        return f"vins-{hashlib.sha256(vins.encode()).hexdigest()[:32]}"

    async def async_get_vehicle_ids(self) -> list[str]:
        """The VINs of the account's cars."""
        vins = await self._request(lambda api: api.async_get_vehicles())
        if not all(text(vin) for vin in vins):
            raise _unexpected(TypeError("a VIN that is not a string"))
        return list(dict.fromkeys(vins))

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """The car's model and year, its VIN and a picture."""
        details = await self._request(lambda api: api.async_get_vehicle_details(vehicle_id))
        if details is None:
            raise _no_data()
        model = text(getattr(getattr(details, "description", None), "model", None))
        year = model_year(getattr(details, "model_year", None))
        if model is None or year is None:
            raise _unexpected(ValueError("vehicle details without a model or model year"))
        image = text(getattr(getattr(details, "images", None), "exterior_image_url", None))
        return Vehicle(
            id=vehicle_id, make="Volvo", model=model, year=year, vin=vehicle_id, image_url=image
        )

    async def async_get_permissions(self, vehicle_id: str) -> set[str]:
        """The scopes of the grant: Volvo ID grants them for every car of the account."""
        return set(self._granted)

    async def async_get_commands(self, vehicle_id: str, permissions: set[str]) -> set[Command]:
        """The commands the car lists that the grant allows; no request when it allows none."""
        allowed = {c for c, permission in COMMAND_PERMISSIONS.items() if permission in permissions}
        if not allowed:
            return set()
        try:
            listed = await self._request(lambda api: api.async_get_commands(vehicle_id))
        except ProviderError as err:
            if err.kind is not ErrorKind.UNSUPPORTED:
                raise
            return set()
        names = [getattr(item, "command", None) for item in listed]
        return {c for name, c in LISTED_COMMANDS.items() if name in names} & allowed

    async def async_read(self, vehicle_id: str, features: Iterable[Feature]) -> Snapshot:
        """Read features, calling each endpoint they need once and all of them concurrently.

        A failed endpoint fails the features reading it; a missing one (404) only leaves its
        fields out, and a feature left with no data is UNSUPPORTED. Transport failures fail the
        whole read only when no endpoint answered.
        """
        wanted = list(dict.fromkeys(features))
        endpoints = list(dict.fromkeys(e for f in wanted for e in FEATURE_ENDPOINTS.get(f, ())))
        results = await asyncio.gather(
            *(self._read_endpoint(vehicle_id, e) for e in endpoints), return_exceptions=True
        )
        outcomes: dict[str, Mapping[str, _Field] | ProviderError] = {}
        failures: list[CommunicationError] = []
        for endpoint, result in zip(endpoints, results, strict=True):
            if isinstance(result, CommunicationError):
                failures.append(result)
                outcomes[endpoint] = _failed_transfer(result)
            elif isinstance(result, ProviderError) or not isinstance(result, BaseException):
                outcomes[endpoint] = result
            else:
                raise result  # the token callable's own errors, cancellation
        if failures and len(failures) == len(endpoints):
            raise failures[0]
        snapshot = Snapshot()
        for feature in wanted:
            _read_feature(feature, outcomes, snapshot)
        return snapshot

    async def async_command(self, vehicle_id: str, command: Command, **params: float) -> None:
        """Send a command; raise ProviderError unless Volvo says the car does or did it."""
        if command not in COMMANDS:
            raise ProviderError(
                ErrorDetails(
                    provider=PROVIDER,
                    kind=ErrorKind.UNSUPPORTED,
                    type="NOT_SUPPORTED",
                    code=str(command),
                    description=f"Volvo's API has no {command} command.",
                )
            )
        path = COMMANDS[command][1]
        body = (
            {"runtimeMinutes": ENGINE_RUNTIME_MINUTES} if command is Command.START_ENGINE else None
        )
        result = await self._request(
            lambda api: api.async_execute_command(path, body, vehicle_id), command=True
        )
        status = getattr(result, "invoke_status", None)
        if not isinstance(status, str):
            raise _unexpected(TypeError("no invokeStatus"))
        outcome = INVOKE_STATUSES.get(status.upper(), UNKNOWN_INVOKE_STATUS)
        if outcome is None:
            return
        kind, reason = outcome
        answer = _ANSWER.get()
        message = getattr(result, "message", None)
        raise ProviderError(
            ErrorDetails(
                provider=PROVIDER,
                kind=kind,
                type="INVOKE_STATUS",
                code=status,
                status=None if answer is None else answer.status,
                reason=reason,
                description=message if isinstance(message, str) and message else None,
            )
        )

    async def _read_endpoint(self, vehicle_id: str, endpoint: str) -> Mapping[str, _Field]:
        read = ENDPOINTS[endpoint]
        answer = await self._request(lambda api: read(api, vehicle_id))
        return _fields(answer)

    async def _request[T](
        self, call: Callable[[VolvoCarsApi], Awaitable[T]], *, command: bool = False
    ) -> T:
        """Call the library; raise its failures as ApiError, and a 404 (that it hides) as one."""
        _ANSWER.set(None)
        try:
            result = await call(self._api)
        except _TokenError as failure:
            token_error = failure.error
        except VolvoApiException as err:
            raise _api_error(err, command=command) from err
        except Exception as err:
            # A body the library could not parse, whatever it raised on it (KeyError, TypeError,
            # UnicodeDecodeError, RecursionError, ...): still an error when the status says so (a
            # 404 it turned into an empty answer, an error body of another shape than Volvo's).
            answer = _ANSWER.get()
            if answer is not None and answer.status >= 400:
                raise _provider_error(
                    answer.status, answer.headers, answer.body, command=command
                ) from err
            raise _unexpected(err) from err
        else:
            if not_found := _not_found():
                raise not_found
            return result
        raise token_error  # outside the handler, so it goes on exactly as the callable raised it


# The answer to the library's last request in this task: status and body (for Volvo's words).
@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


_ANSWER: ContextVar[_Answer | None] = ContextVar("volvo_answer", default=None)


class _LibrarySession:
    """What the library calls of a session: retargets Volvo's API, times out, keeps the answer."""

    def __init__(
        self, session: aiohttp.ClientSession, api: str, timeout: aiohttp.ClientTimeout
    ) -> None:
        self._session = session
        self._api = api
        self._timeout = timeout

    def request(
        self, method: str, url: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """The session's request, at our origin and with our timeout."""
        if url.startswith(VOLVO_API_ORIGIN):
            url = self._api + url.removeprefix(VOLVO_API_ORIGIN)
        kwargs["timeout"] = self._timeout
        return _kept(self._session.request(method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """A GET, like request."""
        return self.request("GET", url, **kwargs)


@asynccontextmanager
async def _kept(
    request: AbstractAsyncContextManager[aiohttp.ClientResponse],
) -> AsyncIterator[aiohttp.ClientResponse]:
    """The response, read at once (the library reads it again from the cache) and kept."""
    async with request as response:
        _ANSWER.set(_Answer(response.status, response.headers, await response.read()))
        yield response


class _TokenError(Exception):
    """Carries the token callable's error past the library, which would wrap aiohttp's errors."""

    def __init__(self, error: Exception) -> None:
        super().__init__(type(error).__name__)
        self.error = error


class _TokenManager(AccessTokenManager):
    """The library's token source: the caller's access_token callable."""

    def __init__(
        self, session: aiohttp.ClientSession, access_token: Callable[[], Awaitable[str]]
    ) -> None:
        super().__init__(session)
        self._access_token = access_token

    async def async_get_access_token(self) -> str:
        """A valid access token from the callable."""
        try:
            return await self._access_token()
        except Exception as err:
            raise _TokenError(err) from err


def _api_error(err: VolvoApiException, *, command: bool) -> ApiError:
    """The library's exception as a ProviderError, from the HTTP answer on its cause."""
    cause, answer = err.__cause__, _ANSWER.get()
    if not isinstance(cause, aiohttp.ClientResponseError) or cause.status < 400 or answer is None:
        # A transport failure or timeout, or a success that is not JSON.
        return CommunicationError(f"Volvo request failed: {err.message or type(cause).__name__}")
    return _provider_error(cause.status, cause.headers or {}, answer.body, command=command)


def _not_found() -> ProviderError | None:
    """The 404 the library answered as {} (its body kept by the session wrapper), if it was one."""
    answer = _ANSWER.get()
    if answer is None or answer.status != HTTPStatus.NOT_FOUND:
        return None
    return _provider_error(answer.status, answer.headers, answer.body, command=False)


def _provider_error(
    status: int, headers: Mapping[str, str], body: bytes, *, command: bool
) -> ProviderError:
    """Volvo's answer (status, headers, `{"error": {message, description}}`) as a ProviderError."""
    message, description = _volvo_words(body)
    quota = "quota" in f"{message} {description}".lower()
    qualifier = QUOTA if quota else COMMAND if command else None
    kind = ERROR_KINDS.get(
        (status, qualifier), ERROR_KINDS.get((status, None), ErrorKind.TRANSIENT)
    )
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if quota and (replenished := REPLENISHED_IN.search(description or "")):
        hours, minutes, seconds = (int(part) for part in replenished.groups())
        retry_after = hours * 3600 + minutes * 60 + seconds
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=kind,
            type=message or _status_name(status),
            code=QUOTA if quota else None,
            status=status,
            description=description,
            request_id=headers.get("vcc-api-operationId"),
            retry_after=retry_after,
        )
    )


def _volvo_words(body: bytes) -> tuple[str | None, str | None]:
    """Volvo's error message and description, where the body has them."""
    try:
        parsed = json.loads(body)
    except ValueError, RecursionError:
        return None, None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return None, None
    message, description = error.get("message"), error.get("description")
    return (
        message if isinstance(message, str) and message else None,
        description if isinstance(description, str) and description else None,
    )


def _status_name(status: int) -> str:
    try:
        return HTTPStatus(status).name
    except ValueError:
        return f"HTTP_{status}"


def _no_data() -> ProviderError:
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=ErrorKind.UNSUPPORTED,
            type="NO_DATA",
            description="Volvo answered without the data this needs.",
        )
    )


def _unexpected(err: Exception) -> CommunicationError:
    return CommunicationError(f"Volvo answered in an unexpected shape ({type(err).__name__})")


def _failed_transfer(err: CommunicationError) -> ProviderError:
    """A transport failure or unreadable answer of one endpoint, for the features reading it."""
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER, kind=ErrorKind.TRANSIENT, type="COMMUNICATION", description=str(err)
        )
    )


# Reading the answers: every field as (value, unit, when the car recorded it).
@dataclass(frozen=True)
class _Field:
    value: Any
    unit: Any = None
    at: datetime | None = None


def _fields(answer: Mapping[str, object]) -> dict[str, _Field]:
    """An endpoint's answer as fields; a location becomes latitude, longitude and heading."""
    result: dict[str, _Field] = {}
    for name, item in answer.items():
        if isinstance(item, VolvoCarsLocation):
            result |= _location_fields(item)
        elif isinstance(item, VolvoCarsValueField):
            # The library parses `timestamp`, and keeps Energy's `updatedAt` as `updated_at`.
            at = _time(item.timestamp) or _time(item.get("updated_at"))
            result[name] = _Field(item.value, item.unit, at)
    return result


def _location_fields(location: VolvoCarsLocation) -> dict[str, _Field]:
    """GeoJSON's [longitude, latitude, altitude?] and the heading, at the location's time.

    The library keeps a `properties` or `geometry` that is no object as it came (or None for an
    empty one): what they should hold is then unknown.
    """
    properties = location.properties
    at = _time(getattr(properties, "timestamp", None))
    coordinates = getattr(location.geometry, "coordinates", None)
    longitude, latitude = [*(coordinates if isinstance(coordinates, list) else []), None, None][:2]
    return {
        "latitude": _Field(latitude, at=at),
        "longitude": _Field(longitude, at=at),
        "heading": _Field(getattr(properties, "heading", None), at=at),
    }


def _time(value: object) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) and value.tzinfo else None


class _Reader:
    """One feature's view of the endpoint answers; keeps when the fields it read were recorded."""

    def __init__(self, answers: Mapping[str, Mapping[str, _Field]]) -> None:
        self._answers = answers
        self.times: list[datetime] = []

    def field(self, endpoint: str, name: str) -> _Field:
        field = self._answers.get(endpoint, {}).get(name) or _Field(None)
        if field.at is not None:
            self.times.append(field.at)
        return field

    def value(self, endpoint: str, name: str) -> Any:
        return self.field(endpoint, name).value

    def values(self, endpoint: str, suffix: str) -> list[Any]:
        """The values of every field whose name ends with suffix (frontLeftDoor, ...Door)."""
        names = [name for name in self._answers.get(endpoint, {}) if name.endswith(suffix)]
        return [self.value(endpoint, name) for name in names]


def _read_feature(
    feature: Feature,
    outcomes: Mapping[str, Mapping[str, _Field] | ProviderError],
    snapshot: Snapshot,
) -> None:
    """One feature into snapshot: its reading and when the car recorded it, or its error."""
    answers: dict[str, Mapping[str, _Field]] = {}
    missing: ProviderError | None = None
    for endpoint in FEATURE_ENDPOINTS.get(feature, ()):
        outcome = outcomes[endpoint]
        if not isinstance(outcome, ProviderError):
            answers[endpoint] = outcome
        elif outcome.kind is ErrorKind.UNSUPPORTED:
            missing = missing or outcome
        else:
            snapshot.errors[feature] = outcome
            return
    reader = _Reader(answers)
    parsed = PARSERS[feature](reader) if feature in PARSERS else None
    reading = None if parsed is None else checked(parsed)
    if reading is None:
        snapshot.errors[feature] = missing or _no_data()
        return
    snapshot.readings[feature] = reading
    if reader.times:
        snapshot.recorded_at[feature] = max(reader.times)


def _unit(field: _Field) -> str:
    return field.unit.lower() if isinstance(field.unit, str) else ""


def _km(field: _Field) -> float | None:
    distance = real(field.value)
    if distance is not None and _unit(field) in ("mi", "mile", "miles"):
        return round(distance * KM_PER_MILE, 1)
    return distance


def _kw(field: _Field) -> float | None:
    """Charging power in kW; Volvo gives watts."""
    power = real(field.value)
    if power is None or _unit(field) in ("kw", "kilowatt", "kilowatts"):
        return power
    return power / 1000


def _heading(value: object) -> float | None:
    """The location's heading: Volvo sends the number as a string ("90")."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    return real(value)


def _any_open(values: Sequence[object]) -> bool | None:
    """Whether any opening is open or ajar; None when none reports a known status."""
    known = [state for value in values if (state := choice(value, OPENINGS)) is not None]
    return any(known) if known else None


def _warning(value: object) -> bool | None:
    """NO_WARNING is no problem, UNSPECIFIED unknown, any other value a problem."""
    if not isinstance(value, str) or value in UNKNOWN_VALUES:
        return None
    return value != "NO_WARNING"


def _any_warning(values: Sequence[object]) -> bool | None:
    known = [state for state in map(_warning, values) if state is not None]
    return any(known) if known else None


def _security(r: _Reader) -> Security:
    return Security(
        locked=choice(r.value(DOORS, "centralLock"), LOCKS),
        doors_open=_any_open(r.values(DOORS, "Door")),
        windows_open=_any_open(r.values(WINDOWS, "Window")),
        trunk_open=choice(r.value(DOORS, "tailgate"), OPENINGS),
        charging_port_open=None,
        hood_open=choice(r.value(DOORS, "hood"), OPENINGS),
        sunroof_open=choice(r.value(WINDOWS, "sunroof"), OPENINGS),
    )


def _charge(r: _Reader) -> Charge:
    status = r.value(ENERGY, "chargingStatus")
    state = None
    if isinstance(status, str) and status not in UNKNOWN_VALUES:
        state = CHARGING_STATES.get(status, ChargingState.NOT_CHARGING)
    return Charge(
        plugged_in=choice(r.value(ENERGY, "chargerConnectionStatus"), CONNECTIONS),
        state=state,
        power=_kw(r.field(ENERGY, "chargingPower")),
        minutes_to_full=real(r.value(ENERGY, "estimatedChargingTimeToTargetBatteryChargeLevel")),
        type=choice(r.value(ENERGY, "chargingType"), CHARGING_TYPES),
    )


def _location(r: _Reader) -> Location | None:
    latitude, longitude = (
        real(r.value(LOCATION, "latitude")),
        real(r.value(LOCATION, "longitude")),
    )
    if latitude is None or longitude is None:
        return None
    return Location(latitude, longitude, heading=_heading(r.value(LOCATION, "heading")))


def _tire_warnings(r: _Reader) -> TireWarnings:
    return TireWarnings(
        front_left=_warning(r.value(TYRES, "frontLeft")),
        front_right=_warning(r.value(TYRES, "frontRight")),
        rear_left=_warning(r.value(TYRES, "rearLeft")),
        rear_right=_warning(r.value(TYRES, "rearRight")),
    )


def _warnings(r: _Reader) -> Warnings:
    return Warnings(
        service_due=_warning(r.value(DIAGNOSTICS, "serviceWarning")),
        washer_fluid_low=_warning(r.value(DIAGNOSTICS, "washerFluidLevelWarning")),
        bulb_failure=_any_warning(r.values(WARNINGS, "Warning")),
        brake_fluid_low=_warning(r.value(BRAKES, "brakeFluidLevelWarning")),
        oil_level_low=_warning(r.value(ENGINE, "oilLevelWarning")),
        coolant_level_low=_warning(r.value(ENGINE, "engineCoolantLevelWarning")),
    )


PARSERS: dict[Feature, Callable[[_Reader], Reading | None]] = {
    Feature.SECURITY: _security,
    Feature.BATTERY: lambda r: Battery(
        level=real(r.value(ENERGY, "batteryChargeLevel")),
        range=_km(r.field(ENERGY, "electricRange")),
    ),
    Feature.CHARGE: _charge,
    Feature.CHARGE_LIMIT: lambda r: ChargeLimit(
        limit=real(r.value(ENERGY, "targetBatteryChargeLevel"))
    ),
    Feature.FUEL: lambda r: Fuel(
        level=None,  # Volvo gives litres and range, not the tank's percentage
        range=_km(r.field(STATISTICS, "distanceToEmptyTank")),
        amount=real(r.value(FUEL, "fuelAmount")),
    ),
    Feature.ODOMETER: lambda r: Odometer(distance=_km(r.field(ODOMETER, "odometer"))),
    Feature.LOCATION: _location,
    Feature.ENGINE: lambda r: Engine(
        running=choice(r.value(ENGINE_STATUS, "engineStatus"), ENGINE_STATUSES)
    ),
    Feature.TIRE_WARNINGS: _tire_warnings,
    Feature.WARNINGS: _warnings,
}
