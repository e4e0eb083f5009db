"""Application credentials: which provider each belongs to, and adding the integration without one."""

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.connected_car.const import DOMAIN
from custom_components.connected_car.providers import provider_of_credential


async def test_without_credentials_the_flow_asks_for_them(
    hass: HomeAssistant, current_request_with_host: None
) -> None:
    """No application of the provider yet: the flow ends so the frontend opens the credentials dialog."""
    assert await async_setup_component(hass, "application_credentials", {})
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "smartcar"}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"mode": "live"})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"


@pytest.mark.parametrize(
    ("auth_domain", "name", "provider"),
    [
        ("connected_car.abc", "Smartcar app", "smartcar"),
        ("connected_car.abc", None, "smartcar"),  # added before there were other providers
        ("smartcar:abc", "My app", "smartcar"),
        ("volvo:abc", "My app", "volvo"),
        ("connected_car.abc", "Volvo Cars", "volvo"),
        ("connected_car.abc", "my volvo app", "volvo"),
    ],
)
def test_a_credential_belongs_to_one_provider(
    auth_domain: str, name: str | None, provider: str
) -> None:
    """By the id our flow gives it, else by its name, else Smartcar's (the first provider)."""
    credential = ClientCredential("abc", "secret", name)
    assert provider_of_credential(auth_domain, credential).key == provider


async def test_the_credentials_dialog_names_every_provider(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """The dialog says to add one application per provider, and where each is made."""
    assert await async_setup_component(hass, "application_credentials", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "application_credentials/config"})
    result = (await client.receive_json())["result"]
    placeholders = result["integrations"][DOMAIN]["description_placeholders"]
    assert placeholders["providers"] == "Smartcar, Volvo Cars"
    assert placeholders["redirect_url"] == "https://my.home-assistant.io/redirect/oauth"
    assert placeholders["volvo_url"].startswith("https://developer.volvocars.com/")
