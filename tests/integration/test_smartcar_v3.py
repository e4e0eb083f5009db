"""Smartcar v3 through Home Assistant: connecting with v3 credentials, app tokens, signals, commands."""

import asyncio
from collections.abc import Mapping
import json
from typing import Any

from aiohttp import test_utils
from homeassistant.components.lock import LockState
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState, ConfigFlowResult
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.const import (
    CONF_API_VERSION,
    CONF_APPLICATION_ID,
    CONF_PROVIDER,
    CONF_USER_ID,
    CONF_VEHICLES,
    DOMAIN,
    SIMULATOR_URL_ENV,
)
from custom_components.connected_car.providers import provider_of
from custom_components.connected_car.providers.smartcar_v3 import (
    SmartcarV3Provider,
    smartcar_v3_origins,
)
from custom_components.connected_car.tokens import credentials_issue_id

from .conftest import CLIENT_ID, SetupIntegration
from .helpers import reauth_started, state_of
from .simulator_control import (
    V3_APPLICATION_ID,
    V3_AUTH_DOMAIN,
    SimulatorControl,
    connect,
    finish_connect,
    start_flow,
)

# hass_client_no_auth lets the test open the simulator's socket.
pytestmark = pytest.mark.usefixtures(
    "current_request_with_host", "v3_credentials", "hass_client_no_auth"
)

IAM_TOKEN_PATH = "/oauth2/token"


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


async def _callback(
    hass: HomeAssistant,
    client: test_utils.TestClient,
    sim: SimulatorControl,
    result: ConfigFlowResult,
    rename: Mapping[str, str | None],
) -> ConfigFlowResult:
    """Approve in Connect, then bring its redirect back with query parameters renamed (None: left
    out), as another spelling of the redirect would."""
    async with sim.session.get(
        URL(result["url"]).update_query(sim_approve="all"), allow_redirects=False
    ) as response:
        query = dict(URL(response.headers["Location"]).query)
    for old, new in rename.items():
        value = query.pop(old)
        if new is not None:
            query[new] = value
    callback = await client.get("/auth/external/callback", params=query)
    assert callback.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def test_the_redirect_may_spell_the_user_userid(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """Some docs spell the redirect's user `userId`: it is the entry's user as well."""
    started = await start_flow(hass, provider="smartcar_v3")
    result = await _callback(hass, await hass_client_no_auth(), sim, started, {"user_id": "userId"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data[CONF_USER_ID]


async def test_a_redirect_without_the_user_creates_nothing(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """Without the user no v3 call can be made: the flow says so and stops."""
    started = await start_flow(hass, provider="smartcar_v3")
    result = await _callback(hass, await hass_client_no_auth(), sim, started, {"user_id": None})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "login_incomplete"
    assert not hass.config_entries.async_entries(DOMAIN)


async def test_v3_credentials_without_an_application_id_ask_for_it(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """The form left the Application ID empty: it is asked again, then Connect gets it."""
    result = await start_flow(hass, provider="smartcar_v3", application_id="")
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_APPLICATION_ID: "required"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"mode": "simulated", CONF_APPLICATION_ID: V3_APPLICATION_ID}
    )
    assert result["step_id"] == "pick_implementation"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": V3_AUTH_DOMAIN}
    )
    assert URL(result["url"]).query["client_id"] == V3_APPLICATION_ID
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_a_refused_v3_credential_stops_before_connect_with_the_credentials_repair(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """IAM answers invalid_client: the flow stops and the repair names the credential."""
    await sim.inject_error(provider="smartcar_v3", path=IAM_TOKEN_PATH, type="AUTHENTICATION")
    result = await start_flow(hass, provider="smartcar_v3")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "app_token_refused"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, credentials_issue_id(V3_AUTH_DOMAIN))
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["credential"] == "Smartcar v3 simulator app"


async def test_a_v2_credential_with_an_application_id_stays_v2(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """A UUID credential that IAM refuses is v2's: Connect gets its own client id."""
    result = await start_flow(hass, provider="smartcar", application_id=V3_APPLICATION_ID)
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert URL(result["url"]).query["client_id"] == CLIENT_ID
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_API_VERSION not in result["result"].data
    assert not isinstance(provider_of(result["result"].data), SmartcarV3Provider)


async def test_iam_down_leaves_a_v2_credential_v2(
    hass: HomeAssistant, sim: SimulatorControl
) -> None:
    """IAM failing to answer proves nothing: the legacy credential is used as v2."""
    await sim.inject_error(
        provider="smartcar_v3", path=IAM_TOKEN_PATH, type="SERVER", code="INTERNAL"
    )
    result = await start_flow(hass, provider="smartcar", application_id=V3_APPLICATION_ID)
    assert URL(result["url"]).query["client_id"] == CLIENT_ID


async def test_the_same_user_twice_aborts_naming_the_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """A second add of the same Smartcar user aborts and names the entry."""
    entry = await setup_integration(provider="smartcar_v3")
    result = await connect(hass, await hass_client_no_auth(), sim, provider="smartcar_v3")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert result["description_placeholders"] == {"title": entry.title}


async def test_reauth_runs_connect_again_and_keeps_the_entry(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """Reauth sends the Application ID to Connect again; the entry and its user stay."""
    entry = await setup_integration(provider="smartcar_v3")
    user_id = entry.data[CONF_USER_ID]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id}, data=entry.data
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert URL(result["url"]).query["client_id"] == V3_APPLICATION_ID
    result = await finish_connect(hass, await hass_client_no_auth(), sim, result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.data[CONF_USER_ID] == user_id


async def test_another_user_in_reauth_is_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    setup_integration: SetupIntegration,
    sim: SimulatorControl,
) -> None:
    """The entry belongs to one Smartcar user: another one's login does not replace it."""
    entry = await setup_integration(provider="smartcar_v3")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id}, data=entry.data
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await finish_connect(
        hass, await hass_client_no_auth(), sim, result, sim_user="someone-else"
    )
    assert result["reason"] == "wrong_account"


async def _poll_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await asyncio.gather(
        *(c.async_refresh_everything() for c in entry.runtime_data.coordinators.values())
    )
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_signals_become_the_shared_entities(
    hass: HomeAssistant, setup_integration: SetupIntegration
) -> None:
    """Battery 0 to 100, charge limit, locks, row/column closures, tires and v3's extras."""
    await setup_integration(provider="smartcar_v3")
    expected = {
        "sensor.tesla_model_3_battery_level": "62.0",
        "sensor.tesla_model_3_electric_range": "330.5",
        "number.tesla_model_3_charge_limit": "80.0",
        "lock.tesla_model_3_door_lock": LockState.LOCKED,
        "binary_sensor.tesla_model_3_doors": "off",
        "binary_sensor.tesla_model_3_front_trunk": "off",
        "binary_sensor.tesla_model_3_trunk": "off",
        "sensor.tesla_model_3_charging_state": "charging",
        "sensor.tesla_model_3_charging_power": "11.0",
        "sensor.tesla_model_3_charging_voltage": "240.0",
        "sensor.tesla_model_3_charging_current": "45.8",
        "sensor.tesla_model_3_range_added_per_hour": "78.2",
        "sensor.tesla_model_3_time_to_full_charge": "74.0",
        "sensor.tesla_model_3_tire_pressure_front_left": "248.0",
        "sensor.tesla_model_3_odometer": "28450.6",
        "sensor.tesla_model_3_last_data": "2026-11-18T11:06:40+00:00",
    }
    assert {entity: state_of(hass, entity) for entity in expected} == expected
    assert hass.states.get("device_tracker.tesla_model_3_location") is not None
    # v3 has no climate command, and the Ford burns fuel: no charging controls for it.
    assert not hass.states.async_entity_ids("climate")
    assert hass.states.get("switch.ford_f_150_charging") is None


@pytest.mark.parametrize("timestamps", ["iso", "seconds", "milliseconds"])
async def test_timestamps_in_three_forms_say_when_the_car_reported(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl, timestamps: str
) -> None:
    """oemUpdatedAt as ISO, epoch seconds or epoch ms: the same moment the car reported."""
    await sim.call("PATCH", "/smartcar-v3", {"timestamps": timestamps})
    await setup_integration(provider="smartcar_v3")
    assert state_of(hass, "sensor.tesla_model_3_last_data") == "2026-11-18T11:06:40+00:00"


async def test_one_request_per_car_per_poll_and_pages_followed(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A poll is one signals request per car; a paged store costs a request per page."""
    entry = await setup_integration(provider="smartcar_v3")
    cars = await sim.vehicles()
    await sim.reset_stats()
    await _poll_all(hass, entry)
    usage = (await sim.stats())["vehicles"]
    assert {car["id"]: usage[car["id"]]["requests"] for car in cars} == dict.fromkeys(
        (car["id"] for car in cars), 1
    )

    await sim.call("PATCH", "/smartcar-v3", {"page_size": 10})
    ford = await sim.vehicle("Ford")
    await sim.patch(ford["id"], odometer=12345.0)
    await sim.reset_stats()
    await _poll_all(hass, entry)
    usage = (await sim.stats())["vehicles"]
    assert all(usage[car["id"]]["requests"] > 1 for car in cars)
    assert state_of(hass, "sensor.ford_f_150_odometer") == "12345.0"


async def test_signal_errors_by_type(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """PERMISSION raises the permission repair; COMPATIBILITY and VEHICLE_STATE keep the value."""
    entry = await setup_integration(provider="smartcar_v3")
    tesla = await sim.vehicle("Tesla")
    for code, error in (
        ("location-preciselocation", ("PERMISSION", "UNKNOWN")),
        ("odometer-traveleddistance", ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")),
        ("charge-chargelimits", ("VEHICLE_STATE", "NOT_CHARGING")),
    ):
        await sim.inject_error(
            provider="smartcar_v3",
            vehicle_id=tesla["id"],
            path=f"/signals/{code}",
            type=error[0],
            code=error[1],
        )
    await entry.runtime_data.coordinators[tesla["id"]].async_refresh_everything()
    await hass.async_block_till_done()

    assert state_of(hass, "sensor.tesla_model_3_odometer") == "28450.6"
    assert state_of(hass, "number.tesla_model_3_charge_limit") == "80.0"
    issues = [
        issue
        for (domain, _), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN and issue.translation_key == "missing_permission"
    ]
    assert len(issues) == 1
    assert (issues[0].translation_placeholders or {})["data"] == "location"
    assert not reauth_started(hass)


async def test_an_unsubscribed_car_keeps_its_values(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """A car whose store is empty (never subscribed) answers nothing new: nothing is lost."""
    entry = await setup_integration(provider="smartcar_v3")
    tesla = await sim.vehicle("Tesla")
    await sim.call("PATCH", "/smartcar-v3", {"unsubscribed": [tesla["id"]]})
    await entry.runtime_data.coordinators[tesla["id"]].async_refresh_everything()
    await hass.async_block_till_done()
    assert state_of(hass, "sensor.tesla_model_3_battery_level") == "62.0"


@pytest.mark.parametrize("status", [200, 202])
async def test_commands_answered_200_or_202(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl, status: int
) -> None:
    """Lock and unlock, charging off and on, and the charge limit, whichever way v3 answers."""
    await setup_integration(provider="smartcar_v3")
    await sim.call("PATCH", "/smartcar-v3", {"command_status": status})

    await _call(hass, "lock", "unlock", "lock.ford_f_150_door_lock")
    assert (await sim.vehicle("Ford"))["state"]["locked"] is False
    assert state_of(hass, "lock.ford_f_150_door_lock") == LockState.UNLOCKED
    await _call(hass, "lock", "lock", "lock.ford_f_150_door_lock")
    assert (await sim.vehicle("Ford"))["state"]["locked"] is True

    await _call(hass, "switch", "turn_on", "switch.volkswagen_id_4_charging")
    assert state_of(hass, "switch.volkswagen_id_4_charging") == "on"
    await _call(hass, "switch", "turn_off", "switch.volkswagen_id_4_charging")
    assert state_of(hass, "switch.volkswagen_id_4_charging") == "off"

    await _call(hass, "number", "set_value", "number.volkswagen_id_4_charge_limit", value=60)
    assert (await sim.vehicle("Volkswagen"))["state"]["charge"]["limit"] == pytest.approx(0.6)
    assert state_of(hass, "number.volkswagen_id_4_charge_limit") == "60.0"


async def _call(
    hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: Any
) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_an_app_token_without_a_lifetime_that_the_api_refuses_is_not_kept(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, sim: SimulatorControl
) -> None:
    """IAM names no lifetime (an hour is assumed) and its token is refused: the connection
    fails and says so; connecting again gets a new token and works."""
    body = json.dumps({"access_token": "not-a-token", "token_type": "Bearer"})
    await sim.inject_error(
        provider="smartcar_v3",
        path=IAM_TOKEN_PATH,
        type="RAW",
        status=200,
        content_type="application/json",
        body=body,
        times=1,
    )
    client = await hass_client_no_auth()
    result = await connect(hass, client, sim, provider="smartcar_v3")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"
    result = await connect(hass, client, sim, provider="smartcar_v3")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert (await sim.call("GET", "/smartcar-v3"))["app_tokens_issued"] == 1


def test_v3_speaks_to_smartcars_hosts_without_the_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without the simulator's URL, v3 goes to Smartcar's own hosts."""
    monkeypatch.delenv(SIMULATOR_URL_ENV, raising=False)
    origins = smartcar_v3_origins()
    assert origins.token_url == "https://iam.smartcar.com/oauth2/token"
    assert origins.authorize_url == "https://connect.smartcar.com/oauth/authorize"


async def test_the_charge_port_door_opens_and_closes(
    hass: HomeAssistant, setup_integration: SetupIntegration, sim: SimulatorControl
) -> None:
    """v3's charge-port commands give a charge port door in place of the read-only charging
    port sensor. Opening and closing reach the car; a door the car will not close while a
    cable is plugged in stays shown open with the car's reason; a car that cannot move its door
    gets the read-only sensor back."""
    await setup_integration(provider="smartcar_v3")
    door = "cover.volkswagen_id_4_charge_port_door"
    assert state_of(hass, door) == "open"
    assert hass.states.get("binary_sensor.volkswagen_id_4_charging_port") is None

    with pytest.raises(HomeAssistantError) as plugged:  # the cable is plugged in
        await _call(hass, "cover", "close_cover", door)
    assert plugged.value.translation_key is not None
    assert state_of(hass, door) == "open"

    vw = await sim.vehicle("Volkswagen")
    await sim.patch(vw["id"], charge={"plugged_in": False})  # the door closes with the cable out
    await _call(hass, "cover", "open_cover", door)
    assert (await sim.vehicle("Volkswagen"))["state"]["charging_port"]["chargingPort"] == "OPEN"
    assert state_of(hass, door) == "open"
    await _call(hass, "cover", "close_cover", door)
    assert (await sim.vehicle("Volkswagen"))["state"]["charging_port"]["chargingPort"] == "CLOSED"
    assert state_of(hass, door) == "closed"

    toyota = "cover.toyota_rav4_prime_charge_port_door"
    with pytest.raises(HomeAssistantError) as refused:
        await _call(hass, "cover", "open_cover", toyota)
    assert refused.value.translation_key == "car_cannot"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(toyota) is None
    assert state_of(hass, "binary_sensor.toyota_rav4_prime_charging_port") == "off"
