"""The providers: the only place that lists them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.application_credentials import ClientCredential

from ..const import CONF_PROVIDER
from .base import Login, Provider
from .high_mobility import HighMobilityProvider
from .smartcar import SmartcarProvider
from .smartcar_v3 import SmartcarV3Provider
from .volvo import VolvoProvider

# In the order of the provider menu; a login finds out which flavour (API version) it uses.
PROVIDERS: dict[str, Provider] = {
    provider.key: provider
    for provider in (
        SmartcarProvider(flavours=(SmartcarV3Provider(),)),
        VolvoProvider(),
        HighMobilityProvider(),
    )
}
# Credentials from before there were other providers are Smartcar's.
DEFAULT_PROVIDER = PROVIDERS[SmartcarProvider.key]


def provider_of(entry_data: Mapping[str, Any]) -> Provider:
    """The provider of a config entry, in the flavour the entry uses."""
    provider = PROVIDERS[entry_data[CONF_PROVIDER]]
    return next((f for f in provider.flavours if f.serves_entry(entry_data)), provider)


def provider_of_credential(auth_domain: str, credential: ClientCredential) -> Provider:
    """The provider an application credential belongs to: the one that claims it, else Smartcar."""
    return next(
        (
            p
            for p in PROVIDERS.values()
            if p.login is Login.OAUTH2 and p.owns_credential(auth_domain, credential)
        ),
        DEFAULT_PROVIDER,
    )
