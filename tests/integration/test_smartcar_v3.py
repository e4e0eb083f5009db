"""Smartcar v3 through Home Assistant: connecting with v3 credentials, app tokens, signals, commands."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.const import (
    CONF_API_VERSION,
    CONF_APPLICATION_ID,
    CONF_PROVIDER,
    CONF_USER_ID,
    CONF_VEHICLES,
)
from custom_components.connected_car.providers import provider_of
from custom_components.connected_car.providers.smartcar_v3 import SmartcarV3Provider

from .simulator_control import (
    V3_APPLICATION_ID,
    SimulatorControl,
    finish_connect,
    start_flow,
)

pytestmark = pytest.mark.usefixtures("current_request_with_host", "v3_credentials")


async def test_v3_credentials_connect_with_the_application_id_and_store_the_user(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """Connect gets the Application ID as client_id; the redirect's user_id is the entry's."""
    result = await start_flow(hass, provider="smartcar_v3")
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    query = URL(result["url"]).query
    assert query["client_id"] == V3_APPLICATION_ID
    assert query["mode"] == "simulated"
    assert "control_security" in query["scope"]
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    settings = await sim.call("GET", "/smartcar-v3")
    users = {c["user_id"] for c in settings["connections"]}
    assert entry.data[CONF_USER_ID] in users
    assert entry.data[CONF_API_VERSION] == "v3"
    assert entry.data[CONF_APPLICATION_ID] == V3_APPLICATION_ID
    assert entry.data[CONF_PROVIDER] == "smartcar"
    assert entry.unique_id == f"smartcar:{entry.data[CONF_USER_ID]}"
    assert isinstance(provider_of(entry.data), SmartcarV3Provider)
    assert set(entry.data[CONF_VEHICLES]) == {v["id"] for v in await sim.vehicles()}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
