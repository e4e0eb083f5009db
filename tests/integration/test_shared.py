"""What every provider does alike, one test for each behaviour, run for each provider."""

from dataclasses import dataclass
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.connected_car.api.model import Feature
from custom_components.connected_car.const import DOMAIN

from .conftest import SetupIntegration
from .helpers import problem_issues, reauth_started, state_of
from .simulator_control import SimulatorControl

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")


@dataclass(frozen=True)
class Car:
    """One car of a provider's simulated account, and how its faults are injected."""

    model: str
    entity: str  # the car's entity id prefix
    odometer: str  # the odometer's path
    rate_limit: tuple[str, str | None]  # (type, code) of a rate limit
    unsupported: tuple[str, str | None]  # (type, code) of "this car cannot"
    server_error: tuple[str, str | None]


CARS = {
    "smartcar": Car(
        model="F-150",
        entity="ford_f_150",
        odometer="/odometer",
        rate_limit=("RATE_LIMIT", "VEHICLE"),
        unsupported=("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"),
        server_error=("SERVER", "INTERNAL"),
    ),
    "volvo": Car(
        model="XC60",
        entity="volvo_xc60",
        odometer="/odometer",
        rate_limit=("TOO_MANY_REQUESTS", None),
        unsupported=("NOT_FOUND", "RESOURCE"),
        server_error=("INTERNAL_SERVER_ERROR", None),
    ),
    # High Mobility answers a car's data in one request: it has no "cannot" per path to inject.
    "high_mobility": Car(
        model="i4 eDrive40",
        entity="bmw_7213",
        odometer="/v1/vehicle-data/autoapi-13/{vin}",
        rate_limit=("TOO_MANY_REQUESTS", None),
        unsupported=("", None),
        server_error=("INTERNAL_SERVER_ERROR", None),
    ),
}
# Providers that say per path that a car cannot give some data.
PER_PATH_PROVIDERS = ["smartcar", "volvo"]
# Providers whose users log in through OAuth2 (the others hold the application's credentials).
OAUTH2_PROVIDERS = ["smartcar", "volvo"]


async def _car(sim: SimulatorControl, provider: str) -> tuple[Car, str]:
    car = CARS[provider]
    return car, next(c["id"] for c in await sim.vehicles(provider) if c["model"] == car.model)


async def test_a_rate_limit_keeps_values_and_sends_nothing_until_it_ends(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """429 with Retry-After 120: the last values stay, no reauth, nothing sent for 120 s."""
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    coordinator = entry.runtime_data.coordinators[vehicle_id]
    odometer = state_of(hass, f"sensor.{car.entity}_odometer")
    error_type, code = car.rate_limit
    await sim.inject_error(
        provider=provider, vehicle_id=vehicle_id, type=error_type, code=code, retry_after=120
    )

    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()
    assert state_of(hass, f"sensor.{car.entity}_odometer") == odometer
    assert not reauth_started(hass)
    await sim.clear_errors()

    await sim.reset_stats()
    freezer.tick(timedelta(seconds=100))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    refresh = {"entity_id": f"button.{car.entity}_refresh"}
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call("button", "press", refresh, blocking=True)
    assert raised.value.translation_key == "rate_limited"
    assert (await sim.stats(provider))["vehicles"][vehicle_id]["requests"] == 0

    freezer.tick(timedelta(seconds=25))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await hass.services.async_call("button", "press", refresh, blocking=True)
    assert (await sim.stats(provider))["vehicles"][vehicle_id]["requests"] >= 1


@pytest.mark.parametrize("provider", PER_PATH_PROVIDERS)
async def test_a_feature_the_car_cannot_give_is_no_longer_read(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """The provider says the car has no odometer: one answer is no proof, three over half a day
    are. Then the odometer goes, and nothing else does; Refresh asks for it once more."""
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    coordinator = entry.runtime_data.coordinators[vehicle_id]
    odometer = state_of(hass, f"sensor.{car.entity}_odometer")
    error_type, code = car.unsupported
    await sim.inject_error(
        provider=provider, vehicle_id=vehicle_id, path=car.odometer, type=error_type, code=code
    )

    for answers in (1, 2):
        await coordinator.async_refresh_everything()
        await hass.async_block_till_done()
        assert Feature.ODOMETER in coordinator.supported
        assert state_of(hass, f"sensor.{car.entity}_odometer") == odometer
        assert len(coordinator.unsupported_answers[Feature.ODOMETER]) == answers
        freezer.tick(timedelta(hours=6))
    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()

    assert Feature.ODOMETER not in coordinator.supported
    assert state_of(hass, f"sensor.{car.entity}_odometer") == STATE_UNAVAILABLE
    assert state_of(hass, f"device_tracker.{car.entity}_location") != STATE_UNAVAILABLE
    assert not reauth_started(hass)

    # After a reload the odometer has no entity, not even in the registry; Refresh asks once
    # more, and it is back.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{car.entity}_odometer") is None
    await sim.clear_errors()
    await entry.runtime_data.coordinators[vehicle_id].async_refresh_everything()
    await hass.async_block_till_done()
    assert Feature.ODOMETER in entry.runtime_data.coordinators[vehicle_id].supported
    assert state_of(hass, f"sensor.{car.entity}_odometer") == odometer


@pytest.mark.parametrize("provider", PER_PATH_PROVIDERS)
async def test_a_reading_between_cannot_answers_starts_the_count_again(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl, provider: str
) -> None:
    """A passing "cannot" followed by a good reading leaves nothing behind."""
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    coordinator = entry.runtime_data.coordinators[vehicle_id]
    error_type, code = car.unsupported
    await sim.inject_error(
        provider=provider,
        vehicle_id=vehicle_id,
        path=car.odometer,
        type=error_type,
        code=code,
        times=1,
    )
    await coordinator.async_refresh_everything()
    assert Feature.ODOMETER in coordinator.unsupported_answers

    await coordinator.async_refresh_everything()
    assert Feature.ODOMETER not in coordinator.unsupported_answers
    assert Feature.ODOMETER in coordinator.supported


async def test_an_outage_backs_off_and_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """A provider outage of an hour: a handful of requests, no repair, values back after."""
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    error_type, code = car.server_error
    await sim.inject_error(provider=provider, vehicle_id=vehicle_id, type=error_type, code=code)
    await sim.reset_stats()

    for _ in range(60):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)

    requests = (await sim.stats(provider))["vehicles"][vehicle_id]["requests"]
    assert requests <= 12
    assert not reauth_started(hass)
    assert not problem_issues(hass)

    await sim.clear_errors()
    await entry.runtime_data.coordinators[vehicle_id].async_refresh_everything()
    await hass.async_block_till_done()
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """Tokens, API keys, VINs, locations and account ids never reach diagnostics."""
    entry = await setup_integration(provider=provider)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    text = str(diagnostics)
    token = entry.data.get("token", {})
    for secret in (token.get("access_token"), token.get("refresh_token"), token.get("id_token")):
        assert not secret or secret not in text
    assert entry.data.get("api_key", "no key") not in text
    assert entry.data.get("client_secret", "no secret") not in text
    cars = await sim.vehicles(provider)
    shown = [car for car in cars if car["id"] in entry.runtime_data.coordinators]
    for car in cars:
        assert car["vin"] not in text
        assert str(car["state"]["location"]["latitude"]) not in text
    assert entry.unique_id is not None
    assert entry.unique_id.split(":", 1)[1] not in text
    assert len(diagnostics["cars"]) == len(shown)
    shown_data = diagnostics["entry"]["data"]
    secret = shown_data["token"]["access_token"] if token else shown_data["client_secret"]
    assert secret == "**REDACTED**"
    for car in diagnostics["cars"].values():
        assert set(car["last_read"]) <= set(car["supported"])
        assert car["polled"]


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
@pytest.mark.parametrize("lasting", [False, True])
async def test_a_refused_token_is_renewed_once_before_reauth(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
    lasting: bool,
) -> None:
    """A 401 on a token that has not expired: one new token and one retry. Only a refusal that
    lasts past the new token asks the user to log in again."""
    entry = await setup_integration(provider=provider)
    _, vehicle_id = await _car(sim, provider)
    coordinator = entry.runtime_data.coordinators[vehicle_id]
    old_token = entry.data["token"]["access_token"]
    error_type = {"smartcar": "AUTHENTICATION", "volvo": "UNAUTHORIZED"}[provider]
    await sim.inject_error(
        provider=provider,
        vehicle_id=vehicle_id,
        type=error_type,
        code=None,
        times=None if lasting else 1,
    )

    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()

    assert entry.data["token"]["access_token"] != old_token
    assert reauth_started(hass) is lasting
    assert coordinator.last_update_success is not lasting


async def test_a_retry_after_of_a_year_waits_a_day_and_says_so(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """A provider asking for a year of silence gets a day, and a repair naming when it ends."""
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    coordinator = entry.runtime_data.coordinators[vehicle_id]
    error_type, code = car.rate_limit
    await sim.inject_error(
        provider=provider,
        vehicle_id=vehicle_id,
        type=error_type,
        code=code,
        retry_after=365 * 86400,
        times=1,
    )

    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()

    assert coordinator.quiet_until is not None
    assert coordinator.quiet_until - dt_util.utcnow() <= timedelta(days=1)
    issue_id = f"{provider}_{vehicle_id}_rate_limited_long"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["resumes"]

    freezer.tick(timedelta(days=1, minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    await hass.services.async_call(
        "button", "press", {"entity_id": f"button.{car.entity}_refresh"}, blocking=True
    )
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
