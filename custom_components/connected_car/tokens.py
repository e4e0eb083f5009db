"""Requests to the providers' OAuth2 token endpoints: bounded in time, told apart by cause.

Only a refused grant asks the user to log in again. Refused application credentials raise a repair
about them; a timeout, a 408, 404, 429 or 5xx is passing trouble, and a Retry-After holds every
further token request back until it ends, without sending anything meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
import json
import time
from time import monotonic
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    OAuth2TokenRequestConnectionError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2Implementation
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.errors import parse_retry_after
from .const import DOMAIN, LOGGER

TOKEN_TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
LONGEST_WAIT = timedelta(days=1)
# The OAuth2 error codes (RFC 6749 5.2) that mean the user must log in again.
LOGIN_REFUSED = frozenset({"invalid_grant"})
# ... and those that mean the application's credentials are wrong: no login would help.
CREDENTIALS_REFUSED = frozenset({"invalid_client", "unauthorized_client"})
CREDENTIALS_ISSUE = "credentials_refused"
TOKEN_WAITS: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_token_waits")
TOKEN_KEEPERS: HassKey[dict[str, TokenKeeper]] = HassKey(f"{DOMAIN}_token_keepers")
# A token renewed this recently (seconds) is the one to use: another car's refusal renewed it.
RENEWED_RECENTLY = 60
CLOCK_SLACK = 20  # seconds before expiry a token counts as expired


def credentials_issue_id(auth_domain: str) -> str:
    """The repair issue of one application credential refused by its provider."""
    return f"credentials_refused_{auth_domain.replace(':', '_')}"


async def async_token_request(
    hass: HomeAssistant,
    url: str,
    data: Mapping[str, Any],
    *,
    headers: Mapping[str, str] | None = None,
    auth_domain: str,
    placeholders: Mapping[str, str],
) -> dict[str, Any]:
    """POST a token request; raise the OAuth2 token error Home Assistant acts on by its cause.

    placeholders (provider, credential, url of its dashboard) name the application in the repair
    about it.
    """
    waits = hass.data.setdefault(TOKEN_WAITS, {})
    if (until := waits.get(url)) and dt_util.utcnow() < until:
        LOGGER.debug("The token endpoint asked to wait until %s; not asking before", until)
        raise OAuth2TokenRequestConnectionError(domain=DOMAIN)
    try:
        async with async_get_clientsession(hass).post(
            url, data=dict(data), headers=dict(headers or {}), timeout=TOKEN_TIMEOUT
        ) as response:
            text = await response.text(errors="replace")
            status, request_info = response.status, response.request_info
            response_headers = response.headers
    except (aiohttp.ClientError, TimeoutError) as err:
        LOGGER.debug("Token request got no answer: %s", type(err).__name__)
        raise OAuth2TokenRequestConnectionError(domain=DOMAIN) from err
    body = _json_object(text)
    if status < 400:
        if body is None or "access_token" not in body:
            raise OAuth2TokenRequestConnectionError(domain=DOMAIN)
        ir.async_delete_issue(hass, DOMAIN, credentials_issue_id(auth_domain))
        return body
    error = str((body or {}).get("error", ""))
    LOGGER.debug("Token request refused (%s): %s", status, error or "no OAuth2 error")
    if retry_after := parse_retry_after(response_headers.get("Retry-After")):
        waits[url] = dt_util.utcnow() + min(timedelta(seconds=retry_after), LONGEST_WAIT)
    details: dict[str, Any] = {
        "request_info": request_info,
        "status": status,
        "message": error or str(status),
        "headers": response_headers,
        "domain": DOMAIN,
    }
    if error in LOGIN_REFUSED:
        raise OAuth2TokenRequestReauthError(**details)
    if error in CREDENTIALS_REFUSED:
        ir.async_create_issue(
            hass,
            DOMAIN,
            credentials_issue_id(auth_domain),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=CREDENTIALS_ISSUE,
            translation_placeholders={
                "provider": placeholders["provider"],
                "credential": placeholders["credential"],
                "url": placeholders["url"],
            },
        )
    raise OAuth2TokenRequestTransientError(**details)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        body = json.loads(text)
    except ValueError, RecursionError:
        return None
    return body if isinstance(body, dict) else None


class TokenKeeper:
    """The access token of one entry: renewed once however many cars ask, and stored at once.

    One per entry for the life of Home Assistant, reloads included: a renewal that a reload
    interrupts still finishes and stores its token (it is shielded), and the reloaded entry waits
    for it instead of renewing with the refresh token just rotated away.
    """

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, implementation: AbstractOAuth2Implementation
    ) -> None:
        """Keep the token of entry, renewed through implementation."""
        self.hass = hass
        self.entry = entry
        self.implementation = implementation
        self._lock = asyncio.Lock()
        self._renewed_at: float | None = None

    @classmethod
    def of(
        cls, hass: HomeAssistant, entry: ConfigEntry, implementation: AbstractOAuth2Implementation
    ) -> TokenKeeper:
        """The keeper of entry's token (the one it had before a reload, if any)."""
        keepers = hass.data.setdefault(TOKEN_KEEPERS, {})
        keeper = keepers.setdefault(entry.entry_id, cls(hass, entry, implementation))
        keeper.entry, keeper.implementation = entry, implementation
        return keeper

    async def async_access_token(self) -> str:
        """A valid access token, renewed first if it expires soon."""
        await asyncio.shield(self._async_renew(refused=False))
        return str(self.entry.data["token"]["access_token"])

    async def async_renew(self) -> None:
        """The provider refused our token before it expired: renew it, once for every car."""
        await asyncio.shield(self._async_renew(refused=True))

    async def _async_renew(self, *, refused: bool) -> None:
        async with self._lock:
            renewed_at = self._renewed_at
            if refused and renewed_at is not None and monotonic() - renewed_at < RENEWED_RECENTLY:
                return
            if not refused and _is_valid(self.entry.data["token"]):
                return
            # An answer lost after the provider rotated the refresh token cannot be had again;
            # a provider that honours the old one for a grace period renews at the next try.
            token = await self.implementation.async_refresh_token(self.entry.data["token"])
            self.hass.config_entries.async_update_entry(
                self.entry, data={**self.entry.data, "token": token}
            )
            self._renewed_at = monotonic()


def _is_valid(token: Mapping[str, Any]) -> bool:
    """Whether the token is good for a while yet (clocks drift)."""
    return float(token.get("expires_at", 0)) > time.time() + CLOCK_SLACK
