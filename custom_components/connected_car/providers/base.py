"""What a provider brings: its login, its client, its price of polling and the meaning of its errors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import aiohttp
from homeassistant.components.application_credentials import ClientCredential
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2Implementation
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio as vol

from ..api.client import VehicleClient
from ..api.errors import ProviderError
from ..const import CONF_SAFETY_READ_HOURS, DEFAULT_SAFETY_READ_HOURS
from ..issues import OTHER_ACCOUNT_ISSUE
from ..schedule import CostModel
from ..tokens import TokenKeeper
from .push import PushSupport

type AccessToken = Callable[[], Awaitable[str]]


class TokenSource(Protocol):
    """Where an entry's clients get their access token, and have it renewed when refused."""

    async def async_access_token(self) -> str:
        """A valid access token."""
        ...

    async def async_renew(self) -> None:
        """The provider refused the token before it expired: renew it."""
        ...


@dataclass(frozen=True)
class BudgetOption:
    """The option that sets how many calls a provider's polling may spend, and its bounds."""

    key: str
    default: int
    minimum: int
    maximum: int


class Login(StrEnum):
    """How an entry logs in to its provider."""

    # A user logs in through the provider's OAuth2 login, with an application credential of HA.
    OAUTH2 = "oauth2"
    # The entry holds the application's own client id and secret (client-credentials grant,
    # handled by the client): no user login, no OAuth2 implementation, no token to keep.
    APPLICATION = "application"


class Provider(ABC):
    """One maker's cloud (or an aggregator's) as Connected Car uses it."""

    key: str  # stored in entries and ids; never changes
    name: str  # what users call it
    dashboard_url: str  # where its developers create the OAuth application
    docs_url: str  # its guide to errors, where a repair has no better link
    budget_option: BudgetOption  # the option its cost model reads
    login: Login = Login.OAUTH2
    # Errors its login may send the user back with, each with its own abort reason.
    authorize_errors: tuple[str, ...] = ("access_denied",)
    # The connect form's field to blame when the provider refuses a fresh login (an API key).
    refused_field: str | None = None

    # Account error code -> repair issue key; other codes raise the generic account problem.
    account_issues: Mapping[str, str] = {}
    # Repair issue key -> the provider's page about it, for a problem whose error has no link.
    help_urls: Mapping[str, str] = {}
    # Its webhooks, where it pushes changes; None: it is only polled.
    push: PushSupport | None = None

    def __init__(self, *, flavours: tuple[Provider, ...] = ()) -> None:
        """A provider; flavours are other versions of its API, which a login may turn out to use."""
        self.flavours = flavours

    def serves_entry(self, entry_data: Mapping[str, Any]) -> bool:
        """Whether this flavour serves an entry of its provider (its API version)."""
        return True

    async def async_login_implementation(
        self,
        hass: HomeAssistant,
        implementation: AbstractOAuth2Implementation,
        connect_data: Mapping[str, Any],
    ) -> AbstractOAuth2Implementation | None:
        """How this flavour logs in with the picked application credential (and what the
        connect form said), or None when the credential is not this flavour's. Asked of
        flavours only; raises OAuth2TokenRequestBaseError when the provider refuses it."""
        return None

    def missing_field(self, connect_data: Mapping[str, Any]) -> str | None:
        """A field the connect form must fill in for this flavour and left empty, if any."""
        return None

    def login_result(self) -> dict[str, Any] | None:
        """What the login's redirect brought beside the code, to store in the entry (read while
        the redirect is handled); None when something the provider needs is missing."""
        return {}

    def token_source(
        self, hass: HomeAssistant, entry: ConfigEntry, implementation: AbstractOAuth2Implementation
    ) -> TokenSource:
        """Where the entry's clients get their token: the entry's own OAuth2 token by default."""
        return TokenKeeper.of(hass, entry, implementation)

    def connect_schema(self, entry_data: Mapping[str, Any]) -> vol.Schema | None:
        """The form asked before logging in (defaults from entry_data), or None for no form."""
        return None

    def authorize_data(self, entry_data: Mapping[str, Any]) -> dict[str, Any]:
        """Extra query parameters of the authorize request, from what the connect form stored."""
        return {}

    def owns_credential(self, auth_domain: str, credential: ClientCredential) -> bool:
        """Whether an application credential is this provider's, by its id or its name."""
        name = (credential.name or "").casefold()
        return (
            auth_domain.startswith(f"{self.key}:")
            or self.key in name
            or self.name.casefold() in name
        )

    def auth_implementation(
        self, hass: HomeAssistant, auth_domain: str, credential: ClientCredential
    ) -> AbstractOAuth2Implementation:
        """The OAuth2 implementation for one of this provider's application credentials."""
        raise NotImplementedError(f"{self.name} logs in without OAuth2")

    @abstractmethod
    def create_client(
        self,
        session: aiohttp.ClientSession,
        access_token: AccessToken,
        entry_data: Mapping[str, Any],
    ) -> VehicleClient:
        """The client of one account."""

    @abstractmethod
    def cost_model(self, options: Mapping[str, Any], cars_on_app: int) -> CostModel:
        """The price of polling, as the entry's options set it, for one of cars_on_app cars."""

    def budget(self, options: Mapping[str, Any]) -> int:
        """The call budget the options set (the budget option's default until the user sets it)."""
        return int(options.get(self.budget_option.key, self.budget_option.default))

    def options_schema(self, options: Mapping[str, Any]) -> dict[Any, Any]:
        """The options form: the call budget, with the current one as its default; with push,
        the webhook's settings and the hours between safety reads."""
        option = self.budget_option
        schema: dict[Any, Any] = {
            vol.Required(option.key, default=self.budget(options)): NumberSelector(
                NumberSelectorConfig(
                    min=option.minimum, max=option.maximum, step=1, mode=NumberSelectorMode.BOX
                )
            )
        }
        if self.push is None:
            return schema
        for key in self.push.option_keys:
            secret = key == self.push.secret_option
            schema[vol.Optional(key, description={"suggested_value": options.get(key)})] = (
                TextSelector(
                    TextSelectorConfig(
                        type=TextSelectorType.PASSWORD if secret else TextSelectorType.TEXT
                    )
                )
            )
        hours = int(options.get(CONF_SAFETY_READ_HOURS, DEFAULT_SAFETY_READ_HOURS))
        schema[vol.Required(CONF_SAFETY_READ_HOURS, default=hours)] = NumberSelector(
            NumberSelectorConfig(min=1, max=168, step=1, mode=NumberSelectorMode.BOX)
        )
        return schema

    def options_from_form(self, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """The options to store from what the options form returned (whole numbers, and the
        webhook's settings that are filled in)."""
        options: dict[str, Any] = {self.budget_option.key: self.budget(user_input)}
        if self.push is not None:
            options |= {k: v.strip() for k in self.push.option_keys if (v := user_input.get(k))}
            options[CONF_SAFETY_READ_HOURS] = int(
                user_input.get(CONF_SAFETY_READ_HOURS, DEFAULT_SAFETY_READ_HOURS)
            )
        return options

    def account_issue(self, err: ProviderError) -> str:
        """The repair issue key of an account problem."""
        return self.account_issues.get(err.code or "", OTHER_ACCOUNT_ISSUE)

    def help_url(self, issue_key: str) -> str:
        """Where the provider explains the problem of a repair issue that carries no link."""
        return self.help_urls.get(issue_key, self.docs_url)
