"""Smartcar v3's app token with 12 cars: one per application, renewed once, its refusal a repair."""

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.const import CONF_API_VERSION, DOMAIN
from custom_components.connected_car.tokens import credentials_issue_id
from simulator.config import SimulatorConfig
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock

from .conftest import SetupIntegration
from .helpers import reauth_started
from .simulator_control import (
    V3_APPLICATION_ID,
    V3_AUTH_DOMAIN,
    SimulatorControl,
    finish_connect,
    start_flow,
)

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

CARS = 12
LEGACY_ID = "6f9619ff-8b86-4011-b42d-00cf4fc964ff"


@pytest.fixture
def simulator_config(
    simulator_clock: SimulatorClock, request: pytest.FixtureRequest
) -> SimulatorConfig:
    """A garage of 12 Smartcar cars; for the legacy test, a v3 application whose API
    credential has a UUID id."""
    return SimulatorConfig(
        redirect_uris=[TEST_REDIRECT_URI],
        clock=simulator_clock,
        cars=CARS,
        v3_client_id=LEGACY_ID if "legacy" in request.node.name else "client_sim_v3",
    )


async def tokens_issued(sim: SimulatorControl) -> int:
    """App tokens IAM issued so far."""
    return int((await sim.call("GET", "/smartcar-v3"))["app_tokens_issued"])


async def pass_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, sim: SimulatorControl, seconds: int
) -> None:
    """Move Home Assistant's and the simulator's clocks alike."""
    freezer.tick(timedelta(seconds=seconds))
    await sim.call("POST", "/clock", {"advance": seconds})


async def poll_every_car(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Every car polls at once."""
    await asyncio.gather(
        *(c.async_refresh_everything() for c in entry.runtime_data.coordinators.values())
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_one_app_token_for_12_cars_renewed_once_before_it_expires(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Connecting and setting up 12 cars takes one app token; 12 cars polling near its end
    renew it once, before the API would refuse it."""
    entry = await setup_integration(provider="smartcar_v3")
    assert len(entry.runtime_data.coordinators) == CARS
    assert await tokens_issued(sim) == 1

    await poll_every_car(hass, entry)
    assert await tokens_issued(sim) == 1

    await pass_time(hass, freezer, sim, 3400)  # within 5 minutes of the hour's end
    await poll_every_car(hass, entry)
    assert await tokens_issued(sim) == 2
    assert all(c.last_update_success for c in entry.runtime_data.coordinators.values())


async def test_a_token_refused_early_is_renewed_once_for_every_car(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The API refuses the token before its hour is over, to every car: one renewal for all,
    no login asked."""
    entry = await setup_integration(provider="smartcar_v3")
    await sim.inject_error(
        provider="smartcar_v3", path="/signals", type="AUTHENTICATION", times=CARS
    )
    await poll_every_car(hass, entry)
    assert await tokens_issued(sim) == 2
    assert not reauth_started(hass)
    assert all(c.last_update_success for c in entry.runtime_data.coordinators.values())


async def test_a_legacy_id_that_iam_grants_is_v3(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """A UUID credential, with an Application ID on the form, that IAM grants a token is v3."""
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(LEGACY_ID, "sim-v3-secret", "Smartcar upgraded app"),
        "smartcar:upgraded",
    )
    result = await start_flow(hass, provider="smartcar", application_id=V3_APPLICATION_ID)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "smartcar:upgraded"}
    )
    assert URL(result["url"]).query["client_id"] == V3_APPLICATION_ID
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["result"].data[CONF_API_VERSION] == "v3"


async def test_invalid_client_raises_the_credentials_repair_not_a_login(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """IAM refuses the application's credential at renewal: the repair says so and nobody is
    asked to log in; once IAM accepts it again the repair closes and the cars are read."""
    entry = await setup_integration(provider="smartcar_v3")
    await sim.inject_error(provider="smartcar_v3", path="/oauth2/token", type="AUTHENTICATION")
    await pass_time(hass, freezer, sim, 3600)
    await poll_every_car(hass, entry)

    issue_id = credentials_issue_id(V3_AUTH_DOMAIN)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    assert not reauth_started(hass)

    await sim.clear_errors()
    await poll_every_car(hass, entry)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert all(c.last_update_success for c in entry.runtime_data.coordinators.values())
