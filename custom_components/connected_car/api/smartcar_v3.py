"""Smartcar API v3: IAM app tokens, Connect for the user, connections, signals and commands.

A v3 application has two credentials here (see the v3 reference): its API credential (a client
id starting `client_` and a secret) gets an app token from IAM, good for an hour for every user
and car of the application, with no refresh token; its Application ID (a UUID) is the client_id
Connect takes, and Connect's redirect names the user (`user_id`) whom every later call names in
`sc-user-id`. Connect's code is worth nothing in v3. Errors keep v2's types and codes, and v2's
table of what they mean (ERROR_KINDS in smartcar.py); v3 words them as `title` and `detail`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
import hashlib
from http import HTTPStatus
import json
import math
import time
from typing import Any, Literal, Protocol

import aiohttp
from yarl import URL

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
    BatteryCapacity,
    Charge,
    ChargeLimit,
    ChargingState,
    ChargingType,
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
from .smartcar import (
    COMMAND_PERMISSIONS as V2_COMMAND_PERMISSIONS,
    FEATURE_PERMISSIONS,
    _display_make,
    error_kind,
    refusal_reason,
)

PROVIDER = "smartcar_v3"
API_VERSION = "v3"
V3_CLIENT_ID_PREFIX = "client_"
# An app token is renewed this long before it expires (it lasts an hour).
RENEW_BEFORE = 300.0
REQUEST_TIMEOUT = 30.0
# A command that runs long answers 202 and holds the connection open until its outcome (Smartcar
# documents about 175 s; its node SDK waits 310 s).
COMMAND_TIMEOUT = 330.0
# Paging: no list is followed further than this, whatever its links say.
MAX_PAGES = 50
CONNECTIONS_PAGE_SIZE = 100
CHARGE_LIMIT_MIN, CHARGE_LIMIT_MAX = 50, 100
KM_PER_MILE = 1.609344
LITRES_PER_GALLON = 3.785411784
KPA_PER_PSI = 6.894757
KPA_PER_BAR = 100.0
# One live capture labels kPa as bar (258 "bar"): a "bar" value above this is kPa already.
MAX_TIRE_BAR = 20.0


@dataclass(frozen=True)
class SmartcarV3Origins:
    """One origin per Smartcar v3 host; the simulator serves each under a path prefix."""

    connect: str = "https://connect.smartcar.com"
    iam: str = "https://iam.smartcar.com"
    api: str = "https://vehicle.api.smartcar.com"
    management: str = "https://management.api.smartcar.com"

    @classmethod
    def simulator(cls, base_url: str) -> SmartcarV3Origins:
        """The origins of the local simulator at base_url."""
        base = base_url.rstrip("/")
        return cls(
            connect=f"{base}/smartcar/connect",
            iam=f"{base}/smartcar/iam",
            api=f"{base}/smartcar/vehicle",
            management=f"{base}/smartcar/management",
        )

    @property
    def authorize_url(self) -> str:
        """Smartcar Connect's authorize endpoint."""
        return f"{self.connect}/oauth/authorize"

    @property
    def token_url(self) -> str:
        """IAM's token endpoint (client credentials)."""
        return f"{self.iam}/oauth2/token"


# Feature -> the signals it reads, its main signal first (its error speaks for the feature).
BATTERY_LEVEL, BATTERY_RANGE = "tractionbattery-stateofcharge", "tractionbattery-range"
NOMINAL_CAPACITY = "tractionbattery-nominalcapacity"
CABLE, CHARGING_STATUS, IS_CHARGING = (
    "charge-ischargingcableconnected",
    "charge-detailedchargingstatus",
    "charge-ischarging",
)
WATTAGE, TIME_TO_COMPLETE, FAST_CHARGER = (
    "charge-wattage",
    "charge-timetocomplete",
    "charge-isfastchargerpresent",
)
VOLTAGE, AMPERAGE, CHARGE_RATE = "charge-voltage", "charge-amperage", "charge-chargerate"
CHARGE_LIMITS = "charge-chargelimits"
FUEL_LEVEL, FUEL_RANGE, FUEL_AMOUNT = (
    "internalcombustionengine-fuellevel",
    "internalcombustionengine-range",
    "internalcombustionengine-amountremaining",
)
OIL_LIFE = "internalcombustionengine-oillife"
TIRES, ODOMETER, LOCATION = "wheel-tires", "odometer-traveleddistance", "location-preciselocation"
IS_LOCKED, DOORS, WINDOWS = "closure-islocked", "closure-doors", "closure-windows"
REAR_TRUNK, FRONT_TRUNK = "closure-reartrunk", "closure-fronttrunk"
SUNROOF, ENGINE_COVER = "closure-sunroof", "closure-enginecover"
CHARGE_PORT_FLAP = "charge-ischargingportflapopen"
VIN = "vehicleidentification-vin"
FEATURE_SIGNALS: dict[Feature, tuple[str, ...]] = {
    Feature.BATTERY: (BATTERY_LEVEL, BATTERY_RANGE),
    Feature.BATTERY_CAPACITY: (NOMINAL_CAPACITY,),
    Feature.CHARGE: (
        CABLE,
        CHARGING_STATUS,
        IS_CHARGING,
        WATTAGE,
        TIME_TO_COMPLETE,
        FAST_CHARGER,
        VOLTAGE,
        AMPERAGE,
        CHARGE_RATE,
    ),
    Feature.CHARGE_LIMIT: (CHARGE_LIMITS,),
    Feature.FUEL: (FUEL_LEVEL, FUEL_RANGE, FUEL_AMOUNT),
    Feature.TIRES: (TIRES,),
    Feature.ODOMETER: (ODOMETER,),
    Feature.ENGINE_OIL: (OIL_LIFE,),
    Feature.LOCATION: (LOCATION,),
    Feature.SECURITY: (
        IS_LOCKED,
        DOORS,
        WINDOWS,
        REAR_TRUNK,
        FRONT_TRUNK,
        SUNROOF,
        ENGINE_COVER,
        CHARGE_PORT_FLAP,
    ),
}
COMMAND_PATHS: dict[Command, str] = {
    Command.LOCK: "/commands/security/lock",
    Command.UNLOCK: "/commands/security/unlock",
    Command.START_CHARGING: "/commands/charge/start",
    Command.STOP_CHARGING: "/commands/charge/stop",
    Command.SET_CHARGE_LIMIT: "/commands/charge/set-limit",
    Command.SEND_DESTINATION: "/commands/navigation/set-destination",
    Command.OPEN_CHARGE_PORT: "/commands/charge-port/open",
    Command.CLOSE_CHARGE_PORT: "/commands/charge-port/close",
}
COMMAND_PERMISSIONS: dict[Command, str] = {
    **V2_COMMAND_PERMISSIONS,
    Command.OPEN_CHARGE_PORT: "control_charge",
    Command.CLOSE_CHARGE_PORT: "control_charge",
}
# Commands only a car with a plug takes; offered to every car whose powertrain is not known.
PLUG_COMMANDS = frozenset(
    {
        Command.START_CHARGING,
        Command.STOP_CHARGING,
        Command.SET_CHARGE_LIMIT,
        Command.OPEN_CHARGE_PORT,
        Command.CLOSE_CHARGE_PORT,
    }
)
PLUG_IN_POWERTRAINS = frozenset({"BEV", "PHEV"})
CHARGING_STATES = {state.name: state for state in ChargingState}
# The type of an error that names none, by the HTTP status v2's table gives each type.
STATUS_TYPES = {
    400: "VALIDATION",
    401: "AUTHENTICATION",
    403: "PERMISSION",
    404: "RESOURCE_NOT_FOUND",
    409: "VEHICLE_STATE",
    429: "RATE_LIMIT",
    430: "BILLING",
    500: "SERVER",
    501: "COMPATIBILITY",
    502: "UPSTREAM",
}


def looks_like_v3_client_id(client_id: str) -> bool:
    """Whether a client id has the form of a v3 API credential (`client_...`, not a UUID).

    Smartcar does not document the prefix; `async_api_version` asks IAM, which is definitive.
    """
    return client_id.startswith(V3_CLIENT_ID_PREFIX)


async def async_api_version(
    session: aiohttp.ClientSession,
    client_id: str,
    client_secret: str,
    origins: SmartcarV3Origins | None = None,
) -> Literal["v2", "v3"]:
    """Tell a v3 API credential from a v2 one: IAM grants an app token (200) only to v3.

    IAM refusing the credential means v2; any other failure (IAM down) is raised.
    """
    try:
        await AppToken(session, client_id, client_secret, origins=origins).async_get()
    except ApplicationCredentialsError:
        return "v2"
    return "v3"


def connect_url(
    application_id: str,
    redirect_uri: str,
    scope: Iterable[str],
    state: str,
    *,
    mode: Literal["live", "simulated"] = "live",
    origins: SmartcarV3Origins | None = None,
    **options: str,
) -> str:
    """Smartcar Connect's URL for a v3 application: its Application ID is the client_id.

    options adds Connect's other parameters (approval_prompt, make, single_select, ...).
    """
    if looks_like_v3_client_id(application_id):
        raise ValueError("Connect takes the Application ID, not the API client id (client_...)")
    query = {
        "response_type": "code",
        "client_id": application_id,
        "redirect_uri": redirect_uri,
        "scope": " ".join(scope),
        "state": state,
        "mode": mode,
        **options,
    }
    return str(URL((origins or SmartcarV3Origins()).authorize_url).with_query(query))


def user_id_from_redirect(params: Mapping[str, str]) -> str | None:
    """The Smartcar user of Connect's redirect (`user_id`, some docs spell `userId`); the code of
    the redirect is not needed in v3."""
    for name in ("user_id", "userId"):
        if value := params.get(name, "").strip():
            return value
    return None


class ApplicationCredentialsError(ProviderError):
    """IAM refuses the application's API credential (401 invalid_client, 400 invalid_request).

    Its kind is APPLICATION_CREDENTIALS: whoever set up the application must fix its client id
    or secret; no login of the user helps.
    """


class AppToken:
    """The app token of one v3 application: fetched once however many callers ask at a time,
    shared by every car and entry of the application, renewed RENEW_BEFORE seconds before it
    expires by the first caller after that."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        origins: SmartcarV3Origins | None = None,
        clock: Callable[[], float] = time.monotonic,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """Ask IAM at origins (Smartcar's by default) with session; clock measures expiry."""
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._token_url = (origins or SmartcarV3Origins()).token_url
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    async def async_get(self) -> str:
        """A valid app token: the cached one, or a new one from IAM when it is due."""
        async with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = await self._fetch()
                self._renew_at = self._clock() + max(lifetime - RENEW_BEFORE, lifetime / 2)
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget the token (the API refused it early); a token another caller renewed stays."""
        if token is None or token == self._token:
            self._token = None

    async def _fetch(self) -> tuple[str, float]:
        payload = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        status, body, headers = await _send(
            self._session,
            "POST",
            self._token_url,
            headers={},
            payload=payload,
            time_limit=self._timeout,
            host="IAM",
        )
        if status != 200:
            raise _iam_error(body, status, headers)
        if not isinstance(body, dict):
            raise CommunicationError("Smartcar IAM answered in an unexpected shape")
        token, token_type = body.get("access_token"), body.get("token_type")
        lifetime = _number(body.get("expires_in"), 1)
        if not (token and isinstance(token, str)) or str(token_type).lower() != "bearer":
            raise CommunicationError("Smartcar IAM answered without a bearer token")
        return token, 3600.0 if lifetime is None else lifetime


class AppTokenSource(Protocol):
    """Where a client gets the app token (AppToken, or its keeper in Home Assistant)."""

    async def async_get(self) -> str:
        """A valid app token."""
        ...

    def invalidate(self, token: str | None = None) -> None:
        """The API refused token before it expired."""
        ...


class AppTokenCache:
    """One AppToken per application (client id and secret at one IAM), for all who ask."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Start empty; clock measures the tokens' expiry."""
        self._clock = clock
        self._tokens: dict[tuple[str, str, str], AppToken] = {}

    def get(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        origins: SmartcarV3Origins | None = None,
    ) -> AppToken:
        """The application's AppToken, made on first use with session and origins."""
        origins = origins or SmartcarV3Origins()
        secret_hash = hashlib.sha256(client_secret.encode()).hexdigest()
        key = (client_id, secret_hash, origins.token_url)
        if key not in self._tokens:
            self._tokens[key] = AppToken(
                session, client_id, client_secret, origins=origins, clock=self._clock
            )
        return self._tokens[key]


@dataclass(frozen=True)
class Connection:
    """A user's approval of one car for the application: the car and what was granted."""

    id: str
    vehicle_id: str
    user_id: str
    make: str
    model: str
    year: int
    powertrain: str | None  # BEV, PHEV, ICE, ...
    mode: str | None  # live or simulated
    permissions: frozenset[str]


class SmartcarV3Client:
    """One Smartcar user's cars through the Vehicle API v3, over an injected aiohttp session."""

    feature_permissions: Mapping[Feature, str] = FEATURE_PERMISSIONS
    command_permissions: Mapping[Command, str] = COMMAND_PERMISSIONS
    optional_fields = frozenset(
        {
            "security.charging_port_open",
            "security.hood_open",
            "security.sunroof_open",
            "security.front_trunk_open",
            "charge.power",
            "charge.minutes_to_full",
            "charge.type",
            "charge.voltage",
            "charge.current",
            "charge.rate",
            "location.heading",
        }
    )
    batched = True  # one request reads every signal of a car

    def __init__(
        self,
        session: aiohttp.ClientSession,
        app_token: AppTokenSource,
        user_id: str,
        *,
        origins: SmartcarV3Origins | None = None,
        mode: Literal["live", "simulated"] = "live",
        request_timeout: float = REQUEST_TIMEOUT,
        command_timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        """Act for user_id (from Connect's redirect) with the application's app_token."""
        self._session = session
        self._token = app_token
        self._user_id = user_id
        self._base = f"{(origins or SmartcarV3Origins()).api}/{API_VERSION}"
        self._management = f"{(origins or SmartcarV3Origins()).management}/{API_VERSION}"
        self._mode = mode
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._command_timeout = aiohttp.ClientTimeout(total=command_timeout)
        self._connections: dict[str, Connection] | None = None

    async def async_get_account_id(self) -> str:
        """The Smartcar user id: stable for one account, so it identifies the config entry."""
        return self._user_id

    async def async_get_connections(self) -> list[Connection]:
        """The user's connections (of the client's mode), reading every page."""
        found: dict[str, Connection] = {}
        for number in range(1, MAX_PAGES + 1):
            query = {
                "filter[userId]": self._user_id,
                "filter[vehicle.mode]": self._mode,
                "page[number]": str(number),
                "page[size]": str(CONNECTIONS_PAGE_SIZE),
            }
            body = await self._request("GET", URL(f"{self._base}/connections").with_query(query))
            with expected_shape("Smartcar"):
                page = [_connection(item) for item in _list(body["data"])]
                links, meta = _object(body.get("links")), _object(body.get("meta"))
            new = {c.id: c for c in page if c.id not in found}
            found.update(new)
            total = _number(meta.get("totalCount"), 0)
            if not new or not links.get("next") or (total is not None and len(found) >= total):
                break
        mine = [c for c in found.values() if c.user_id == self._user_id]
        self._connections = {c.vehicle_id: c for c in mine}
        return list(self._connections.values())

    async def async_get_vehicle_ids(self) -> list[str]:
        """Every car the user connected to the application."""
        return [c.vehicle_id for c in await self.async_get_connections()]

    async def async_get_vehicle(self, vehicle_id: str) -> Vehicle:
        """The car's make, model and year (free, from its connection), and its VIN where the
        grant allows (one signal read)."""
        connection = await self._connection(vehicle_id)
        vin = await self._vin(vehicle_id) if "read_vin" in connection.permissions else None
        return Vehicle(
            id=vehicle_id,
            make=_display_make(connection.make),
            model=connection.model,
            year=connection.year,
            vin=vin,
        )

    async def async_get_permissions(self, vehicle_id: str) -> set[str]:
        """The permissions the user actually granted for this car (its connection's)."""
        return set((await self._connection(vehicle_id)).permissions)

    async def async_get_commands(self, vehicle_id: str, permissions: set[str]) -> set[Command]:
        """The commands the grant allows; charging ones only for a car with a plug."""
        connection = await self._connection(vehicle_id)
        allowed = {c for c, permission in COMMAND_PERMISSIONS.items() if permission in permissions}
        if connection.powertrain and connection.powertrain.upper() not in PLUG_IN_POWERTRAINS:
            allowed -= PLUG_COMMANDS
        return allowed

    async def async_read(self, vehicle_id: str, features: Iterable[Feature]) -> Snapshot:
        """Read features with ONE signals request (following its pages); a signal in error only
        spoils the fields it feeds. An empty store (a car never subscribed) is an empty read."""
        wanted = [f for f in dict.fromkeys(features) if f in FEATURE_SIGNALS]
        if not wanted:
            return Snapshot()
        signals = await self._signals(vehicle_id)
        snapshot = Snapshot()
        for feature in wanted:
            _read_feature(feature, signals, snapshot)
        return snapshot

    async def async_command(self, vehicle_id: str, command: Command, **params: float) -> None:
        """Send a command; raise ProviderError unless Smartcar says the car did it.

        A 202 (a command running long) holds the answer until the outcome: both 200 and 202 are
        read for it.
        """
        path = COMMAND_PATHS.get(command)
        if path is None:
            raise _refused(ErrorKind.UNSUPPORTED, "NOT_SUPPORTED", f"Smartcar v3 has no {command}.")
        payload = _command_body(command, params)
        body = await self._request(
            "POST",
            URL(f"{self._base}/vehicles/{vehicle_id}{path}"),
            payload,
            user=True,
            time_limit=self._command_timeout,
        )
        _command_outcome(body)

    async def async_subscribe(self, vehicle_id: str, webhook_id: str) -> None:
        """Send the car's changes to the application's webhook: the Management API's
        `POST /subscriptions` (202: on its way; 409: it is subscribed already)."""
        attributes = {"webhookId": webhook_id, "userId": self._user_id, "vehicleId": vehicle_id}
        try:
            await self._manage("POST", "/subscriptions", {"data": {"attributes": attributes}})
        except ProviderError as err:
            if err.details.status != HTTPStatus.CONFLICT:
                raise

    async def async_unsubscribe(self, vehicle_id: str, webhook_id: str) -> None:
        """Stop them: find the car's subscriptions to the webhook and delete each."""
        query = {
            "filter[webhookId]": webhook_id,
            "filter[vehicleId]": vehicle_id,
            "filter[userId]": self._user_id,
        }
        body = await self._manage("GET", "/subscriptions", query=query)
        with expected_shape("Smartcar"):
            ids = [_string(_object(item)["id"]) for item in _list(_object(body).get("data"))]
        for subscription_id in ids:
            await self._manage("DELETE", f"/subscriptions/{subscription_id}")

    async def _manage(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        """One Management API call with the app token (renewed once when refused early); an
        answer with no body (a delete) is None."""
        url = URL(f"{self._management}{path}").with_query(query or {})
        token = await self._token.async_get()
        try:
            return await self._managed(method, url, token, payload)
        except ProviderError as err:
            if err.kind is not ErrorKind.AUTHENTICATION:
                raise
        self._token.invalidate(token)
        return await self._managed(method, url, await self._token.async_get(), payload)

    async def _managed(
        self, method: str, url: URL, token: str, payload: Mapping[str, Any] | None
    ) -> Any:
        status, body, headers = await _send(
            self._session,
            method,
            url,
            headers=_bearer(token),
            payload=payload,
            time_limit=self._timeout,
            host="Management API",
        )
        if status >= 400:
            raise _provider_error(body, status, headers)
        return body

    async def _connection(self, vehicle_id: str) -> Connection:
        if self._connections is None or vehicle_id not in self._connections:
            await self.async_get_connections()
        connections = self._connections or {}
        if vehicle_id not in connections:
            raise _refused(
                ErrorKind.PERMISSION, "PERMISSION", "The user has not connected this car."
            )
        return connections[vehicle_id]

    async def _vin(self, vehicle_id: str) -> str | None:
        try:
            body = await self._request(
                "GET", URL(f"{self._base}/vehicles/{vehicle_id}/signals/{VIN}"), user=True
            )
        except ProviderError as err:
            if err.kind in (ErrorKind.PERMISSION, ErrorKind.UNSUPPORTED):
                return None
            raise
        with expected_shape("Smartcar"):
            signal = _signal(_object(body)["data"])
        value = None if signal.error else signal.body.get("value")
        return value if isinstance(value, str) and value.strip() else None

    async def _signals(self, vehicle_id: str) -> dict[str, _Signal]:
        """Every signal of the car's store, following `links.next` while pages bring new ones."""
        url = URL(f"{self._base}/vehicles/{vehicle_id}/signals")
        signals: dict[str, _Signal] = {}
        asked: set[URL] = set()
        for _ in range(MAX_PAGES):
            asked.add(url)
            body = await self._request("GET", url, user=True)
            with expected_shape("Smartcar"):
                page = [(_code(item), item) for item in _list(body["data"])]
                links = _object(body.get("links"))
            new = {code: _signal(item) for code, item in page if code not in signals}
            signals.update(new)
            following = self._follow(links.get("next"))
            if not new or following is None or following in asked:
                break
            url = following
        return signals

    def _follow(self, link: object) -> URL | None:
        """A `links.next` as a URL of our own API: its path below /v3 and its query.

        Links are absolute on Smartcar's host (or relative); the token never goes elsewhere.
        """
        if not isinstance(link, str) or not link:
            return None
        target = URL(link)
        path = target.path
        marker = f"/{API_VERSION}/"
        if marker in path:
            path = path[path.index(marker) + len(marker) - 1 :]
        return URL(f"{self._base}{path}").with_query(target.query)

    async def _request(
        self,
        method: str,
        url: URL,
        payload: Mapping[str, Any] | None = None,
        *,
        user: bool = False,
        time_limit: aiohttp.ClientTimeout | None = None,
    ) -> Any:
        """One API call with the app token; a token refused early is renewed once."""
        headers = {"SC-Unit-System": "metric"}
        if user:
            headers["sc-user-id"] = self._user_id
        time_limit = time_limit or self._timeout
        token = await self._token.async_get()
        try:
            return await self._call(method, url, headers | _bearer(token), payload, time_limit)
        except ProviderError as err:
            if err.kind is not ErrorKind.AUTHENTICATION:
                raise
        self._token.invalidate(token)
        token = await self._token.async_get()
        return await self._call(method, url, headers | _bearer(token), payload, time_limit)

    async def _call(
        self,
        method: str,
        url: URL,
        headers: dict[str, str],
        payload: Mapping[str, Any] | None,
        time_limit: aiohttp.ClientTimeout,
    ) -> Any:
        status, body, answer_headers = await _send(
            self._session, method, url, headers=headers, payload=payload, time_limit=time_limit
        )
        if status >= 400:
            raise _provider_error(body, status, answer_headers)
        if body is None:
            raise CommunicationError(f"Smartcar answered {status} with a body that is not JSON")
        return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _send(
    session: aiohttp.ClientSession,
    method: str,
    url: str | URL,
    *,
    headers: dict[str, str],
    payload: Mapping[str, Any] | None,
    time_limit: aiohttp.ClientTimeout,
    host: str = "API",
) -> tuple[int, Any, dict[str, str]]:
    """Send a request: (status, JSON body or None when it is not JSON, lowered headers)."""
    try:
        async with session.request(
            method, url, json=payload, headers=headers, timeout=time_limit
        ) as response:
            raw = await response.read()
            status = response.status
            answer_headers = {key.lower(): value for key, value in response.headers.items()}
    except (aiohttp.ClientError, TimeoutError) as err:
        raise CommunicationError(f"Smartcar {host} request failed: {type(err).__name__}") from err
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:  # not UTF-8 or not JSON
        body = None
    return status, body, answer_headers


def _iam_error(body: Any, status: int, headers: Mapping[str, str]) -> ProviderError:
    """IAM's OAuth error: the credential refused (its own class), or a passing failure."""
    words = _dict(body)
    code = words.get("error") if isinstance(words.get("error"), str) else None
    details = ErrorDetails(
        provider=PROVIDER,
        kind=ErrorKind.TRANSIENT,
        type="OAUTH",
        code=code,
        status=status,
        description=_text(words.get("error_description")),
        retry_after=parse_retry_after(headers.get("retry-after")),
    )
    if status in (400, 401, 403) or code == "invalid_client":
        return ApplicationCredentialsError(replace(details, kind=ErrorKind.APPLICATION_CREDENTIALS))
    if status == 429:
        return ProviderError(replace(details, kind=ErrorKind.RATE_LIMITED))
    return ProviderError(details)


def _error_object(body: Any) -> dict[str, Any] | None:
    """The error in a body: v3's flat object, or the first of JSON:API's `errors`."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("type"), str):
        return body
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return None


def _provider_error(body: Any, status: int, headers: Mapping[str, str]) -> ProviderError:
    """An error answer as a ProviderError; a body that names nothing keeps the HTTP status."""
    error = _error_object(body)
    return _error(error or {"code": "MALFORMED_RESPONSE"}, status, headers)


def _error(
    error: Mapping[str, Any], status: int | None, headers: Mapping[str, str]
) -> ProviderError:
    """Smartcar's error object; its own `status` wins over the HTTP one (a failed 202)."""
    status = _status(error.get("status")) or status
    error_type = error.get("type")
    if not isinstance(error_type, str):
        error_type = STATUS_TYPES.get(
            status or 0, "SERVER" if (status or 500) >= 500 else "UNKNOWN"
        )
    code = error.get("code") if isinstance(error.get("code"), str) else None
    resolution, links = _dict(error.get("resolution")), _dict(error.get("links"))
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=error_kind(error_type, code),
            type=error_type,
            code=code,
            status=status,
            reason=refusal_reason(error_type, code),
            description=_text(error.get("detail"))
            or _text(error.get("title"))
            or _text(error.get("description")),
            resolution_type=_text(resolution.get("type")),
            resolution_url=_text(resolution.get("url")),
            suggested_user_message=_text(error.get("suggestedUserMessage")),
            doc_url=_text(links.get("about")) or _text(error.get("docURL")),
            request_id=_text(_dict(error.get("meta")).get("requestId"))
            or headers.get("sc-request-id"),
            retry_after=parse_retry_after(headers.get("retry-after")),
        )
    )


def _refused(kind: ErrorKind, error_type: str, description: str) -> ProviderError:
    """An error of ours, raised before anything is sent."""
    return ProviderError(
        ErrorDetails(provider=PROVIDER, kind=kind, type=error_type, description=description)
    )


def _command_body(command: Command, params: Mapping[str, float]) -> dict[str, Any] | None:
    """A command's body, its parameters checked first: Smartcar would refuse what is wrong."""
    match command:
        case Command.SET_CHARGE_LIMIT:
            limit = _number(params.get("limit"), CHARGE_LIMIT_MIN, CHARGE_LIMIT_MAX)
            if limit is None:
                raise _invalid(
                    f"The charge limit must be {CHARGE_LIMIT_MIN} to {CHARGE_LIMIT_MAX} %."
                )
            return {"data": {"attributes": {"percent": round(limit)}}}
        case Command.SEND_DESTINATION:
            latitude = _number(params.get("latitude"), -90, 90)
            longitude = _number(params.get("longitude"), -180, 180)
            if latitude is None or longitude is None:
                raise _invalid("A destination needs a latitude and a longitude.")
            return {"data": {"attributes": {"latitude": latitude, "longitude": longitude}}}
        case _:
            return None


def _invalid(description: str) -> ProviderError:
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=ErrorKind.REFUSED,
            type="VALIDATION",
            code="PARAMETER",
            description=description,
        )
    )


def _command_outcome(body: Any) -> None:
    """Raise unless the command-execution body says SUCCESS (also the body of a 202)."""
    if (error := _error_object(body)) is not None:
        raise _error(error, None, {})
    with expected_shape("Smartcar"):
        status = _object(_object(_object(body)["data"])["attributes"])["status"]
        value = _object(status)["value"]
        if not isinstance(value, str):
            raise TypeError("status.value is not a string")
    if value.upper() == "SUCCESS":
        return
    failure = _dict(status.get("error"))
    if failure:
        raise _error(failure, None, {})
    raise ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=ErrorKind.REFUSED,
            type="COMMAND_STATUS",
            code=value,
            description=f"Smartcar reported the command as {value}.",
        )
    )


# The answer's parts: anything of another type than expected is a shape error (_expected_shape).
def _object(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{type(value).__name__} where an object belongs")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"{type(value).__name__} where a list belongs")
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{type(value).__name__} where a text belongs")
    return value


def _dict(value: Any) -> dict[str, Any]:
    """An object where one is hoped for, else empty: errors are read as far as they go."""
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _status(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _connection(item: Any) -> Connection:
    item = _object(item)
    attributes = _object(item["attributes"])
    vehicle = _object(attributes["vehicle"])
    relationships = _object(item.get("relationships"))
    vehicle_id = _object(_object(relationships["vehicle"])["data"])["id"]
    user = _object(_object(relationships.get("user")).get("data")) or _object(attributes["user"])
    year = vehicle["year"]
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError("year is not an integer")
    return Connection(
        id=_string(item["id"]),
        vehicle_id=_string(vehicle_id),
        user_id=_string(user["id"]),
        make=_string(vehicle["make"]),
        model=_string(vehicle["model"]),
        year=year,
        powertrain=_text(vehicle.get("powertrainType")),
        mode=_text(vehicle.get("mode")),
        permissions=frozenset(p for p in _list(attributes.get("permissions", [])) if _text(p)),
    )


@dataclass(frozen=True)
class _Signal:
    """One signal as read: its body (empty while in error), its error, when the car said so."""

    body: Mapping[str, Any]
    error: ProviderError | None
    at: datetime | None


def _code(item: Any) -> str:
    return _string(_object(_object(item)["attributes"])["code"])


def _signal(item: Any) -> _Signal:
    """A signal resource; a body beside an ERROR status is stale and left out."""
    item = _object(item)
    attributes = _object(item["attributes"])
    status = _dict(attributes.get("status"))
    value = status.get("value", "SUCCESS")
    if value == "SUCCESS":
        body = attributes.get("body")
        at = _time(_object(item.get("meta")).get("oemUpdatedAt"))
        return _Signal(_dict(body), None, at)
    failure = status.get("error")
    if isinstance(failure, dict):
        return _Signal({}, _error(failure, None, {}), None)
    unknown = {"type": "SIGNAL_STATUS", "code": str(value)}
    return _Signal({}, _error(unknown, None, {}), None)


def _time(value: Any) -> datetime | None:
    """A timestamp of the answer: ISO 8601 with a zone, epoch seconds or epoch milliseconds."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if moment.tzinfo else None
    seconds = _number(value, 0)
    if not seconds:
        return None
    if seconds > 1e11:  # in ms: 1e11 seconds lie in the year 5138
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except OverflowError, OSError, ValueError:
        return None


class _Reader:
    """One feature's view of the signals; keeps when the values it read were recorded."""

    def __init__(self, signals: Mapping[str, _Signal]) -> None:
        self._signals = signals
        self.times: list[datetime] = []

    def body(self, code: str) -> Mapping[str, Any]:
        """The signal's body, empty when it is missing or in error."""
        signal = self._signals.get(code)
        if signal is None or signal.error is not None:
            return {}
        if signal.at is not None:
            self.times.append(signal.at)
        return signal.body

    def value(self, code: str) -> Any:
        return self.body(code).get("value")


def _read_feature(feature: Feature, signals: Mapping[str, _Signal], snapshot: Snapshot) -> None:
    """One feature into snapshot: a reading and when the car recorded it, or an error.

    A feature none of whose signals the store holds is left out (no news). Otherwise, a feature
    with no valid value gets the error of its first signal in error: COMPATIBILITY is
    UNSUPPORTED, PERMISSION is PERMISSION; VEHICLE_STATE (NOT_CHARGING, say) only means the
    signal has no value now, so the table's passing kinds (REFUSED, UNREACHABLE) keep the last
    values. Values that fail their checks count as missing; if nothing else failed, the feature
    gets a TRANSIENT MALFORMED_RESPONSE.
    """
    present = [signals[code] for code in FEATURE_SIGNALS[feature] if code in signals]
    if not present:
        return
    reader = _Reader(signals)
    reading = PARSERS[feature](reader)
    if reading is not None and any(getattr(reading, f.name) is not None for f in fields(reading)):
        snapshot.readings[feature] = reading
        if reader.times:
            snapshot.recorded_at[feature] = max(reader.times)
        return
    errors = [signal.error for signal in present if signal.error is not None]
    snapshot.errors[feature] = errors[0] if errors else _error_of_values()


def _error_of_values() -> ProviderError:
    return ProviderError(
        ErrorDetails(
            provider=PROVIDER,
            kind=ErrorKind.TRANSIENT,
            type="SERVER",
            code="MALFORMED_RESPONSE",
            description="Smartcar sent values that fail their checks.",
        )
    )


# Values: a wrong type, a non-finite number or one out of range is None.
def _number(value: Any, low: float = -math.inf, high: float = math.inf) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else None


def _percent(value: Any) -> float | None:
    return _number(value, 0, 100)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _unit(body: Mapping[str, Any]) -> str:
    unit = body.get("unit")
    return unit.lower() if isinstance(unit, str) else ""


def _km(body: Mapping[str, Any]) -> float | None:
    distance = _number(body.get("value"), 0)
    if distance is not None and _unit(body) in ("mi", "mile", "miles"):
        return round(distance * KM_PER_MILE, 1)
    return distance


def _litres(body: Mapping[str, Any]) -> float | None:
    amount = _number(body.get("value"), 0)
    if amount is not None and _unit(body) in ("gal", "gallon", "gallons"):
        return round(amount * LITRES_PER_GALLON, 2)
    return amount


def _kw(body: Mapping[str, Any]) -> float | None:
    """Charging power in kW; the signal is in watts unless its unit says kilowatts."""
    power = _number(body.get("value"), 0)
    if power is None or _unit(body) in ("kw", "kilowatt", "kilowatts"):
        return power
    return power / 1000


def _minutes(body: Mapping[str, Any]) -> float | None:
    duration = _number(body.get("value"), 0)
    match _unit(body):
        case "s" | "sec" | "seconds" if duration is not None:
            return round(duration / 60, 1)
        case "h" | "hours" if duration is not None:
            return duration * 60
    return duration


def _km_per_hour(body: Mapping[str, Any]) -> float | None:
    rate = _number(body.get("value"), 0)
    if rate is not None and _unit(body) in ("mph", "mi/h", "miles/h"):
        return round(rate * KM_PER_MILE, 1)
    return rate


def _kpa(value: Any, unit: str) -> float | None:
    pressure = _number(value, 0)
    if pressure is None:
        return None
    if unit == "psi":
        return round(pressure * KPA_PER_PSI, 1)
    if unit == "bar" and pressure <= MAX_TIRE_BAR:
        return round(pressure * KPA_PER_BAR, 1)
    return pressure


def _items(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The row/column items of doors, windows and tires."""
    values = body.get("values")
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _any_open(items: list[Mapping[str, Any]]) -> bool | None:
    """Whether any item is open; None when none says."""
    known = [state for item in items if (state := _bool(item.get("isOpen"))) is not None]
    return any(known) if known else None


def _battery(r: _Reader) -> Battery:
    return Battery(level=_percent(r.value(BATTERY_LEVEL)), range=_km(r.body(BATTERY_RANGE)))


def _charge(r: _Reader) -> Charge:
    status = r.value(CHARGING_STATUS)
    state = CHARGING_STATES.get(status.upper()) if isinstance(status, str) else None
    if state is None and (charging := _bool(r.value(IS_CHARGING))) is not None:
        state = ChargingState.CHARGING if charging else ChargingState.NOT_CHARGING
    plugged_in = _bool(r.value(CABLE))
    fast = _bool(r.value(FAST_CHARGER))
    charging_type = None if fast is None else ChargingType.DC if fast else ChargingType.AC
    if plugged_in is False:
        charging_type = ChargingType.NONE
    return Charge(
        plugged_in=plugged_in,
        state=state,
        power=_kw(r.body(WATTAGE)),
        minutes_to_full=_minutes(r.body(TIME_TO_COMPLETE)),
        type=charging_type,
        voltage=_number(r.value(VOLTAGE), 0),
        current=_number(r.value(AMPERAGE), 0),
        rate=_km_per_hour(r.body(CHARGE_RATE)),
    )


def _charge_limit(r: _Reader) -> ChargeLimit:
    """The active limit; while unplugged Smartcar knows none, then the global one."""
    body = r.body(CHARGE_LIMITS)
    limit = _percent(body.get("activeLimit"))
    if limit is None:
        for item in _items(body):
            if str(item.get("type")).upper() == "GLOBAL":
                limit = _percent(item.get("limit"))
    return ChargeLimit(limit=limit)


def _tires(r: _Reader) -> Tires:
    body = r.body(TIRES)
    unit = _unit(body)
    wheels = {
        (item.get("row"), item.get("column")): item.get("tirePressure") for item in _items(body)
    }
    return Tires(
        front_left=_kpa(wheels.get((0, 0)), unit),
        front_right=_kpa(wheels.get((0, 1)), unit),
        rear_left=_kpa(wheels.get((1, 0)), unit),
        rear_right=_kpa(wheels.get((1, 1)), unit),
    )


def _location(r: _Reader) -> Location | None:
    body = r.body(LOCATION)
    latitude = _number(body.get("latitude"), -90, 90)
    longitude = _number(body.get("longitude"), -180, 180)
    if latitude is None or longitude is None:
        return None
    return Location(latitude, longitude, heading=_number(body.get("heading"), 0, 360))


def _security(r: _Reader) -> Security:
    doors = _items(r.body(DOORS))
    locked = _bool(r.value(IS_LOCKED))
    door_locks = [_bool(door.get("isLocked")) for door in doors]
    if locked is None and door_locks and None not in door_locks:
        locked = all(door_locks)
    return Security(
        locked=locked,
        doors_open=_any_open(doors),
        windows_open=_any_open(_items(r.body(WINDOWS))),
        trunk_open=_bool(r.body(REAR_TRUNK).get("isOpen")),
        charging_port_open=_bool(r.value(CHARGE_PORT_FLAP)),
        hood_open=_bool(r.body(ENGINE_COVER).get("isOpen")),
        sunroof_open=_bool(r.body(SUNROOF).get("isOpen")),
        front_trunk_open=_bool(r.body(FRONT_TRUNK).get("isOpen")),
    )


PARSERS: dict[Feature, Callable[[_Reader], Reading | None]] = {
    Feature.BATTERY: _battery,
    Feature.BATTERY_CAPACITY: lambda r: BatteryCapacity(
        capacity=_number(r.body(NOMINAL_CAPACITY).get("capacity"), 0)
    ),
    Feature.CHARGE: _charge,
    Feature.CHARGE_LIMIT: _charge_limit,
    Feature.FUEL: lambda r: Fuel(
        level=_percent(r.value(FUEL_LEVEL)),
        range=_km(r.body(FUEL_RANGE)),
        amount=_litres(r.body(FUEL_AMOUNT)),
    ),
    Feature.TIRES: _tires,
    Feature.ODOMETER: lambda r: Odometer(distance=_km(r.body(ODOMETER))),
    Feature.ENGINE_OIL: lambda r: EngineOil(life=_percent(r.value(OIL_LIFE))),
    Feature.LOCATION: _location,
    Feature.SECURITY: _security,
}
