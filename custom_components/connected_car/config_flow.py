"""Config flow: pick a provider, connect the account through OAuth2, and polling options."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2FlowHandler
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
)
import probatio as vol

from .api.errors import ApiError
from .api.smartcar import CONNECT_ERRORS, SmartcarClient
from .const import (
    CONF_MODE,
    CONF_MONTHLY_BUDGET,
    CONF_PROVIDER,
    CONF_VEHICLES,
    CONNECT_MODES,
    DEFAULT_MONTHLY_BUDGET,
    DOMAIN,
    LOGGER,
    MAX_MONTHLY_BUDGET,
    MIN_MONTHLY_BUDGET,
    PROVIDER_SMARTCAR,
    PROVIDERS,
    smartcar_origins,
)
from .vehicles import async_fetch_records


def _mode_schema(default: str) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_MODE, default=default): SelectSelector(
                SelectSelectorConfig(options=list(CONNECT_MODES), translation_key=CONF_MODE)
            )
        }
    )


class ConnectedCarConfigFlow(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Connects one provider account; one entry per account."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with Connect in live mode."""
        super().__init__()
        self._mode = CONNECT_MODES[0]

    @property
    @override
    def logger(self) -> logging.Logger:
        return LOGGER

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """Connect's mode: live cars, or Smartcar's simulated ones."""
        return {"mode": self._mode}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> ConnectedCarOptionsFlow:
        """Polling options."""
        return ConnectedCarOptionsFlow()

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the provider (Volvo Cars and High Mobility join this menu)."""
        return self.async_show_menu(step_id="user", menu_options=list(PROVIDERS))

    async def async_step_smartcar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose Connect's mode, then connect."""
        if user_input is None:
            return self.async_show_form(step_id="smartcar", data_schema=_mode_schema(self._mode))
        self._mode = user_input[CONF_MODE]
        return await self.async_step_pick_implementation()

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The account needs connecting again."""
        self._mode = entry_data.get(CONF_MODE, self._mode)
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before sending the user to Connect."""
        if user_input is None:
            return self.async_show_form(step_id="reauth_confirm")
        return await self.async_step_pick_implementation(
            {"implementation": self._get_reauth_entry().data["auth_implementation"]}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect again, for example to change the mode or the cars shared."""
        entry = self._get_reconfigure_entry()
        if user_input is None:
            return self.async_show_form(
                step_id="reconfigure", data_schema=_mode_schema(entry.data[CONF_MODE])
            )
        self._mode = user_input[CONF_MODE]
        return await self.async_step_pick_implementation(
            {"implementation": entry.data["auth_implementation"]}
        )

    @override
    async def async_step_authorize_rejected(self, data: None = None) -> ConfigFlowResult:
        """Connect sent the user back with an error: say which one."""
        error = self.external_data["error"]
        if error in CONNECT_ERRORS:
            return self.async_abort(reason=error)
        return await super().async_step_authorize_rejected(data)

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Test the connection and learn the account's cars before creating the entry."""
        access_token = data["token"]["access_token"]

        async def token() -> str:
            return str(access_token)

        client = SmartcarClient(async_get_clientsession(self.hass), token, smartcar_origins())
        try:
            user_id = await client.async_get_user_id()
            records = await async_fetch_records(client, await client.async_get_vehicle_ids(), {})
        except ApiError as err:
            LOGGER.debug("Testing the new Smartcar connection failed: %s", err)
            return self.async_abort(reason="cannot_connect")
        if not records:
            return self.async_abort(reason="no_vehicles")

        await self.async_set_unique_id(user_id)
        entry_data = {
            **data,
            CONF_PROVIDER: PROVIDER_SMARTCAR,
            CONF_MODE: self._mode,
            CONF_VEHICLES: records,
        }
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            return self.async_update_reload_and_abort(entry, data=entry_data)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title="Smartcar", data=entry_data)


class ConnectedCarOptionsFlow(OptionsFlowWithReload):
    """How many billable calls a month each car may spend; the polling interval follows."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the budget."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_MONTHLY_BUDGET: int(user_input[CONF_MONTHLY_BUDGET])}
            )
        budget = self.config_entry.options.get(CONF_MONTHLY_BUDGET, DEFAULT_MONTHLY_BUDGET)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_MONTHLY_BUDGET, default=budget): NumberSelector(
                        NumberSelectorConfig(
                            min=MIN_MONTHLY_BUDGET,
                            max=MAX_MONTHLY_BUDGET,
                            step=1,
                            mode=NumberSelectorMode.BOX,
                        )
                    )
                }
            ),
        )
