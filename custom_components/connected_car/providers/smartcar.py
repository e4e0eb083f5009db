"""Smartcar: one API for dozens of brands, every value read billed per car and month."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import os
from typing import Any, cast, override

import aiohttp
from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
)
import probatio as vol

from ..api.client import VehicleClient
from ..api.push import PushChallenge, PushDelivery
from ..api.smartcar import CONNECT_ERRORS, DEFAULT_SCOPE, SmartcarClient, SmartcarOrigins
from ..api.smartcar_webhooks import SIGNATURE_HEADER, read_delivery
from ..const import CONF_APPLICATION_ID, CONF_MODE, CONF_MONTHLY_BUDGET, SIMULATOR_URL_ENV
from ..schedule import CostModel, MonthlyCallBudget
from ..tokens import async_token_request
from .base import AccessToken, BudgetOption, Provider
from .push import PushSupport

# The option of the Application Management Token, which signs Smartcar's webhook deliveries.
CONF_MANAGEMENT_TOKEN = "application_management_token"
# Smartcar's id of the webhook (its dashboard shows it; a VERIFY names it too).
CONF_SMARTCAR_WEBHOOK_ID = "smartcar_webhook_id"

CONNECT_MODES = ("live", "simulated")
# Smartcar's free plan allows 500 billable calls a month per car.
DEFAULT_MONTHLY_BUDGET = 500
MIN_MONTHLY_BUDGET = 100
MAX_MONTHLY_BUDGET = 1_000_000

# CONNECTED_SERVICES_ACCOUNT code -> repair issue key.
ACCOUNT_ISSUES: dict[str, str] = {
    "ACCOUNT_ISSUE": "account_issue",
    "AUTHENTICATION_FAILED": "authentication_failed",
    "NO_VEHICLES": "no_vehicles",
    "PERMISSION": "permission_revoked",
    "SUBSCRIPTION": "subscription",
    "VEHICLE_MISSING": "vehicle_missing",
    "VIRTUAL_KEY_REQUIRED": "virtual_key_required",
}


# Repair issue key -> Smartcar's guide to the errors behind it, for an error that carries no link.
GUIDES: dict[str, str] = {
    "billing": "https://smartcar.com/docs/errors/api-errors/billing-errors",
    "budget_used_up": "https://smartcar.com/docs/errors/api-errors/billing-errors",
    "missing_permission": "https://smartcar.com/docs/errors/api-errors/permission-errors",
    "rate_limited": "https://smartcar.com/docs/errors/api-errors/rate-limit-errors",
    "rate_limited_long": "https://smartcar.com/docs/errors/api-errors/rate-limit-errors",
}


def smartcar_origins() -> SmartcarOrigins:
    """Smartcar's origins: its cloud, or the simulator when CONNECTED_CAR_SIMULATOR_URL is set."""
    if simulator_url := os.environ.get(SIMULATOR_URL_ENV):
        return SmartcarOrigins.simulator(simulator_url)
    return SmartcarOrigins()


class SmartcarPush(PushSupport):
    """Smartcar's webhooks: signed with the AMT; a car is subscribed with its own token."""

    secret_option = CONF_MANAGEMENT_TOKEN
    option_keys = (CONF_MANAGEMENT_TOKEN, CONF_SMARTCAR_WEBHOOK_ID)
    # Smartcar sends only on change and has no heartbeat: a day of silence ends the trust.
    healthy_for = timedelta(days=1)

    @override
    def read(
        self, secret: str, body: bytes, headers: Mapping[str, str]
    ) -> PushChallenge | PushDelivery:
        return read_delivery(secret, body, headers.get(SIGNATURE_HEADER))

    @override
    async def async_subscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str
    ) -> None:
        await cast(SmartcarClient, client).async_subscribe(vehicle_id, webhook_id)

    @override
    async def async_unsubscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str, secret: str
    ) -> None:
        await cast(SmartcarClient, client).async_unsubscribe(vehicle_id, webhook_id, secret)

    @override
    def webhook_id(self, options: Mapping[str, Any]) -> str | None:
        return options.get(CONF_SMARTCAR_WEBHOOK_ID) or None


class SmartcarProvider(Provider):
    """Smartcar Connect and the Vehicle API v2.0."""

    key = "smartcar"
    name = "Smartcar"
    dashboard_url = "https://dashboard.smartcar.com/"
    budget_option = BudgetOption(
        CONF_MONTHLY_BUDGET, DEFAULT_MONTHLY_BUDGET, MIN_MONTHLY_BUDGET, MAX_MONTHLY_BUDGET
    )
    docs_url = "https://smartcar.com/docs/errors/api-errors/connected-services-account-errors"
    authorize_errors = CONNECT_ERRORS
    account_issues = ACCOUNT_ISSUES
    help_urls = GUIDES
    push = SmartcarPush()

    @override
    def connect_schema(self, entry_data: Mapping[str, Any]) -> vol.Schema:
        """Connect's mode (the owner's real cars, or Smartcar's simulated ones), and the
        Application ID that applications of the v3 API give Connect."""
        application_id = entry_data.get(CONF_APPLICATION_ID)
        return vol.Schema(
            {
                vol.Required(CONF_MODE, default=entry_data.get(CONF_MODE, "live")): SelectSelector(
                    SelectSelectorConfig(options=list(CONNECT_MODES), translation_key=CONF_MODE)
                ),
                vol.Optional(
                    CONF_APPLICATION_ID, description={"suggested_value": application_id}
                ): TextSelector(),
            }
        )

    @override
    def authorize_data(self, entry_data: Mapping[str, Any]) -> dict[str, Any]:
        return {"mode": entry_data.get(CONF_MODE, "live")}

    @override
    def auth_implementation(
        self, hass: HomeAssistant, auth_domain: str, credential: ClientCredential
    ) -> SmartcarOAuth2Implementation:
        origins = smartcar_origins()
        return SmartcarOAuth2Implementation(
            hass,
            auth_domain,
            credential,
            AuthorizationServer(authorize_url=origins.authorize_url, token_url=origins.token_url),
        )

    @override
    def create_client(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessToken,
        entry_data: Mapping[str, Any],
    ) -> VehicleClient:
        return SmartcarClient(session, access_token, smartcar_origins())

    @override
    def cost_model(self, options: Mapping[str, Any], cars_on_app: int) -> CostModel:
        return MonthlyCallBudget(self.budget(options))


class SmartcarOAuth2Implementation(AuthImplementation):
    """Smartcar Connect: asks for our scope and authenticates the client with HTTP Basic."""

    provider_key = SmartcarProvider.key

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """The permissions Connect asks the owner for."""
        return {"scope": " ".join(DEFAULT_SCOPE)}

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        return await async_token_request(
            self.hass,
            self.token_url,
            data,
            headers={
                "Authorization": aiohttp.encode_basic_auth(self.client_id, self.client_secret)
            },
            auth_domain=self.domain,
            placeholders={
                "provider": SmartcarProvider.name,
                "credential": self.name,
                "url": SmartcarProvider.dashboard_url,
            },
        )
