"""Odd answers of the vehicle list at setup (issue 15, item 4): a typed provider error, and a retry.

On main, a Latin-1 proxy page, `statusCode: "unavailable"` or deeply nested JSON from the vehicle
list, once, left the entry in SETUP_ERROR, and nothing was asked again.
"""

import base64
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.connected_car.const import CONF_VEHICLES

from .conftest import SetupIntegration
from .simulator_control import SimulatorControl

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

LATIN1_PAGE = "<html><body>Passerelle indisponible, réessayez plus tard.</body></html>"
DEPTH = 100_000  # deeper than Python's json parses

BODIES: dict[str, dict[str, Any]] = {
    "latin-1 proxy page": {  # that names no charset: UTF-8 is assumed
        "status": 502,
        "content_type": "text/html",
        "body_base64": base64.b64encode(LATIN1_PAGE.encode("latin-1")).decode(),
    },
    "statusCode a word": {
        "status": 503,
        "content_type": "application/json",
        "body": '{"type": "SERVER", "code": "INTERNAL", "statusCode": "unavailable"}',
    },
    "deeply nested JSON": {
        "status": 200,
        "content_type": "application/json",
        "body": "[" * DEPTH + "]" * DEPTH,
    },
}


# The account's list of cars, where it is not `/vehicles`.
LIST_PATHS = {"high_mobility": "/v1/fleets/vehicles"}


@pytest.mark.parametrize("body", list(BODIES))
async def test_an_odd_vehicle_list_at_setup_is_retried(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
    body: str,
) -> None:
    """The odd answer is a typed error: setup is retried, and loads once the list answers."""
    entry = await setup_integration(provider=provider)
    assert await hass.config_entries.async_unload(entry.entry_id)
    # With no car known yet: with known cars, the entry would start with them instead.
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_VEHICLES: {}})
    path = LIST_PATHS.get(provider, "/vehicles")
    await sim.inject_error(provider=provider, path=path, type="RAW", times=1, **BODIES[body])

    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY

    await sim.reset_stats()
    freezer.tick(timedelta(seconds=30))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    assert (await sim.stats(provider))["totals"]["requests"] >= 1
