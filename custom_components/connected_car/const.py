"""Constants of the Connected Car integration."""

from __future__ import annotations

from datetime import timedelta
import logging
import os
from typing import Final

from .api.smartcar import SmartcarOrigins

DOMAIN: Final = "connected_car"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_MODE: Final = "mode"
CONF_VEHICLES: Final = "vehicles"
CONF_MONTHLY_BUDGET: Final = "monthly_budget"

PROVIDER_SMARTCAR: Final = "smartcar"
PROVIDERS: Final = (PROVIDER_SMARTCAR,)
CONNECT_MODES: Final = ("live", "simulated")

# Smartcar's free plan allows 500 billable calls a month per car; a tenth is kept for commands and
# manual refreshes, the rest spreads the polls evenly over the month.
DEFAULT_MONTHLY_BUDGET: Final = 500
MIN_MONTHLY_BUDGET: Final = 100
MAX_MONTHLY_BUDGET: Final = 1_000_000
BUDGET_SHARE_FOR_POLLING: Final = 0.9
BUDGET_PERIOD: Final = timedelta(days=31)
MIN_UPDATE_INTERVAL: Final = timedelta(minutes=5)

# Points Smartcar at another origin (the local simulator) instead of Smartcar's cloud.
SIMULATOR_URL_ENV: Final = "CONNECTED_CAR_SIMULATOR_URL"


def smartcar_origins() -> SmartcarOrigins:
    """Smartcar's origins: its cloud, or the simulator when CONNECTED_CAR_SIMULATOR_URL is set."""
    if simulator_url := os.environ.get(SIMULATOR_URL_ENV):
        return SmartcarOrigins.simulator(simulator_url)
    return SmartcarOrigins()
