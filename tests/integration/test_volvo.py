"""Volvo Cars through Home Assistant: login with PKCE and the API key, reads, commands, quota."""

from datetime import timedelta

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.const import CONF_API_KEY, CONF_PROVIDER, CONF_VEHICLES, DOMAIN

from .conftest import SetupIntegration
from .helpers import reauth_started, state_of
from .simulator_control import SimulatorControl, finish_connect, start_flow

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

EX30 = "YV1EF5KA6SE314159"
XC60 = "YV1UZH1V4R1265358"
V60 = "YV1ZWA8T3P2979323"


async def test_volvo_id_login_creates_the_entry(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """PKCE S256 and the scopes go to Volvo ID; the entry knows the account, key and cars."""
    result = await start_flow(hass, provider="volvo")
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    query = URL(result["url"]).query
    assert query["client_id"] == "sim-volvo-client-id"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    for scope in ("openid", "conve:lock_status", "conve:lock", "energy:state:read"):
        assert scope in query["scope"].split()

    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.title == "Volvo Cars: Volvo EX30, Volvo V60 and 1 more"
    assert entry.unique_id.startswith("volvo:")
    assert entry.data[CONF_PROVIDER] == "volvo"
    assert entry.data[CONF_API_KEY] == "sim-vcc-api-key"
    assert set(entry.data[CONF_VEHICLES]) == {EX30, XC60, V60}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert state_of(hass, "lock.volvo_ex30_door_lock") == "locked"


async def test_a_refused_api_key_is_asked_again(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """Volvo refuses the API key: the form says so on the key, and the login is not repeated."""
    result = await start_flow(hass, provider="volvo", api_key="not-the-key")
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "volvo"
    assert result["errors"] == {"api_key": "refused"}
    assert not hass.config_entries.async_entries(DOMAIN)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": "sim-vcc-api-key"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_API_KEY] == "sim-vcc-api-key"


async def test_a_broken_pkce_exchange_creates_nothing(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """A code issued for another challenge is refused at the token endpoint: no entry."""
    result = await start_flow(hass, provider="volvo")
    other = "A" * 43
    tampered = URL(result["url"]).update_query(code_challenge=other)
    result = await finish_connect(
        hass, await hass_client_no_auth(), sim, {**result, "url": str(tampered)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_the_same_account_twice_names_its_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """A second add of the same Volvo account aborts and says which entry has it."""
    entry = await setup_integration(provider="volvo")
    result = await start_flow(hass, provider="volvo")
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert result["description_placeholders"] == {"title": entry.title}


async def test_reauth_and_reconfigure_keep_the_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
    setup_integration: SetupIntegration,
) -> None:
    """Logging in again keeps the entry and its cars; reconfigure can change the API key."""
    entry = await setup_integration(provider="volvo")
    old_token = entry.data["token"]["access_token"]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id}, data=entry.data
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["access_token"] != old_token
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": "sim-vcc-api-key"}
    )
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_the_cars_show_what_volvo_reports(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Each Volvo's entities carry the simulated car's state; a petrol car has no battery."""
    await setup_integration(provider="volvo")
    cars = {car["vin"]: car["state"] for car in await sim.vehicles("volvo")}

    ex30 = cars[EX30]
    assert state_of(hass, "lock.volvo_ex30_door_lock") == (
        "locked" if ex30["locked"] else "unlocked"
    )
    assert float(state_of(hass, "sensor.volvo_ex30_battery_level")) == pytest.approx(
        ex30["battery"]["percent"] * 100, abs=1
    )
    assert state_of(hass, "sensor.volvo_ex30_odometer") != STATE_UNAVAILABLE
    assert state_of(hass, "binary_sensor.volvo_ex30_hood") == "off"
    assert hass.states.get("sensor.volvo_v60_battery_level") is None
    assert state_of(hass, "device_tracker.volvo_v60_location") == "not_home"
    assert state_of(hass, "binary_sensor.volvo_xc60_engine") == "off"
    assert state_of(hass, "sensor.volvo_ex30_charging_type") == "ac"
    picture = hass.states.get("image.volvo_ex30_picture")
    assert picture is not None
    assert picture.attributes["entity_picture"].startswith("/api/image_proxy/image.volvo_ex30")
    assert hass.states.get("image.ford_f_150_picture") is None  # Smartcar sends no picture
    # What a car never reported gets no entity: the EX30 has no engine oil or coolant to warn of.
    assert hass.states.get("binary_sensor.volvo_ex30_oil_level") is None
    assert hass.states.get("binary_sensor.volvo_ex30_coolant_level") is None
    assert state_of(hass, "binary_sensor.volvo_xc60_oil_level") == "off"


async def test_lock_unlock_and_buttons_reach_the_car(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Unlock and lock through the lock entity; flash through its button; one read confirms."""
    await setup_integration(provider="volvo")
    await hass.services.async_call(
        "lock", "unlock", {"entity_id": "lock.volvo_ex30_door_lock"}, blocking=True
    )
    ex30 = next(c for c in await sim.vehicles("volvo") if c["vin"] == EX30)
    assert ex30["state"]["locked"] is False
    assert state_of(hass, "lock.volvo_ex30_door_lock") == "unlocked"

    await hass.services.async_call(
        "lock", "lock", {"entity_id": "lock.volvo_ex30_door_lock"}, blocking=True
    )
    ex30 = next(c for c in await sim.vehicles("volvo") if c["vin"] == EX30)
    assert ex30["state"]["locked"] is True

    await hass.services.async_call(
        "button", "press", {"entity_id": "button.volvo_ex30_flash_lights"}, blocking=True
    )


@pytest.mark.parametrize(
    ("status", "key"),
    [
        ("VEHICLE_IN_SLEEP", "vehicle_state_asleep"),
        ("CAR_IN_SLEEP_MODE", "vehicle_state_asleep"),
        ("UNABLE_TO_LOCK_DOOR_OPEN", "vehicle_state_door_open"),
        ("CONNECTION_FAILURE", "vehicle_state_unreachable"),
        ("REJECTED", "command_failed"),
        ("NOT_SUPPORTED", "not_supported"),
    ],
)
async def test_invoke_statuses_become_translated_errors(
    hass: HomeAssistant,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
    status: str,
    key: str,
) -> None:
    """A command Volvo does not carry out says why, in words the UI and Assist show."""
    await setup_integration(provider="volvo")
    await sim.call("POST", "/volvo/invoke-status", {"status": status, "vehicle_id": EX30})
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "lock", "lock", {"entity_id": "lock.volvo_ex30_door_lock"}, blocking=True
        )
    assert raised.value.translation_key == key


async def test_a_used_up_quota_pauses_without_reauth(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Volvo's quota 403: no reauth, a repair that says when polling resumes, nothing sent."""
    entry = await setup_integration(provider="volvo")
    await sim.call("POST", "/volvo/quota", {"used": 10_000})
    coordinator = entry.runtime_data.coordinators[EX30]
    await coordinator.async_refresh_everything()
    await hass.async_block_till_done()

    assert not reauth_started(hass)
    assert issue_registry.async_get_issue(DOMAIN, f"volvo_{EX30}_budget_used_up") is not None
    assert state_of(hass, "sensor.volvo_ex30_odometer") != STATE_UNAVAILABLE

    await sim.reset_stats()
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=1))
    await hass.async_block_till_done()
    assert (await sim.stats("volvo"))["vehicles"][EX30]["requests"] == 0


async def test_an_account_without_cars_creates_nothing(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """Volvo ID lets the user in, but the account holds no car: the flow says so."""
    result = await start_flow(hass, provider="volvo")
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result, sim_approve=",")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_vehicles"
    assert result["description_placeholders"] == {"provider": "Volvo Cars"}
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_a_denied_login_says_so(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """The user cancels at Volvo ID: the flow ends with Volvo's words, nothing is created."""
    result = await start_flow(hass, provider="volvo")
    result = await finish_connect(
        hass, await hass_client_no_auth(), sim, result, sim_error="access_denied"
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "access_denied"
    assert result["description_placeholders"] == {"provider": "Volvo Cars"}


async def test_another_account_of_the_same_app_gets_its_api_key(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The API key belongs to the application: adding a second account offers the first's."""
    await setup_integration()  # a Smartcar entry, which has no API key
    await setup_integration(provider="volvo")
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": "user"})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "volvo"}
    )
    assert result["type"] is FlowResultType.FORM
    field = next(iter(result["data_schema"].schema))  # type: ignore[union-attr]
    assert field == "api_key"
    assert field.default() == "sim-vcc-api-key"


async def test_options_set_the_daily_requests(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """The application's daily requests is Volvo's option; the entry reloads with it."""
    entry = await setup_integration(provider="volvo")
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert set(result["data_schema"].schema) == {"daily_requests"}  # type: ignore[union-attr]
    assert result["description_placeholders"]["interval"] == "30 min"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"daily_requests": 20_000.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {"daily_requests": 20_000}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_only_volvo_applications_are_offered_on_volvo_login(
    hass: HomeAssistant,
) -> None:
    """Two Volvo applications and a Smartcar one: the pick step lists the two Volvo ones."""
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential("second-volvo-id", "secret", "Volvo Cars second app"),
        "volvo:second-volvo-id",
    )
    result = await start_flow(hass, provider="volvo")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_implementation"
    offered = result["data_schema"].schema["implementation"].container  # type: ignore[union-attr]
    assert sorted(offered.values()) == ["Volvo Cars second app", "Volvo Cars simulator app"]


async def test_a_command_on_a_used_up_quota_says_when_it_renews(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """Volvo answers a lock with its quota 403: the error names the renewal, polling pauses."""
    entry = await setup_integration(provider="volvo")
    await sim.call("POST", "/volvo/quota", {"used": 10_000})
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "lock", "unlock", {"entity_id": "lock.volvo_ex30_door_lock"}, blocking=True
        )
    assert raised.value.translation_key == "budget_used_up"
    tomorrow = (dt_util.utcnow() + timedelta(days=1)).date().isoformat()
    assert raised.value.translation_placeholders == {"provider": "Volvo Cars", "renews": tomorrow}
    assert entry.runtime_data.coordinators[EX30].quiet_until is not None
    assert not reauth_started(hass)
