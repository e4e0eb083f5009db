"""Push in the demo: the simulator delivers signed webhooks to the demo's Home Assistant.

Home Assistant's external URL is its loopback address (configuration.yaml), so the options show a
webhook URL the simulator can reach. Each Smartcar entry gets the simulator's Application
Management Token and the High Mobility entry its webhook secret, as a user would enter them in
the options; then the simulator's webhooks are created as the providers' dashboards would
(the simulator keeps none across restarts): Smartcar verifies its webhook and every car is
subscribed, High Mobility pings. Changes made on the simulated cars then show at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from .provision import DOMAIN, HomeAssistantApi
from .settings import SIMULATOR_URL

# The simulator's defaults: the key Smartcar signs with, and High Mobility's webhook secret.
SECRETS = {
    "Smartcar": ("smartcar", "application_management_token", "sim-application-management-token"),
    "High Mobility": ("high_mobility", "hm_webhook_secret", "sim-hm-webhook-secret"),
}
OPTIONS_FLOW = "/api/config/config_entries/options/flow"


async def wire_push(api: HomeAssistantApi) -> None:
    """Enter the secrets in the options and create the simulator's webhooks to HA's URL."""
    entries = await api.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    for entry in entries:
        match = next((v for k, v in SECRETS.items() if entry["title"].startswith(k)), None)
        if match is None:
            continue
        provider, option, secret = match
        url = await _enter_secret(api, entry["entry_id"], option, secret)
        if url is None:
            raise RuntimeError(f"{entry['title']} shows no webhook URL")
        await _create_webhook(api.session, provider, url)


async def _enter_secret(
    api: HomeAssistantApi, entry_id: str, option: str, secret: str
) -> str | None:
    """Submit the options form with its defaults and the secret; the webhook URL it shows."""
    form = await api.rest("POST", OPTIONS_FLOW, {"handler": entry_id})
    if form["type"] == "menu":  # a Smartcar v2 entry's options: polling, or the move to v3
        form = await api.rest(
            "POST", f"{OPTIONS_FLOW}/{form['flow_id']}", {"next_step_id": "polling"}
        )
    url = form["description_placeholders"].get("webhook_url")
    answer: dict[str, Any] = {
        field["name"]: field["default"] for field in form["data_schema"] if "default" in field
    }
    answer[option] = secret
    await api.rest("POST", f"{OPTIONS_FLOW}/{form['flow_id']}", answer)
    await _until_loaded(api, entry_id)  # the options reload the entry
    return None if url in (None, "-") else str(url)


async def _until_loaded(api: HomeAssistantApi, entry_id: str) -> None:
    async with asyncio.timeout(60):
        while True:
            entries = await api.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
            if any(e["entry_id"] == entry_id and e["state"] == "loaded" for e in entries):
                return
            await asyncio.sleep(0.5)


async def _create_webhook(session: aiohttp.ClientSession, provider: str, url: str) -> None:
    """Create the provider's webhook in the simulator; wait until Smartcar's is verified."""
    control = f"{SIMULATOR_URL}/_simulator/webhooks"
    async with session.post(control, json={"provider": provider, "url": url}) as response:
        response.raise_for_status()
        webhook_id = (await response.json())["id"]
    async with asyncio.timeout(30):
        while True:
            async with session.get(control) as response:
                listed = {w["id"]: w for w in await response.json()}
            if listed[webhook_id]["verified"] and listed[webhook_id]["attempts"]:
                return
            await asyncio.sleep(0.5)
