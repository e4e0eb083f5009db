"""Setting up an entry: what stops it, what it retries, and which devices it keeps."""

from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.config_entry_oauth2_flow import ImplementationUnavailableError
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.connected_car.const import CONF_VEHICLES, DOMAIN
from custom_components.connected_car.fleet import ACCOUNT_CHECK_INTERVAL
from custom_components.connected_car.providers.smartcar import SmartcarProvider

from .conftest import SetupIntegration
from .simulator_control import SimulatorControl

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")


async def test_credentials_out_of_reach_retry_setup(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The application credentials cannot be had right now: setup is retried, nothing else."""
    entry = await setup_integration()
    assert await hass.config_entries.async_unload(entry.entry_id)
    with patch.object(
        SmartcarProvider, "auth_implementation", side_effect=ImplementationUnavailableError
    ):
        await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith("The Smartcar application credentials of this entry are missing")


async def test_token_endpoint_outage_at_setup_retries(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Setup needs a new token and the token endpoint fails: setup is retried, no reauth."""
    entry = await setup_integration()
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**entry.data["token"], "expires_at": 0}}
    )
    await sim.inject_error(path="/oauth/token", type="SERVER", code="INTERNAL", times=1)

    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_a_device_can_be_removed_only_once_its_car_is_gone(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A car still on the account keeps its device; once the account's list lacks it, it may go."""
    assert await async_setup_component(hass, "config", {})
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"smartcar:{ford['id']}"), entry.entry_id
    )
    assert device is not None
    client = await hass_ws_client(hass)

    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device.id,
        }
    )
    assert not (await client.receive_json())["success"]

    await sim.disconnect(ford["id"], entry.data["token"]["access_token"])
    freezer.tick(ACCOUNT_CHECK_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device.id,
        }
    )
    assert (await client.receive_json())["success"]
    assert device_registry.async_get(device.id) is None
    assert ford["id"] not in entry.data[CONF_VEHICLES]
    assert ford["id"] not in entry.runtime_data.coordinators
