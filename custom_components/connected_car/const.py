"""Constants of the Connected Car integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "connected_car"
LOGGER = logging.getLogger(__package__)

CONF_PROVIDER: Final = "provider"
CONF_MODE: Final = "mode"
CONF_VEHICLES: Final = "vehicles"
CONF_MONTHLY_BUDGET: Final = "monthly_budget"
CONF_DAILY_REQUESTS: Final = "daily_requests"
CONF_API_KEY: Final = "api_key"
# Smartcar v3: the API version an entry speaks, the Application ID Connect takes, and the user
# Connect's redirect named (every v3 call names it).
CONF_API_VERSION: Final = "api_version"
CONF_APPLICATION_ID: Final = "application_id"
CONF_USER_ID: Final = "user_id"
CONF_ENVIRONMENT: Final = "environment"
CONF_CARS: Final = "cars"  # the cars asked data access for (High Mobility's fleet clearance)
CONF_POLL_MINUTES: Final = "poll_minutes"
# Hours between the reads of a car whose changes are pushed.
CONF_SAFETY_READ_HOURS: Final = "safety_read_hours"
DEFAULT_SAFETY_READ_HOURS: Final = 24
# Reauthentication started to share data the grant lacks: that data, in words.
REAUTH_FOR_DATA: Final = "reauth_for_data"

# Points every provider at another origin (the local simulator) instead of its cloud.
SIMULATOR_URL_ENV: Final = "CONNECTED_CAR_SIMULATOR_URL"
