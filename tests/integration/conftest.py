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

from .high_mobility import APPROVAL_DELAY, BMW, add_to_fleet, advance, connect_hm
from .simulator_control import V3_AUTH_DOMAIN, SimulatorControl, connect

CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
VOLVO_CLIENT_ID = "sim-volvo-client-id"
VOLVO_CLIENT_SECRET = "sim-volvo-client-secret"
V3_CLIENT_ID = "client_sim_v3"
V3_CLIENT_SECRET = "sim-v3-secret"

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


async def add_v3_credentials(hass: HomeAssistant) -> None:
    """The Smartcar v3 application's API credential, as a user adds it in the UI."""
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(V3_CLIENT_ID, V3_CLIENT_SECRET, "Smartcar v3 simulator app"),
        V3_AUTH_DOMAIN,
    )


@pytest.fixture
async def v3_credentials(hass: HomeAssistant, credentials: None) -> None:
    """The Smartcar v3 application credentials besides the others."""
    await add_v3_credentials(hass)


@pytest.fixture
def setup_integration(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    current_request_with_host: None,
    credentials: None,
    sim: SimulatorControl,
) -> SetupIntegration:
    """Add Connected Car through the real config flow and Connect; return the loaded entry."""

    v3_added = False

    async def setup(provider: str = "smartcar", **connect_options: Any) -> MockConfigEntry:
        """Connect provider's simulated account; smartcar_v3 is Smartcar with v3 credentials."""
        nonlocal v3_added
        if provider == "smartcar_v3" and not v3_added:
            await add_v3_credentials(hass)
            v3_added = True
        if provider == "high_mobility":
            # A car the fleet operator cleared earlier, picked from the fleet.
            await add_to_fleet(sim, (BMW, "bmw"))
            await advance(sim, APPROVAL_DELAY)
            result = await connect_hm(hass, fleet_cars=[BMW])
        else:
            result = await connect(
                hass, await hass_client_no_auth(), sim, provider=provider, **connect_options
            )
        assert result["type"] == "create_entry", result
        await hass.async_block_till_done()
        entry = result["result"]
        assert entry.state is ConfigEntryState.LOADED
        return entry  # type: ignore[no-any-return]

    return setup


@pytest.fixture(params=["smartcar", "volvo", "high_mobility"])
def provider(request: pytest.FixtureRequest) -> str:
    """Each provider in turn, for behaviour every provider shares."""
    return str(request.param)
