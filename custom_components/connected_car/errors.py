"""What each provider error means for Home Assistant: polls, commands and the user's next step."""

from __future__ import annotations

from typing import NoReturn

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api.errors import ApiError, ProviderError
from .const import DOMAIN

# VEHICLE_STATE codes whose refusal has its own translated message.
VEHICLE_STATE_CODES = frozenset(
    {
        "ASLEEP",
        "CHARGE_FAULT",
        "CHARGING_IN_PROGRESS",
        "CHARGING_PLUG_CONNECTED",
        "CHARGING_PLUG_NOT_CONNECTED",
        "DOOR_OPEN",
        "FULLY_CHARGED",
        "HOOD_OPEN",
        "IGNITION_ON",
        "IN_MOTION",
        "LOW_BATTERY",
        "NOT_CHARGING",
        "REMOTE_ACCESS_DISABLED",
        "TRUNK_OPEN",
        "UNREACHABLE",
        "VEHICLE_OFFLINE_FOR_SERVICE",
    }
)


def _is_auth_failure(err: ApiError | OAuth2TokenRequestBaseError) -> bool:
    return isinstance(err, OAuth2TokenRequestReauthError) or (
        isinstance(err, ProviderError) and err.type == "AUTHENTICATION"
    )


def raise_for_poll_error(err: ApiError | OAuth2TokenRequestBaseError) -> NoReturn:
    """Raise what a failed poll means: reauthentication, or a failed update that is retried."""
    if _is_auth_failure(err):
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    if isinstance(err, ProviderError):
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="provider_error",
            translation_placeholders={"type": err.type, "code": err.code or "-"},
            retry_after=err.details.retry_after,
        ) from err
    raise UpdateFailed(translation_domain=DOMAIN, translation_key="communication_error") from err


def command_error(err: ApiError | OAuth2TokenRequestBaseError) -> HomeAssistantError:
    """The translated error a refused or failed command raises."""
    if _is_auth_failure(err):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        )
    if not isinstance(err, ProviderError):
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="communication_error")
    if err.type == "VEHICLE_STATE" and err.code in VEHICLE_STATE_CODES:
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key=f"vehicle_state_{err.code.lower()}"
        )
    if err.type == "COMPATIBILITY":
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="not_supported")
    if err.type == "CONNECTED_SERVICES_ACCOUNT" and err.code == "VIRTUAL_KEY_REQUIRED":
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="virtual_key_required",
            translation_placeholders={"url": err.details.resolution_url or ""},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="command_failed",
        translation_placeholders={
            "type": err.type,
            "code": err.code or "-",
            "message": err.details.suggested_user_message or err.details.description or "",
        },
    )
