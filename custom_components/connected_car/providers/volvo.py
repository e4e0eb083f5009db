"""Volvo Cars: Volvo ID login with PKCE, the Connected Vehicle API, a request quota per application."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import os
from typing import Any, override

import aiohttp
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import LocalOAuth2ImplementationWithPkce
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from ..api.client import VehicleClient
from ..api.model import Feature
from ..api.volvo import (
    REQUESTS_PER_READ,
    SCOPES,
    VolvoClient,
    VolvoOrigins,
    account_id_from_id_token,
)
from ..const import CONF_API_KEY, CONF_DAILY_REQUESTS, SIMULATOR_URL_ENV
from ..schedule import Cadence, DailyAppQuota
from ..tokens import async_token_request
from .base import AccessToken, BudgetOption, Provider

# Volvo allows each application this many requests a day, for all its users' cars together.
DEFAULT_DAILY_REQUESTS = 10_000
MIN_DAILY_REQUESTS = 1_000
MAX_DAILY_REQUESTS = 1_000_000

MINUTE = timedelta(minutes=1)
# How often each feature is read while the car is idle, and while it charges or stands open.
# Lock and charging state are never older than 5 minutes while busy and 30 minutes otherwise.
CADENCES: dict[Feature, Cadence] = {
    Feature.SECURITY: Cadence(idle=30 * MINUTE, busy=5 * MINUTE),
    Feature.BATTERY: Cadence(idle=30 * MINUTE, busy=5 * MINUTE),
    Feature.CHARGE: Cadence(idle=30 * MINUTE, busy=5 * MINUTE),
    Feature.CHARGE_LIMIT: Cadence(idle=30 * MINUTE, busy=5 * MINUTE),
    Feature.LOCATION: Cadence(idle=30 * MINUTE, busy=30 * MINUTE),
    Feature.ENGINE: Cadence(idle=30 * MINUTE, busy=30 * MINUTE),
    Feature.FUEL: Cadence(idle=60 * MINUTE, busy=60 * MINUTE),
    Feature.ODOMETER: Cadence(idle=60 * MINUTE, busy=60 * MINUTE),
    Feature.TIRE_WARNINGS: Cadence(idle=360 * MINUTE, busy=360 * MINUTE),
    Feature.WARNINGS: Cadence(idle=360 * MINUTE, busy=360 * MINUTE),
}


def volvo_origins() -> VolvoOrigins:
    """Volvo's origins: its cloud, or the simulator when CONNECTED_CAR_SIMULATOR_URL is set."""
    if simulator_url := os.environ.get(SIMULATOR_URL_ENV):
        return VolvoOrigins.simulator(simulator_url)
    return VolvoOrigins()


class VolvoProvider(Provider):
    """Volvo Cars' Connected Vehicle, Energy and Location APIs."""

    key = "volvo"
    name = "Volvo Cars"
    dashboard_url = "https://developer.volvocars.com/account/"
    budget_option = BudgetOption(
        CONF_DAILY_REQUESTS, DEFAULT_DAILY_REQUESTS, MIN_DAILY_REQUESTS, MAX_DAILY_REQUESTS
    )
    docs_url = "https://developer.volvocars.com/apis/docs/getting-started/"
    refused_field = CONF_API_KEY

    @override
    def connect_schema(self, entry_data: Mapping[str, Any]) -> vol.Schema:
        """The application's VCC API key, which Volvo's API wants beside the login."""
        return vol.Schema(
            {
                vol.Required(CONF_API_KEY, default=entry_data.get(CONF_API_KEY, "")): TextSelector(
                    TextSelectorConfig(type=TextSelectorType.PASSWORD)
                )
            }
        )

    @override
    def auth_implementation(
        self, hass: HomeAssistant, auth_domain: str, credential: ClientCredential
    ) -> VolvoOAuth2Implementation:
        return VolvoOAuth2Implementation(hass, auth_domain, credential, volvo_origins())

    @override
    def create_client(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessToken,
        entry_data: Mapping[str, Any],
    ) -> VehicleClient:
        token = entry_data.get("token", {})
        return VolvoClient(
            session,
            access_token,
            entry_data[CONF_API_KEY],
            origins=volvo_origins(),
            granted_scopes=str(token.get("scope") or " ".join(SCOPES)).split(),
            account_id=account_id_from_id_token(token.get("id_token") or ""),
        )

    @override
    def cost_model(self, options: Mapping[str, Any], cars_on_app: int) -> DailyAppQuota:
        return DailyAppQuota(
            requests_per_day=self.budget(options),
            cars_on_app=cars_on_app,
            cadences=CADENCES,
            requests_per_read=REQUESTS_PER_READ,
        )


class VolvoOAuth2Implementation(LocalOAuth2ImplementationWithPkce):
    """Volvo ID: authorization code with PKCE (S256) and the scopes the integration reads with."""

    provider_key = VolvoProvider.key

    def __init__(
        self,
        hass: HomeAssistant,
        auth_domain: str,
        credential: ClientCredential,
        origins: VolvoOrigins,
    ) -> None:
        """Log in with one Volvo application's credentials."""
        super().__init__(
            hass,
            auth_domain,
            credential.client_id,
            origins.authorize_url,
            origins.token_url,
            credential.client_secret,
        )
        self._name = credential.name

    @property
    @override
    def name(self) -> str:
        """The credential's name, as the pick step lists it."""
        return self._name or self.client_id

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """PKCE's challenge, and the scopes."""
        return {"scope": " ".join(SCOPES), **super().extra_authorize_data}

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        return await async_token_request(
            self.hass,
            self.token_url,
            {**data, "client_id": self.client_id, "client_secret": self.client_secret},
            auth_domain=self.domain,
            placeholders={
                "provider": VolvoProvider.name,
                "credential": self.name,
                "url": VolvoProvider.dashboard_url,
            },
        )
