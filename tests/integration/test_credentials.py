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


async def _dialog_placeholders(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> dict[str, str]:
    """The placeholders the frontend fills into the credentials dialog."""
    assert await async_setup_component(hass, "application_credentials", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "application_credentials/config"})
    result = (await client.receive_json())["result"]
    return result["integrations"][DOMAIN]["description_placeholders"]  # type: ignore[no-any-return]


async def test_the_credentials_dialog_names_every_provider(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """The dialog says to add one application per provider, and where each is made."""
    placeholders = await _dialog_placeholders(hass, hass_ws_client)
    assert placeholders["providers"] == "Smartcar, Volvo Cars"
    assert placeholders["volvo_url"].startswith("https://developer.volvocars.com/")


@pytest.mark.parametrize(
    ("my_home_assistant", "external_url", "internal_url", "redirect_url"),
    [
        (True, None, None, "https://my.home-assistant.io/redirect/oauth"),
        (
            False,
            "https://home.example.org",
            "http://192.168.1.2:8123",
            "https://home.example.org/auth/external/callback",
        ),
        (False, None, "http://192.168.1.2:8123", "http://192.168.1.2:8123/auth/external/callback"),
        (False, None, None, "https://YOUR_HOME_ASSISTANT/auth/external/callback"),
    ],
)
async def test_the_credentials_dialog_shows_the_redirect_uri_to_register(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    my_home_assistant: bool,
    external_url: str | None,
    internal_url: str | None,
    redirect_url: str,
) -> None:
    """The redirect URI Home Assistant will use: My Home Assistant's, else this instance's own."""
    if my_home_assistant:
        hass.config.components.add("my")
    await hass.config.async_update(external_url=external_url, internal_url=internal_url)

    placeholders = await _dialog_placeholders(hass, hass_ws_client)

    assert placeholders["redirect_url"] == redirect_url
