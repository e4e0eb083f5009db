"""Application credentials: each belongs to one provider, which makes its OAuth2 implementation."""

from __future__ import annotations

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import (
    AUTH_CALLBACK_PATH,
    MY_AUTH_CALLBACK_PATH,
    AbstractOAuth2Implementation,
)

from .providers import PROVIDERS, provider_of_credential
from .providers.base import Login


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> AbstractOAuth2Implementation:
    """The implementation of the provider these credentials belong to."""
    provider = provider_of_credential(auth_domain, credential)
    return provider.auth_implementation(hass, auth_domain, credential)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """The credentials dialog's placeholders: providers, where to make their apps, redirect URI."""
    return {
        "providers": ", ".join(
            provider.name for provider in PROVIDERS.values() if provider.login is Login.OAUTH2
        ),
        "dashboard_url": PROVIDERS["smartcar"].dashboard_url,
        "volvo_url": PROVIDERS["volvo"].dashboard_url,
        "redirect_url": _redirect_url(hass),
    }


def _redirect_url(hass: HomeAssistant) -> str:
    """The redirect URI the login sends the browser back to, as Home Assistant picks it.

    With My Home Assistant loaded that is its redirect page; else this instance's own callback at
    the address the browser uses, which only the configured URLs hint at.
    """
    if "my" in hass.config.components:
        return MY_AUTH_CALLBACK_PATH
    base = hass.config.external_url or hass.config.internal_url or "https://YOUR_HOME_ASSISTANT"
    return f"{base}{AUTH_CALLBACK_PATH}"
