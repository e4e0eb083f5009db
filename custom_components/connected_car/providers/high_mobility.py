"""High Mobility: one API for many brands; cars share data once their fleet clearance is approved."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime, timedelta
import os
from typing import Any, override

import aiohttp
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET

from ..api.high_mobility import (
    PRODUCTION_ORIGIN,
    SANDBOX_ORIGIN,
    HighMobilityClient,
    simulator_origin,
)
from ..const import CONF_ENVIRONMENT, CONF_POLL_MINUTES, SIMULATOR_URL_ENV
from ..schedule import FixedInterval
from .base import AccessToken, BudgetOption, Login, Provider

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
