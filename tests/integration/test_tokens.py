"""The token endpoint's faults (issue 15, items 3, 6, 8 and 9), for each provider.

Only a refused grant asks the user to log in again; refused application credentials raise a repair;
any other trouble is passing; a Retry-After holds token requests back; a hung endpoint times out; a
renewal that a reload interrupts still stores its token.
"""

import asyncio
from datetime import timedelta
import json
import logging
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.connected_car import tokens
from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.providers import (
    smartcar as smartcar_provider,
    volvo as volvo_provider,
)
from custom_components.connected_car.tokens import credentials_issue_id
from simulator.config import SimulatorConfig
from tests.conftest import TEST_REDIRECT_URI, SimulatorClock

from .conftest import SetupIntegration
from .helpers import reauth_started, state_of
from .high_mobility import (
    APPROVAL_DELAY,
    BMW,
    HM_CLIENT_SECRET,
    MERCEDES,
    add_to_fleet,
    advance,
    connect_hm,
)
from .simulator_control import SimulatorControl
from .test_shared import _car

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

TOKEN_PATHS = {"smartcar": "/oauth/token", "volvo": "/as/token.oauth2"}
CREDENTIALS = {"smartcar": "Smartcar simulator app", "volvo": "Volvo Cars simulator app"}
PROVIDER_NAMES = {"smartcar": "Smartcar", "volvo": "Volvo Cars"}
# Providers whose users log in through OAuth2 (High Mobility's own client credentials: below).
OAUTH2_PROVIDERS = ["smartcar", "volvo"]
HM = "high_mobility"
HM_TOKEN_PATH = "/v1/access_tokens"


@pytest.fixture
def simulator_config(simulator_clock: SimulatorClock) -> SimulatorConfig:
    """Smartcar honours a used refresh token for a minute, as providers with a grace period do."""
    return SimulatorConfig(
        redirect_uris=[TEST_REDIRECT_URI], clock=simulator_clock, refresh_grace_seconds=60
    )


def _expire(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    token = {**entry.data["token"], "expires_at": 0}
    hass.config_entries.async_update_entry(entry, data={**entry.data, "token": token})


async def _token_answers(sim: SimulatorControl, provider: str, **answer: Any) -> None:
    await sim.inject_error(provider=provider, path=TOKEN_PATHS[provider], type="RAW", **answer)


async def _poll(hass: HomeAssistant, entry: MockConfigEntry, vehicle_id: str) -> None:
    await entry.runtime_data.coordinators[vehicle_id].async_refresh_everything()
    await hass.async_block_till_done()


async def _step(hass: HomeAssistant, freezer: FrozenDateTimeFactory, span: timedelta) -> None:
    for _ in range(int(span / timedelta(minutes=1))):
        freezer.tick(timedelta(minutes=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
async def test_refused_grant_asks_to_log_in_again(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl, provider: str
) -> None:
    """invalid_grant: the refresh token is dead, so the user logs in again."""
    entry = await setup_integration(provider=provider)
    _, vehicle_id = await _car(sim, provider)
    body = json.dumps({"error": "invalid_grant", "error_description": "expired"})
    await _token_answers(sim, provider, status=400, content_type="application/json", body=body)
    _expire(hass, entry)

    await _poll(hass, entry, vehicle_id)
    assert reauth_started(hass)


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
async def test_refused_application_credentials_raise_a_repair_not_a_login(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """401 invalid_client: a repair about the application's credentials; it closes by itself
    once the provider accepts them again.
    """
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    body = json.dumps({"error": "invalid_client", "error_description": "Bad client"})
    await _token_answers(sim, provider, status=401, content_type="application/json", body=body)
    _expire(hass, entry)

    await _poll(hass, entry, vehicle_id)
    assert not reauth_started(hass)
    issue_id = credentials_issue_id(entry.data["auth_implementation"])
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "credentials_refused"
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["provider"] == PROVIDER_NAMES[provider]
    assert issue.translation_placeholders["credential"] == CREDENTIALS[provider]
    assert issue.translation_placeholders["url"].startswith("https://")

    await sim.clear_errors()
    await _step(hass, freezer, timedelta(minutes=5))
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
@pytest.mark.parametrize(
    "answer",
    [
        {"status": 408},
        {"status": 404, "content_type": "text/html", "body": "<h1>Not Found</h1>"},
        {"status": 403, "content_type": "text/plain", "body": "Forbidden"},
        {"status": 502, "content_type": "text/html", "body": "<h1>Bad gateway</h1>"},
        {"status": 200, "content_type": "application/json", "body": '{"token_type": "bearer"}'},
    ],
    ids=["408 without a body", "404 page", "403 without OAuth error", "502", "200 without token"],
)
async def test_passing_trouble_never_asks_to_log_in(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
    answer: dict[str, Any],
) -> None:
    """Anything but a refused grant or client: the poll fails, is retried, and works again."""
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    await _token_answers(sim, provider, times=1, **answer)
    _expire(hass, entry)

    await _poll(hass, entry, vehicle_id)
    assert not reauth_started(hass)
    # The next poll that reads anything renews the token (Volvo's first such is 30 min away).
    await _step(hass, freezer, timedelta(minutes=35))
    assert not reauth_started(hass)
    assert entry.data["token"]["expires_at"] > 0
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
async def test_token_retry_after_holds_every_renewal_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """429 with Retry-After: 600 on the token endpoint: no token request for ten minutes."""
    entry = await setup_integration(provider=provider)
    _, vehicle_id = await _car(sim, provider)
    await _token_answers(
        sim, provider, status=429, content_type="application/json", body="{}", retry_after=600
    )
    _expire(hass, entry)

    await _poll(hass, entry, vehicle_id)
    assert entry.data["token"]["expires_at"] == 0
    await sim.clear_errors()
    # The polls of the next ten minutes are retried, but ask for no token: it would be given now.
    await _step(hass, freezer, timedelta(minutes=9))
    assert entry.data["token"]["expires_at"] == 0
    await _step(hass, freezer, timedelta(minutes=25))
    assert entry.data["token"]["expires_at"] > 0
    assert not reauth_started(hass)


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
async def test_a_hung_token_endpoint_times_out(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
) -> None:
    """A token endpoint that never answers: the poll and a command end at the timeout with a
    translated error, and nobody is asked to log in.
    """
    monkeypatch.setattr(tokens, "TOKEN_TIMEOUT", aiohttp.ClientTimeout(total=0.5))
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    await sim.inject_error(provider=provider, path=TOKEN_PATHS[provider], type="TIMEOUT")
    _expire(hass, entry)

    async with asyncio.timeout(10):
        with pytest.raises(HomeAssistantError) as raised:
            await hass.services.async_call(
                "lock", "unlock", {"entity_id": f"lock.{car.entity}_door_lock"}, blocking=True
            )
        await _poll(hass, entry, vehicle_id)
    assert raised.value.translation_domain == DOMAIN
    assert not reauth_started(hass)
    await sim.clear_errors()


async def test_a_reload_during_a_renewal_keeps_the_rotated_token(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """The entry reloads while its token is being renewed: the renewal still stores the new
    token, and the reloaded entry uses it instead of spending the rotated refresh token again.
    """
    entry = await setup_integration()
    _, vehicle_id = await _car(sim, "smartcar")
    old_refresh_token = entry.data["token"]["refresh_token"]
    _expire(hass, entry)
    await sim.latency(300)

    poll = hass.async_create_task(_poll(hass, entry, vehicle_id))
    await asyncio.sleep(0.1)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await asyncio.gather(poll, return_exceptions=True)

    assert entry.data["token"]["refresh_token"] != old_refresh_token
    assert entry.data["token"]["expires_at"] > 0
    assert not reauth_started(hass)


async def test_a_lost_token_answer_is_renewed_at_the_next_try(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The provider rotated the refresh token but its answer never came: with the provider's
    grace for a just-used refresh token, the next renewal works and nobody logs in again.
    """
    entry = await setup_integration()
    car, vehicle_id = await _car(sim, "smartcar")
    await sim.inject_error(provider="smartcar", path="/oauth/token", type="LOST", times=1)
    _expire(hass, entry)

    await _poll(hass, entry, vehicle_id)
    assert entry.data["token"]["expires_at"] == 0
    await _step(hass, freezer, timedelta(minutes=2))
    assert entry.data["token"]["expires_at"] > 0
    assert not reauth_started(hass)
    assert state_of(hass, f"sensor.{car.entity}_odometer") != STATE_UNAVAILABLE


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
async def test_many_cars_on_an_expired_token_renew_it_once(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    monkeypatch: pytest.MonkeyPatch,
    provider: str,
) -> None:
    """Every car polls at once on an expired token: one token request serves them all."""
    entry = await setup_integration(provider=provider)
    module = {"smartcar": smartcar_provider, "volvo": volvo_provider}[provider]
    requests: list[str] = []
    real = module.async_token_request

    async def counted(*args: Any, **kwargs: Any) -> dict[str, Any]:
        requests.append(args[1])
        return await real(*args, **kwargs)

    monkeypatch.setattr(module, "async_token_request", counted)
    _expire(hass, entry)
    coordinators = list(entry.runtime_data.coordinators.values())

    await asyncio.gather(*(c.async_refresh_everything() for c in coordinators * 4))
    assert len(requests) == 1
    assert all(c.last_update_success for c in coordinators)


@pytest.mark.parametrize("provider", OAUTH2_PROVIDERS)
async def test_no_secret_reaches_the_log(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    provider: str,
) -> None:
    """Setup, polls, a renewal, a refused renewal and a command log no token, secret, VIN or
    position, even at debug level.
    """
    caplog.set_level(logging.DEBUG)
    entry = await setup_integration(provider=provider)
    car, vehicle_id = await _car(sim, provider)
    old_tokens = dict(entry.data["token"])
    _expire(hass, entry)
    await _poll(hass, entry, vehicle_id)
    body = json.dumps({"error": "invalid_client", "error_description": "Bad client"})
    await _token_answers(sim, provider, status=401, content_type="application/json", body=body)
    _expire(hass, entry)
    await _poll(hass, entry, vehicle_id)
    await sim.clear_errors()
    await hass.services.async_call(
        "lock", "lock", {"entity_id": f"lock.{car.entity}_door_lock"}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    secrets = {
        old_tokens["access_token"],
        old_tokens["refresh_token"],
        entry.data["token"]["access_token"],
        entry.data["token"]["refresh_token"],
        "sim-client-secret",
        "sim-volvo-client-secret",
        "sim-vcc-api-key",
    }
    for vehicle in await sim.vehicles(provider):
        secrets.add(vehicle["vin"])
        location = vehicle["state"]["location"]
        secrets |= {str(location["latitude"]), str(location["longitude"])}
    leaked = {secret for secret in secrets if secret in caplog.text}
    assert not leaked


# High Mobility: the client-credentials token of the application, one for every car.


async def _hm_tokens_issued(sim: SimulatorControl) -> int:
    state = await sim.call("GET", "/high_mobility")
    return int(state["environments"]["production"]["tokens_issued"])


async def _hm_expire(sim: SimulatorControl) -> None:
    """High Mobility's clock passes the application's token (5 minutes): the next request is
    refused, and the client asks for a new token."""
    await advance(sim, 400)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 408},
        {"status": 404, "content_type": "text/html", "body": "<h1>Not Found</h1>"},
        {"status": 403, "content_type": "text/plain", "body": "Forbidden"},
        {"status": 502, "content_type": "text/html", "body": "<h1>Bad gateway</h1>"},
        {"status": 200, "content_type": "application/json", "body": '{"token_type": "bearer"}'},
    ],
    ids=["408 without a body", "404 page", "403 without OAuth error", "502", "200 without token"],
)
async def test_high_mobility_passing_trouble_never_asks_for_a_new_secret(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    answer: dict[str, Any],
) -> None:
    """Anything but a refusal in OAuth's words: the poll fails, is retried, and works again."""
    entry = await setup_integration(provider=HM)
    coordinator = entry.runtime_data.coordinators[BMW]
    await sim.inject_error(provider=HM, path=HM_TOKEN_PATH, type="RAW", times=1, **answer)
    await _hm_expire(sim)

    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()
    assert not coordinator.last_update_success
    assert not reauth_started(hass)
    await _step(hass, freezer, timedelta(minutes=20))
    assert not reauth_started(hass)
    assert coordinator.last_update_success
    assert state_of(hass, "sensor.bmw_7213_odometer") != STATE_UNAVAILABLE


async def test_high_mobility_refused_secret_asks_for_a_new_one_not_a_repair(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The token endpoint refuses the secret in OAuth's words: the reauth flow that takes a new
    secret starts; no credentials repair (there is no application credential to fix)."""
    entry = await setup_integration(provider=HM)
    body = json.dumps({"error": "invalid_request", "error_description": "client_secret is invalid"})
    await sim.inject_error(
        provider=HM,
        path=HM_TOKEN_PATH,
        type="RAW",
        status=400,
        content_type="application/json",
        body=body,
    )
    await _hm_expire(sim)
    await entry.runtime_data.coordinators[BMW].async_refresh_everything()
    await hass.async_block_till_done()
    assert reauth_started(hass)
    flow = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
    assert flow["context"]["source"] == "reauth"
    assert not any(
        issue_id.startswith("credentials_refused") for _, issue_id in issue_registry.issues
    )


async def test_high_mobility_token_retry_after_holds_every_token_request_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """429 with Retry-After: 600 on the token endpoint: no token request for ten minutes, even
    after a reload; then polling goes on."""
    entry = await setup_integration(provider=HM)
    await sim.inject_error(
        provider=HM,
        path=HM_TOKEN_PATH,
        type="RAW",
        status=429,
        content_type="application/json",
        body="{}",
        retry_after=600,
    )
    await _hm_expire(sim)
    await entry.runtime_data.coordinators[BMW].async_refresh_everything()
    await hass.async_block_till_done()
    await sim.clear_errors()
    issued = await _hm_tokens_issued(sim)

    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await _step(hass, freezer, timedelta(minutes=8))
    assert await _hm_tokens_issued(sim) == issued
    await _step(hass, freezer, timedelta(minutes=25))
    assert await _hm_tokens_issued(sim) > issued
    assert not reauth_started(hass)
    assert entry.runtime_data.coordinators[BMW].last_update_success


async def test_high_mobility_many_cars_on_an_expired_token_renew_it_once(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Every car polls at once on an expired token: one token request serves them all."""
    await add_to_fleet(sim, (BMW, "bmw"), (MERCEDES, "mercedes-benz"))
    await advance(sim, APPROVAL_DELAY)
    result = await connect_hm(hass, fleet_cars=[BMW, MERCEDES])
    await hass.async_block_till_done()
    entry = result["result"]
    coordinators = list(entry.runtime_data.coordinators.values())
    assert len(coordinators) == 2
    await _hm_expire(sim)
    issued = await _hm_tokens_issued(sim)

    await asyncio.gather(*(c.async_refresh_everything() for c in coordinators * 4))
    assert await _hm_tokens_issued(sim) == issued + 1
    assert all(c.last_update_success for c in coordinators)


async def test_high_mobility_logs_no_secret(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Setup, polls, a renewal and a refused renewal log no secret, VIN or position, even at
    debug level."""
    caplog.set_level(logging.DEBUG)
    entry = await setup_integration(provider=HM)
    coordinator = entry.runtime_data.coordinators[BMW]
    await _hm_expire(sim)
    await coordinator.async_refresh_everything()
    body = json.dumps({"error": "invalid_request", "error_description": "client_secret is invalid"})
    await sim.inject_error(
        provider=HM,
        path=HM_TOKEN_PATH,
        type="RAW",
        status=400,
        content_type="application/json",
        body=body,
    )
    await _hm_expire(sim)
    await coordinator.async_refresh_everything()
    await hass.async_block_till_done(wait_background_tasks=True)

    secrets = {HM_CLIENT_SECRET}
    for vehicle in await sim.vehicles(HM):
        secrets.add(vehicle["vin"])
        location = vehicle["state"]["location"]
        secrets |= {str(location["latitude"]), str(location["longitude"])}
    assert not {secret for secret in secrets if secret in caplog.text}
