"""High Mobility: one API for many brands; cars share data once their fleet clearance is approved."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime, timedelta
import os
from typing import Any, override

import aiohttp
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET

from ..api.client import VehicleClient
from ..api.high_mobility import (
    PRODUCTION_ORIGIN,
    SANDBOX_ORIGIN,
    HighMobilityClient,
    simulator_origin,
)
from ..api.high_mobility_webhooks import read_delivery
from ..api.push import PushChallenge, PushDelivery
from ..const import CONF_ENVIRONMENT, CONF_POLL_MINUTES, SIMULATOR_URL_ENV
from ..schedule import FixedInterval
from .base import AccessToken, BudgetOption, Login, Provider
from .push import PushSupport

# The option of the secret High Mobility signs its webhook deliveries with (its console).
CONF_HM_WEBHOOK_SECRET = "hm_webhook_secret"

PRODUCTION, SANDBOX = "production", "sandbox"
ENVIRONMENTS = (PRODUCTION, SANDBOX)
# One to three cars polled every 15 minutes: about 12 requests an hour, far below 60 a minute.
DEFAULT_POLL_MINUTES = 15
MIN_POLL_MINUTES = 5
MAX_POLL_MINUTES = 24 * 60

# Account error code (High Mobility's words, as the client names them) -> repair issue key.
ACCOUNT_ISSUES: dict[str, str] = {
    "consent_removed": "consent_removed",
    "no_consent": "no_consent",
    "privacy_mode": "privacy_mode",
    "privacy_mode_active": "privacy_mode",
    "no_fleet": "no_fleet",
}
ACTIVATION_GUIDE = "https://docs.high-mobility.com/guides/getting-started/activation-process"


def origin(environment: str) -> str:
    """Where the environment's API is: High Mobility's cloud, or the simulator's stand-in."""
    sandbox = environment == SANDBOX
    if simulator_url := os.environ.get(SIMULATOR_URL_ENV):
        return simulator_origin(simulator_url, sandbox=sandbox)
    return SANDBOX_ORIGIN if sandbox else PRODUCTION_ORIGIN


def create_client(
    session: aiohttp.ClientSession,
    entry_data: Mapping[str, Any],
    token_waits: MutableMapping[str, datetime] | None = None,
) -> HighMobilityClient:
    """The client of the application an entry (or a flow) holds the credentials of.

    token_waits: the token endpoints' Retry-After holds Home Assistant keeps for every entry.
    """
    return HighMobilityClient(
        session,
        entry_data[CONF_CLIENT_ID],
        entry_data[CONF_CLIENT_SECRET],
        origin=origin(entry_data.get(CONF_ENVIRONMENT, PRODUCTION)),
        token_waits=token_waits,
    )


class HighMobilityPush(PushSupport):
    """High Mobility's webhook: set up for the application in its console, for every car at
    once (nothing to subscribe); it tells clearance changes and pings."""

    secret_option = CONF_HM_WEBHOOK_SECRET
    option_keys = (CONF_HM_WEBHOOK_SECRET,)
    # A ping or a clearance change within a day keeps the fleet's clearance reads paused.
    healthy_for = timedelta(days=1)

    @override
    def read(
        self, secret: str, body: bytes, headers: Mapping[str, str]
    ) -> PushChallenge | PushDelivery:
        return read_delivery(secret, body, headers)

    @override
    async def async_subscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str
    ) -> None:
        """Every car of the application's fleet is covered already."""

    @override
    async def async_unsubscribe(
        self, client: VehicleClient, vehicle_id: str, webhook_id: str, secret: str
    ) -> None:
        """Nothing to end per car."""

    @override
    def webhook_id(self, options: Mapping[str, Any]) -> str | None:
        return "console"  # one webhook per application, named by no id here


class HighMobilityProvider(Provider):
    """High Mobility's fleet clearance and vehicle data (Auto API 13)."""

    key = "high_mobility"
    name = "High Mobility"
    dashboard_url = "https://console.high-mobility.com/"
    docs_url = ACTIVATION_GUIDE
    login = Login.APPLICATION
    budget_option = BudgetOption(
        CONF_POLL_MINUTES, DEFAULT_POLL_MINUTES, MIN_POLL_MINUTES, MAX_POLL_MINUTES
    )
    account_issues = ACCOUNT_ISSUES
    push = HighMobilityPush()

    @override
    def create_client(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessToken,
        entry_data: Mapping[str, Any],
    ) -> HighMobilityClient:
        """The client gets its own tokens with the entry's client id and secret."""
        return create_client(session, entry_data)

    @override
    def cost_model(self, options: Mapping[str, Any], cars_on_app: int) -> FixedInterval:
        return FixedInterval(timedelta(minutes=self.budget(options)), cars_on_app)
