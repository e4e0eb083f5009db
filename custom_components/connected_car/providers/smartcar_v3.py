"""Smartcar v3: the same Smartcar cars, through the application's app token and Connect's user.

A flavour of the Smartcar provider, not a provider of its own: the user picks Smartcar, and the
application credential picked for the login tells the API version (a `client_` id, or IAM
granting it an app token, means v3). Entries keep the provider key `smartcar`, so a car has the
same device and entity ids in v2 and v3, and one Smartcar user is one entry whichever version.

In v3 Connect takes the application's Application ID as client_id (asked on the connect form),
its redirect names the user (`user_id`), stored in the entry, and its code is not exchanged. Every
call carries the application's IAM app token: one per application, shared by every entry and car
of it, renewed once however many ask. IAM refusing the application's client id or secret raises
the credentials repair; no login of the user can help with that.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import hashlib
import os
import time
from typing import Any, cast, override

import aiohttp
from homeassistant.components.application_credentials import (
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2Implementation,
    LocalOAuth2Implementation,
)

# The request being handled: Home Assistant's own ContextVar, as its http server sets it.
from homeassistant.helpers.http import current_request
from homeassistant.util.hass_dict import HassKey

from ..api.client import VehicleClient
from ..api.errors import ApiError
from ..api.smartcar_v3 import (
    RENEW_BEFORE,
    SmartcarV3Client,
    SmartcarV3Origins,
    async_api_version,
    looks_like_v3_client_id,
    user_id_from_redirect,
)
from ..const import (
    CONF_API_VERSION,
    CONF_APPLICATION_ID,
    CONF_MODE,
    CONF_PROVIDER,
    CONF_USER_ID,
    DOMAIN,
    SIMULATOR_URL_ENV,
)
from ..schedule import RefreshedStore
from ..tokens import async_token_request
from .base import AccessToken
from .smartcar import SmartcarOAuth2Implementation, SmartcarProvider, SmartcarPush

V3 = "v3"
APP_TOKEN_LIFETIME = 3600  # seconds, when IAM does not say
APP_TOKENS: HassKey[dict[tuple[str, str, str], AppTokenKeeper]] = HassKey(
    f"{DOMAIN}_smartcar_v3_app_tokens"
)


def smartcar_v3_origins() -> SmartcarV3Origins:
    """Smartcar's v3 origins: its cloud, or the simulator when CONNECTED_CAR_SIMULATOR_URL is set."""
    if simulator_url := os.environ.get(SIMULATOR_URL_ENV):
        return SmartcarV3Origins.simulator(simulator_url)
    return SmartcarV3Origins()


def speaks_smartcar_v2(entry_data: Mapping[str, Any]) -> bool:
    """Whether an entry is Smartcar's on the v2 API, which can move to v3 (v2 ends late 2026)."""
    return entry_data.get(CONF_PROVIDER) == SmartcarProvider.key and (
        entry_data.get(CONF_API_VERSION) != V3
    )


def has_v3_client_id(implementation: AbstractOAuth2Implementation) -> bool:
    """Whether an application credential's client id has the form of a v3 API credential."""
    return looks_like_v3_client_id(str(getattr(implementation, "client_id", "")))


class SmartcarV3Push(SmartcarPush):
    """Smartcar's webhooks for a v3 application: the same deliveries; a car is subscribed
    through the Management API with the application's app token."""

    @override
    async def async_subscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str
    ) -> None:
        await cast(SmartcarV3Client, client).async_subscribe(vehicle_id, webhook_id)

    @override
    async def async_unsubscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str, secret: str
    ) -> None:
        await cast(SmartcarV3Client, client).async_unsubscribe(vehicle_id, webhook_id)


class SmartcarV3Provider(SmartcarProvider):
    """Smartcar Connect with the Application ID, IAM app tokens and the Vehicle API v3."""

    push = SmartcarV3Push()

    @override
    def serves_entry(self, entry_data: Mapping[str, Any]) -> bool:
        return entry_data.get(CONF_API_VERSION) == V3

    @override
    def authorize_data(self, entry_data: Mapping[str, Any]) -> dict[str, Any]:
        """Connect knows a v3 application by its Application ID, not its API client id."""
        return {**super().authorize_data(entry_data), "client_id": entry_data[CONF_APPLICATION_ID]}

    @override
    async def async_login_implementation(
        self,
        hass: HomeAssistant,
        implementation: AbstractOAuth2Implementation,
        connect_data: Mapping[str, Any],
    ) -> SmartcarV3OAuth2Implementation | None:
        """The v3 login for a v3 API credential: a `client_` id, or a legacy (UUID) one that IAM
        grants an app token, asked only when the form names an Application ID.

        A new app token is fetched now: a refused credential stops the flow before Connect, and a
        token IAM got wrong is not kept past this login.
        """
        credential = cast(LocalOAuth2Implementation, implementation)
        client_id, secret = credential.client_id, credential.client_secret
        if not looks_like_v3_client_id(client_id):
            if not connect_data.get(CONF_APPLICATION_ID):
                return None
            try:
                version = await async_api_version(
                    async_get_clientsession(hass), client_id, secret, smartcar_v3_origins()
                )
            except ApiError:
                version = "v2"
            if version != V3:
                return None
        login = _v3_implementation(hass, credential)
        await AppTokenKeeper.of(hass, login).async_fresh_token()
        return login

    @override
    def missing_field(self, connect_data: Mapping[str, Any]) -> str | None:
        return None if connect_data.get(CONF_APPLICATION_ID) else CONF_APPLICATION_ID

    @override
    def login_result(self) -> dict[str, Any] | None:
        """The user Connect's redirect names (`user_id`, or `userId`); every v3 call names it."""
        request = current_request.get()
        user_id = user_id_from_redirect(request.query) if request is not None else None
        return {CONF_API_VERSION: V3, CONF_USER_ID: user_id} if user_id else None

    @override
    def token_source(
        self, hass: HomeAssistant, entry: ConfigEntry, implementation: AbstractOAuth2Implementation
    ) -> AppTokenKeeper:
        credential = cast(LocalOAuth2Implementation, implementation)
        return AppTokenKeeper.of(hass, _v3_implementation(hass, credential))

    @override
    def create_client(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessToken,
        entry_data: Mapping[str, Any],
    ) -> VehicleClient:
        # Set up, the token comes from the application's keeper, which the client then asks
        # itself (it renews a refused token once for all); in the flow, from the login.
        keeper = getattr(access_token, "__self__", None)
        return SmartcarV3Client(
            session,
            keeper if isinstance(keeper, AppTokenKeeper) else _LoginAppToken(access_token),
            entry_data[CONF_USER_ID],
            origins=smartcar_v3_origins(),
            mode="simulated" if entry_data.get(CONF_MODE) == "simulated" else "live",
        )

    @override
    def cost_model(self, options: Mapping[str, Any], cars_on_app: int) -> RefreshedStore:
        return RefreshedStore(self.budget(options))


def _v3_implementation(
    hass: HomeAssistant, credential: LocalOAuth2Implementation
) -> SmartcarV3OAuth2Implementation:
    """The v3 login of an application credential: Connect, and IAM for its app token."""
    origins = smartcar_v3_origins()
    return SmartcarV3OAuth2Implementation(
        hass,
        credential.domain,
        ClientCredential(credential.client_id, credential.client_secret, credential.name),
        AuthorizationServer(authorize_url=origins.authorize_url, token_url=origins.token_url),
    )


class SmartcarV3OAuth2Implementation(SmartcarOAuth2Implementation):
    """Connect for a v3 application: its redirect's code is worth nothing; the app token is
    what the entry's calls carry."""

    @override
    async def async_resolve_external_data(self, external_data: Any) -> dict[str, Any]:
        keeper = AppTokenKeeper.of(self.hass, self)
        token = await keeper.async_access_token()
        return {"access_token": token, "token_type": "Bearer", "expires_in": keeper.expires_in}


class AppTokenKeeper:
    """The app token of one v3 application (its client id and secret at one IAM), for all who
    ask: fetched once however many cars ask at a time, renewed RENEW_BEFORE seconds before it
    expires, and renewed at once (once) when the API refuses it early."""

    def __init__(self, hass: HomeAssistant, implementation: LocalOAuth2Implementation) -> None:
        """Keep the app token of implementation's credential."""
        self.hass = hass
        self.implementation = implementation
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    @classmethod
    def of(cls, hass: HomeAssistant, implementation: LocalOAuth2Implementation) -> AppTokenKeeper:
        """The keeper of the application's app token, made on first use."""
        secret = hashlib.sha256(implementation.client_secret.encode()).hexdigest()
        key = (implementation.client_id, secret, implementation.token_url)
        keeper = hass.data.setdefault(APP_TOKENS, {}).setdefault(key, cls(hass, implementation))
        keeper.implementation = implementation
        return keeper

    @property
    def expires_in(self) -> int:
        """Seconds the current app token has left."""
        return max(int(self._expires_at - time.time()), 0)

    async def async_get(self) -> str:
        """A valid app token (as the v3 client asks for it)."""
        return await self.async_access_token()

    def invalidate(self, token: str | None = None) -> None:
        """The API refused token early: the next ask renews it, unless another car did."""
        if token == self._token:
            self._token = None

    async def async_access_token(self) -> str:
        """A valid app token: the kept one, or a new one when it is due."""
        async with self._lock:
            if self._token is None or time.time() >= self._expires_at - RENEW_BEFORE:
                return await self._async_fetch()
            return self._token

    async def async_fresh_token(self) -> str:
        """A new app token, whatever is kept: a login tests the credential and starts afresh."""
        async with self._lock:
            return await self._async_fetch()

    async def async_renew(self) -> None:
        """Nothing more to renew: the client renewed the refused token itself (once, shared by
        every car, see invalidate), and a fresh token refused again is not the token's fault."""

    async def _async_fetch(self) -> str:
        implementation = self.implementation
        body = await async_token_request(
            self.hass,
            implementation.token_url,
            {
                "grant_type": "client_credentials",
                "client_id": implementation.client_id,
                "client_secret": implementation.client_secret,
            },
            auth_domain=implementation.domain,
            placeholders={
                "provider": SmartcarProvider.name,
                "credential": implementation.name,
                "url": SmartcarProvider.dashboard_url,
            },
        )
        lifetime = body.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = APP_TOKEN_LIFETIME  # IAM always says; an answer that does not gets an hour
        self._token = str(body["access_token"])
        self._expires_at = time.time() + lifetime
        return self._token


class _LoginAppToken:
    """The app token the login just fetched, for the flow's first calls."""

    def __init__(self, access_token: AccessToken) -> None:
        self._access_token = access_token

    async def async_get(self) -> str:
        return await self._access_token()

    def invalidate(self, token: str | None = None) -> None:
        """A token fetched a moment ago is not renewed: the flow fails, and says so."""
