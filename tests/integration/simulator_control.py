"""Drive the simulator: its control API, and the providers' logins as a user's browser would."""

from typing import Any

from aiohttp import ClientSession, test_utils
from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from yarl import URL

from custom_components.connected_car.const import CONF_VEHICLES, DOMAIN
from tests.conftest import TEST_REDIRECT_URI


class SimulatorControl:
    """The simulator's `/_simulator/` API."""

    def __init__(self, session: ClientSession, url: str) -> None:
        """Talk to the simulator at url."""
        self.session = session
        self.url = url

    async def call(self, method: str, path: str, payload: Any = None) -> Any:
        """Any control API call; it must succeed."""
        async with self.session.request(method, f"{self.url}/_simulator{path}", json=payload) as r:
            assert r.status < 300, await r.text()
            return await r.json() if r.content_type == "application/json" else None

    async def vehicles(self, provider: str = "smartcar") -> list[dict[str, Any]]:
        """Every simulated car of provider, with its state."""
        cars: list[dict[str, Any]] = await self.call("GET", "/vehicles")
        return [car for car in cars if car["provider"] == provider]

    async def vehicle(self, make: str, provider: str = "smartcar") -> dict[str, Any]:
        """The simulated car of make."""
        cars = await self.vehicles(provider)
        return next(v for v in cars if v["make"].lower() == make.lower())

    async def patch(self, vehicle_id: str, **state: Any) -> dict[str, Any]:
        """Change a car's state."""
        return await self.call("PATCH", f"/vehicles/{vehicle_id}", state)  # type: ignore[no-any-return]

    async def disconnect(self, vehicle_id: str, access_token: str) -> None:
        """Take a car off the Smartcar application, through the API's own disconnect."""
        async with self.session.delete(
            f"{self.url}/smartcar/api/v2.0/vehicles/{vehicle_id}/application",
            headers={"Authorization": f"Bearer {access_token}"},
        ) as response:
            assert response.status == 200, await response.text()

    async def inject_error(self, **error: Any) -> None:
        """Make matching requests fail."""
        await self.call("POST", "/errors", {"provider": "smartcar", **error})

    async def clear_errors(self) -> None:
        """Stop failing requests."""
        await self.call("DELETE", "/errors")

    async def stats(self, provider: str = "smartcar") -> dict[str, Any]:
        """Requests and billable calls per car of provider, and the totals of every provider."""
        stats: dict[str, Any] = await self.call("GET", "/stats")
        ids = {car["id"] for car in await self.vehicles(provider)}
        stats["vehicles"] = {key: value for key, value in stats["vehicles"].items() if key in ids}
        return stats

    async def reset_stats(self) -> None:
        """Start counting from zero."""
        await self.call("DELETE", "/stats")

    async def latency(self, ms: int) -> None:
        """Delay every API response."""
        await self.call("POST", "/latency", {"ms": ms})


V3_APPLICATION_ID = "00000000-0000-4000-8000-00000000c3c3"
# The auth domain of the Smartcar v3 application credentials (tests/integration/conftest.py).
V3_AUTH_DOMAIN = "smartcar:client_sim_v3"
# What each provider's connect form is answered with, unless a test says otherwise; smartcar_v3 is
# Smartcar with v3 application credentials.
CONNECT_FORMS: dict[str, dict[str, str]] = {
    "smartcar": {"mode": "simulated"},
    "smartcar_v3": {"mode": "simulated", "application_id": V3_APPLICATION_ID},
    "volvo": {"api_key": "sim-vcc-api-key"},
}


async def start_flow(
    hass: HomeAssistant, mode: str = "simulated", provider: str = "smartcar", **form: str
) -> ConfigFlowResult:
    """Start adding the integration: pick the provider and answer its form, up to its login."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": provider.removesuffix("_v3")}
    )
    assert result["type"] is FlowResultType.FORM
    smartcar = provider.startswith("smartcar")
    answer = CONNECT_FORMS[provider] | ({"mode": mode} if smartcar else {}) | form
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    implementations = (
        result["data_schema"].schema["implementation"].container
        if result.get("step_id") == "pick_implementation"
        else {}
    )
    if smartcar and V3_AUTH_DOMAIN in implementations:  # v2 and v3 Smartcar credentials
        v3 = provider == "smartcar_v3"
        chosen = next(key for key in implementations if (key == V3_AUTH_DOMAIN) == v3)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"implementation": chosen}
        )
    return result


async def finish_connect(
    hass: HomeAssistant,
    client: test_utils.TestClient,
    sim: SimulatorControl,
    result: ConfigFlowResult,
    **connect_query: str,
) -> ConfigFlowResult:
    """Answer Connect like the user would (sim_approve / sim_error / sim_user) and finish the flow."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP, result
    query = {"sim_approve": "all"} | connect_query
    async with sim.session.get(
        URL(result["url"]).update_query(query), allow_redirects=False
    ) as response:
        assert response.status == 302, await response.text()
        location = URL(response.headers["Location"])
    assert str(location.with_query(None)) == TEST_REDIRECT_URI
    callback = await client.get(f"/auth/external/callback?{location.query_string}")
    assert callback.status == 200
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def connect(
    hass: HomeAssistant,
    client: test_utils.TestClient,
    sim: SimulatorControl,
    mode: str = "simulated",
    provider: str = "smartcar",
    **connect_query: str,
) -> ConfigFlowResult:
    """The whole add-integration flow through the provider's login."""
    started = await start_flow(hass, mode, provider)
    return await finish_connect(hass, client, sim, started, **connect_query)


async def connect_second_user_sharing(
    hass: HomeAssistant,
    client: test_utils.TestClient,
    sim: SimulatorControl,
    first: ConfigEntry,
    shared: str,
    others: str,
) -> ConfigEntry:
    """A second Smartcar user granting the car shared with first (and others, comma-separated),
    whose entry also stores the shared car as first has it: as an entry from before shared cars
    were told apart would. The entry is not reloaded."""
    result = await connect(hass, client, sim, sim_user="second", sim_approve=f"{shared},{others}")
    second: ConfigEntry = result["result"]
    await hass.async_block_till_done()
    vehicles = {**second.data[CONF_VEHICLES], shared: first.data[CONF_VEHICLES][shared]}
    hass.config_entries.async_update_entry(second, data={**second.data, CONF_VEHICLES: vehicles})
    return second
