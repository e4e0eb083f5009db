"""Home Assistant with Connected Car, the providers' application credentials, and the simulator."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_car.const import DOMAIN, SIMULATOR_URL_ENV

from .simulator_control import SimulatorControl, connect

CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
VOLVO_CLIENT_ID = "sim-volvo-client-id"
VOLVO_CLIENT_SECRET = "sim-volvo-client-secret"

type SetupIntegration = Callable[..., Awaitable[MockConfigEntry]]


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration under test."""


@pytest.fixture
async def sim(
    hass: HomeAssistant, simulator_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SimulatorControl]:
    """The simulator's control API; the integration is pointed at the simulator."""
    monkeypatch.setenv(SIMULATOR_URL_ENV, simulator_url)
    return SimulatorControl(async_get_clientsession(hass), simulator_url)


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """Smartcar application credentials, as a user adds them in the UI (with repairs loaded)."""
    for component in ("application_credentials", "repairs", "diagnostics", "image", "webhook"):
        assert await async_setup_component(hass, component, {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET, "Smartcar simulator app")
    )
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(VOLVO_CLIENT_ID, VOLVO_CLIENT_SECRET, "Volvo Cars simulator app"),
        f"volvo:{VOLVO_CLIENT_ID}",
    )


@pytest.fixture
def setup_integration(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    current_request_with_host: None,
    credentials: None,
    sim: SimulatorControl,
) -> SetupIntegration:
    """Add Connected Car through the real config flow and Connect; return the loaded entry."""

    async def setup(provider: str = "smartcar", **connect_options: Any) -> MockConfigEntry:
        result = await connect(
            hass, await hass_client_no_auth(), sim, provider=provider, **connect_options
        )
        assert result["type"] == "create_entry", result
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        return entry  # type: ignore[no-any-return]

    return setup


@pytest.fixture(params=["smartcar", "volvo"])
def provider(request: pytest.FixtureRequest) -> str:
    """Each provider in turn, for behaviour every provider shares."""
    return str(request.param)
