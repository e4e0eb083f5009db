"""Application credentials: each belongs to one provider, which makes its OAuth2 implementation."""

from __future__ import annotations

from homeassistant.components.application_credentials import ClientCredential
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2Implementation

from .providers import PROVIDERS, provider_of_credential
from .providers.base import Login


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> AbstractOAuth2Implementation:
    """The implementation of the provider these credentials belong to."""
    provider = provider_of_credential(auth_domain, credential)
    return provider.auth_implementation(hass, auth_domain, credential)


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Placeholders for the credentials dialog: the providers and where to create their apps."""
    return {
        "providers": ", ".join(
            provider.name for provider in PROVIDERS.values() if provider.login is Login.OAUTH2
        ),
        "dashboard_url": PROVIDERS["smartcar"].dashboard_url,
        "volvo_url": PROVIDERS["volvo"].dashboard_url,
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }
