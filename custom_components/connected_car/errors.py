"""The translated errors that failed commands, polls and setups raise, for every provider alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed
from homeassistant.util import dt as dt_util

from .api.errors import ApiError, ErrorKind, ProviderError
from .const import DOMAIN

if TYPE_CHECKING:
    from .providers.base import Provider
    from .schedule import CostModel


def translated[E: HomeAssistantError](
    error: type[E], key: str, provider: Provider, /, **placeholders: Any
) -> E:
    """An error of the given class with a translated message that names the provider."""
    extra = {k: placeholders.pop(k) for k in ("retry_after",) if k in placeholders}
    return error(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"provider": provider.name, **placeholders},
        **extra,
    )


def command_error(err: ApiError, provider: Provider, cost_model: CostModel) -> HomeAssistantError:
    """The translated error a refused or failed command raises."""
    if not isinstance(err, ProviderError):
        return translated(HomeAssistantError, "communication_error", provider)
    details = err.details
    if details.reason is not None:
        return translated(HomeAssistantError, f"vehicle_state_{details.reason}", provider)
    match err.kind:
        case ErrorKind.AUTHENTICATION:
            return translated(HomeAssistantError, "authentication_failed", provider)
        case ErrorKind.VIRTUAL_KEY:
            url = details.resolution_url or provider.help_url("virtual_key_required")
            return translated(HomeAssistantError, "virtual_key_required", provider, url=url)
        case ErrorKind.UNSUPPORTED:
            return translated(HomeAssistantError, "car_cannot", provider)
        case ErrorKind.PERMISSION:
            return translated(HomeAssistantError, "command_not_permitted", provider)
        case ErrorKind.RATE_LIMITED:
            seconds = str(details.retry_after or 60)
            return translated(HomeAssistantError, "rate_limited", provider, seconds=seconds)
        case ErrorKind.QUOTA_EXHAUSTED:
            renews = cost_model.quota_renews(dt_util.utcnow()).date().isoformat()
            return translated(HomeAssistantError, "budget_used_up", provider, renews=renews)
    return translated(
        HomeAssistantError,
        "command_failed",
        provider,
        type=err.type,
        code=err.code or "-",
        message=details.suggested_user_message or details.description or "",
    )


def update_failed(
    err: Exception, provider: Provider, retry_after: float | None = None
) -> UpdateFailed:
    """A failed poll, translated: the provider's error type and code, or a transport failure."""
    if isinstance(err, ProviderError):
        return translated(
            UpdateFailed,
            "provider_error",
            provider,
            type=err.type,
            code=err.code or "-",
            retry_after=retry_after,
        )
    return translated(UpdateFailed, "communication_error", provider, retry_after=retry_after)
