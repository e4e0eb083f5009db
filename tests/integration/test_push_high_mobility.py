"""High Mobility's webhook through Home Assistant: signed pings and clearance changes, which
show at once and pause the fleet's clearance reads while the webhook works; a delivery sent
twice is taken once, a mis-signed one is refused."""

from datetime import timedelta
import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.connected_car.api.high_mobility_webhooks import sign
from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.providers.high_mobility import CONF_HM_WEBHOOK_SECRET
from custom_components.connected_car.push import NO_URL_ISSUE

from .helpers import state_of
from .high_mobility import (
    APPROVAL_DELAY,
    BMW,
    RENAULT,
    add_to_fleet,
    advance,
    connect_hm,
    outcome,
)
from .simulator_control import SimulatorControl
from .test_push import external_url, until  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host", "credentials")

SECRET = "sim-hm-webhook-secret"
FLEET_PATH = "/v1/fleets/vehicles"


async def _requests(sim: SimulatorControl) -> int:
    """Requests to High Mobility so far (token requests included)."""
    stats = await sim.call("GET", "/stats?provider=high_mobility")
    return int(stats["totals"]["requests"])


async def test_clearance_changes_come_by_push_and_the_fleet_reads_pause(
    hass: HomeAssistant,
    external_url: str,  # noqa: F811
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    sim: SimulatorControl,
) -> None:
    await add_to_fleet(sim, (BMW, "bmw"))
    await advance(sim, APPROVAL_DELAY)
    result = await connect_hm(hass, fleet_cars=[BMW])
    entry = result["result"]
    await hass.async_block_till_done()
    await add_to_fleet(sim, (RENAULT, "renault"))

    # The options take the webhook's secret (and a car from the fleet); they show the URL.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "fleet"
    assert result["description_placeholders"]["webhook_url"].startswith(external_url)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "poll_minutes": 15,
            "keep_cars": [BMW],
            "fleet_cars": [RENAULT],
            CONF_HM_WEBHOOK_SECRET: f" {SECRET} ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_HM_WEBHOOK_SECRET] == SECRET
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert SECRET not in str(diagnostics)
    assert diagnostics["entry"]["options"][CONF_HM_WEBHOOK_SECRET] == "**REDACTED**"
    assert state_of(hass, "sensor.renault_1234_data_access") == "pending"
    assert not ir.async_get(hass).async_get_issue(DOMAIN, f"{NO_URL_ISSUE}_{entry.entry_id}")
    clearances = entry.runtime_data.clearances
    assert clearances.interval(dt_util.utcnow()) < timedelta(hours=24)  # a car is pending

    # The console's webhook pings first: answered, and the fleet's reads pause.
    url = entry.runtime_data.push.url
    await sim.call("POST", "/webhooks", {"provider": "high_mobility", "url": url})

    async def pinged() -> bool:
        [listed] = await sim.call("GET", "/webhooks")
        return any(a["event_type"] == "ping" and a["delivered"] for a in listed["attempts"])

    await until(hass, pinged)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert clearances.interval(dt_util.utcnow()) > timedelta(hours=23)  # the safety read

    # The clock moves the Renault's clearance on: the change shows without reading the fleet.
    requests = await _requests(sim)
    await advance(sim, APPROVAL_DELAY)

    async def approved() -> bool:
        return state_of(hass, "sensor.renault_1234_data_access") == "approved"

    await until(hass, approved)
    assert await _requests(sim) == requests
    [listed] = await sim.call("GET", "/webhooks")
    changed = [a for a in listed["attempts"] if a["event_type"] == "fleet_clearance_changed"]
    assert [(a["vehicle_id"], a["status"]) for a in changed] == [(RENAULT, 200)]

    # A delivery signed with another secret, unsigned, or altered: refused, nothing changes.
    client = await hass_client_no_auth()
    path = URL(url).path
    body = b'{"vehicle": {"vin": "VF1RCB00067891234"}, "event": {"action": "revoked"}}'
    headers = {"X-HM-Event": "fleet_clearance_changed", "Content-Type": "application/json"}
    for signature in (sign("another-secret", body), None, sign(SECRET, body + b" ")):
        sent = headers | ({"X-HM-Signature-256": signature} if signature else {})
        response = await client.post(path, data=body, headers=sent)
        assert response.status == 401
    assert entry.runtime_data.push.rejected == 3
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, "sensor.renault_1234_data_access") == "approved"
    # Signed, with a state the console may send in another case, it is taken.
    response = await client.post(
        path, data=body, headers=headers | {"X-HM-Signature-256": sign(SECRET, body)}
    )
    assert response.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state_of(hass, "sensor.renault_1234_data_access") == "revoked"
    # A car the entry does not have, or a state the fleet does not list: nothing shown changes.
    for vin, status in (("WVWZZZ1JZXW000001", "approved"), (RENAULT, "teleported")):
        message = {"vehicle": {"vin": vin}, "event": {"action": status}}
        body = json.dumps(message).encode()
        signed = headers | {"X-HM-Signature-256": sign(SECRET, body), "X-HM-Delivery": vin}
        response = await client.post(path, data=body, headers=signed)
        assert response.status == 200
        await hass.async_block_till_done(wait_background_tasks=True)
        assert state_of(hass, "sensor.renault_1234_data_access") == "revoked"

    # The entry goes: nothing to unsubscribe at High Mobility (the webhook is the console's).
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    [listed] = await sim.call("GET", "/webhooks")
    assert listed["provider"] == "high_mobility"


async def test_a_duplicate_is_taken_once_and_a_mis_signed_delivery_changes_nothing(
    hass: HomeAssistant,
    external_url: str,  # noqa: F811
    sim: SimulatorControl,
) -> None:
    """The simulator's faults on High Mobility's webhook: `duplicate` sends the same delivery
    (the same X-HM-Delivery) twice, `bad_signature` signs one wrongly."""
    await add_to_fleet(sim, (BMW, "bmw"))
    await advance(sim, APPROVAL_DELAY)
    entry = (await connect_hm(hass, fleet_cars=[BMW]))["result"]
    await hass.async_block_till_done()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"poll_minutes": 15, "keep_cars": [BMW], "fleet_cars": [], CONF_HM_WEBHOOK_SECRET: SECRET},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    push, clearances = entry.runtime_data.push, entry.runtime_data.clearances
    assert state_of(hass, "sensor.bmw_7213_data_access") == "approved"
    webhook = await sim.call("POST", "/webhooks", {"provider": "high_mobility", "url": push.url})

    async def attempts(event_type: str, count: int) -> list[dict[str, Any]]:
        done: list[dict[str, Any]] = []

        async def arrived() -> bool:
            nonlocal done
            [listed] = await sim.call("GET", "/webhooks")
            done = [a for a in listed["attempts"] if a["event_type"] == event_type]
            return len(done) >= count

        await until(hass, arrived)
        return done

    await attempts("ping", 1)
    await hass.async_block_till_done(wait_background_tasks=True)

    # The owner revokes the BMW's access; its change is sent twice. The fleet's reads hang
    # meanwhile, so only the pushes can change what Home Assistant holds.
    steps = len(clearances.states[BMW].changelog)
    await sim.call("POST", f"/webhooks/{webhook['id']}/faults", {"type": "duplicate"})
    await sim.call(
        "POST",
        "/errors",
        {"provider": "high_mobility", "type": "TIMEOUT", "code": None, "path": FLEET_PATH},
    )
    await outcome(sim, BMW, "revoke", after=0)
    first, again = await attempts("fleet_clearance_changed", 2)
    assert first["event_id"] == again["event_id"]  # the same X-HM-Delivery
    assert (first["status"], again["status"]) == (200, 200)

    async def revoked() -> bool:
        return state_of(hass, "sensor.bmw_7213_data_access") == "revoked"

    await until(hass, revoked)
    changelog = clearances.states[BMW].changelog
    assert len(changelog) == steps + 1  # taken once
    assert push.rejected == 0
    await sim.call("DELETE", "/errors")  # the fleet answers again
    await hass.async_block_till_done(wait_background_tasks=True)

    # Asked again, the BMW is pending; that change comes signed wrongly: refused, nothing changes.
    await sim.call("POST", f"/webhooks/{webhook['id']}/faults", {"type": "bad_signature"})
    await add_to_fleet(sim, (BMW, "bmw"))
    *_, forged = await attempts("fleet_clearance_changed", 3)
    assert (forged["status"], forged["delivered"]) == (401, False)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert push.rejected == 1
    assert push.last_delivery_text.endswith(": refused: signature does not match")
    assert state_of(hass, "sensor.bmw_7213_data_access") == "revoked"
    fleet = (await sim.call("GET", "/high_mobility"))["environments"]["production"]["fleet"]
    assert {car["vin"]: car["status"] for car in fleet}[BMW] == "pending"
