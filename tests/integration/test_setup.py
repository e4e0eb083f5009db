"""Setting up an entry: what stops it, what it retries, and which devices it keeps."""

from collections.abc import Awaitable, Callable
from typing import Any
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


type RemoveDevice = Callable[[str, str], Awaitable[dict[str, Any]]]


@pytest.fixture
async def remove_device(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> RemoveDevice:
    """Delete a device from its entry, as the device page's Delete does; the websocket answer."""
    assert await async_setup_component(hass, "config", {})

    clients = []  # one, opened at the first delete: its login would expire as the clock moves

    async def remove(entry_id: str, device_id: str) -> dict[str, Any]:
        if not clients:
            clients.append(await hass_ws_client(hass))
        client = clients[0]
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry_id,
                "device_id": device_id,
            }
        )
        answer: dict[str, Any] = await client.receive_json()
        await hass.async_block_till_done(wait_background_tasks=True)
        return answer

    return remove


async def test_deleting_a_smartcar_device_disconnects_its_car(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    remove_device: RemoveDevice,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Deleting the Ford's device ends the application's access to the Ford: its device, record
    and polls go, and the next look at the account does not bring it back.
    """
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"smartcar:{ford['id']}"), entry.entry_id
    )
    assert device is not None
    await sim.reset_stats()

    assert (await remove_device(entry.entry_id, device.id))["success"]
    assert (await sim.stats())["vehicles"][ford["id"]]["by_path"] == {"/application": 1}
    assert device_registry.async_get(device.id) is None
    assert ford["id"] not in entry.data[CONF_VEHICLES]
    assert ford["id"] not in entry.runtime_data.coordinators

    freezer.tick(ACCOUNT_CHECK_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert ford["id"] not in entry.data[CONF_VEHICLES]
    assert len(entry.data[CONF_VEHICLES]) == 3


async def test_a_refused_disconnect_keeps_the_device(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    remove_device: RemoveDevice,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Smartcar fails the disconnect: the error says the device stays, and it does."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"smartcar:{ford['id']}"), entry.entry_id
    )
    assert device is not None
    await sim.inject_error(path="/application", type="SERVER", code="INTERNAL", times=1)

    answer = await remove_device(entry.entry_id, device.id)
    assert not answer["success"]
    assert answer["error"]["message"].startswith(
        "Smartcar did not disconnect the car, so its device stays."
    )
    assert device_registry.async_get(device.id) is not None
    assert ford["id"] in entry.runtime_data.coordinators


async def test_a_disconnect_on_a_refused_token_renews_it_once(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    remove_device: RemoveDevice,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Smartcar refuses the token as the device is deleted: it is renewed and the car goes."""
    entry = await setup_integration()
    ford = await sim.vehicle("Ford")
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"smartcar:{ford['id']}"), entry.entry_id
    )
    assert device is not None
    await sim.inject_error(path="/application", type="AUTHENTICATION", code=None, times=1)

    assert (await remove_device(entry.entry_id, device.id))["success"]
    assert ford["id"] not in entry.data[CONF_VEHICLES]


async def test_a_volvo_device_goes_only_once_its_car_is_gone(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    remove_device: RemoveDevice,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Volvo cannot disconnect a car: a car the account lists keeps its device, and says why."""
    entry = await setup_integration(provider="volvo")
    vehicle_id = next(iter(entry.data[CONF_VEHICLES]))
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"volvo:{vehicle_id}"), entry.entry_id
    )
    assert device is not None

    answer = await remove_device(entry.entry_id, device.id)
    assert not answer["success"]
    assert "Remove the car from your Volvo Cars account first" in answer["error"]["message"]
    assert device_registry.async_get(device.id) is not None

    # Once a list of the account's cars lacks it, the owner may delete it.
    await sim.inject_error(provider="volvo", type="EMPTY_VEHICLE_LIST", times=1)
    freezer.tick(ACCOUNT_CHECK_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert vehicle_id in entry.runtime_data.missing
    assert (await remove_device(entry.entry_id, device.id))["success"]
    assert vehicle_id not in entry.data[CONF_VEHICLES]
