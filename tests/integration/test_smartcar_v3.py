"""Smartcar v3 through Home Assistant: connecting with v3 credentials, app tokens, signals, commands."""

from collections.abc import Mapping

from aiohttp import test_utils
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.const import (
    CONF_API_VERSION,
    CONF_APPLICATION_ID,
    CONF_PROVIDER,
    CONF_USER_ID,
    CONF_VEHICLES,
    DOMAIN,
)
from custom_components.connected_car.providers import provider_of
from custom_components.connected_car.providers.smartcar_v3 import SmartcarV3Provider
from custom_components.connected_car.tokens import credentials_issue_id

from .conftest import CLIENT_ID, SetupIntegration
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
