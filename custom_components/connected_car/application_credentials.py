"""Application credentials: Smartcar's OAuth2 endpoints and its Basic client authentication."""

from __future__ import annotations

from typing import Any, cast, override

import aiohttp
from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api.smartcar import DEFAULT_SCOPE
from .const import smartcar_origins


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> SmartcarOAuth2Implementation:
    """Smartcar's implementation for these credentials."""
    origins = smartcar_origins()
    return SmartcarOAuth2Implementation(
        hass,
        auth_domain,
        credential,
        AuthorizationServer(authorize_url=origins.authorize_url, token_url=origins.token_url),
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Placeholders for the credentials dialog."""
    return {
        "dashboard_url": "https://dashboard.smartcar.com/",
        "redirect_url": "https://my.home-assistant.io/redirect/oauth",
    }


class SmartcarOAuth2Implementation(AuthImplementation):
    """Smartcar Connect: asks for our scope and authenticates the client with HTTP Basic."""

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """The permissions Connect asks the owner for."""
        return {"scope": " ".join(DEFAULT_SCOPE)}

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        # Errors stay aiohttp errors: Home Assistant maps them onto its OAuth2 token errors.
        session = async_get_clientsession(self.hass)
        async with session.post(
            self.token_url,
            data=data,
            headers={
                "Authorization": aiohttp.encode_basic_auth(self.client_id, self.client_secret)
            },
        ) as response:
            response.raise_for_status()
            return cast(dict[str, Any], await response.json())
