"""Config flow: pick a provider, connect the account through OAuth2, and polling options."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers import http
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    AbstractOAuth2FlowHandler,
    AbstractOAuth2Implementation,
    async_get_implementations,
)
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import UNDEFINED
import probatio as vol

from .api.client import VehicleClient
from .api.errors import ApiError, ErrorKind, ProviderError
from .api.high_mobility import (
    BRAND_NAMES,
    CUSTOMER_NAME_TAG,
    VW_GROUP_BRANDS,
    Clearance,
    ClearanceRequest,
    ClearanceStatus,
    HighMobilityClient,
    is_valid_vin,
    normalize_vin,
)
from .clearance import ChosenCar, chosen_car
from .const import (
    CONF_APPLICATION_ID,
    CONF_CARS,
    CONF_ENVIRONMENT,
    CONF_PROVIDER,
    CONF_VEHICLES,
    DOMAIN,
    LOGGER,
    REAUTH_FOR_DATA,
)
from .fleet import cars_served_elsewhere
from .providers import PROVIDERS, provider_of
from .providers.base import Login, Provider
from .providers.high_mobility import ENVIRONMENTS, PRODUCTION, HighMobilityProvider, create_client
from .providers.smartcar_v3 import has_v3_client_id, speaks_smartcar_v2
from .tokens import TOKEN_WAITS
from .vehicles import VehicleRecord, async_identify, car_name

CONF_FLEET_CARS = "fleet_cars"
CONF_KEEP_CARS = "keep_cars"
CONF_VIN = "vin"
CONF_BRAND = "brand"
CONF_CUSTOMER_NAME = "customer_name"
CONF_IMPLEMENTATION = "implementation"
# The reconfigure menu's step that moves a Smartcar v2 entry to the v3 API in place.
MOVE_TO_V3 = "move_to_v3"
# Fleet cars offered to pick: the ones whose data access is asked for or granted.
PICKABLE = frozenset({ClearanceStatus.PENDING, ClearanceStatus.APPROVED})


class ConnectedCarConfigFlow(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Connects one provider account; one entry per account."""

    DOMAIN = DOMAIN
    VERSION = 1
    MINOR_VERSION = 2

    def __init__(self) -> None:
        """Start with no provider picked."""
        super().__init__()
        self._provider: Provider = next(iter(PROVIDERS.values()))
        # What the provider's connect form asked, stored in the entry (Smartcar: Connect's mode).
        self._connect_data: dict[str, Any] = {}
        # A login the provider refused to serve with what the connect form said (a wrong API key):
        # the form is asked again, then this login is tested again.
        self._refused_login: dict[str, Any] | None = None
        # An application's own login (High Mobility): environment, client id and secret.
        self._application: dict[str, Any] = {}
        self._fleet: dict[str, Clearance] = {}
        self._missing_data = ""  # reconnecting to share this data, in words
        # What the login's redirect brought beside the code (Smartcar v3: the user); None when
        # it lacks what the provider needs.
        self._login: dict[str, Any] | None = {}
        # Moving a Smartcar v2 entry to v3: only a v3 login may update it.
        self._moving = False

    @property
    @override
    def logger(self) -> logging.Logger:
        return LOGGER

    @property
    @override
    def extra_authorize_data(self) -> dict[str, Any]:
        """What the provider adds to the authorize request."""
        return self._provider.authorize_data(self._connect_data)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> ConnectedCarOptionsFlow:
        """Polling options."""
        return ConnectedCarOptionsFlow()

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the provider."""
        return self.async_show_menu(step_id="user", menu_options=list(PROVIDERS))

    async def async_step_smartcar(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Smartcar: Connect's mode, then connect."""
        return await self._async_step_connect("smartcar", user_input)

    async def async_step_volvo(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Volvo Cars: the application's API key, then Volvo ID."""
        return await self._async_step_connect("volvo", user_input)

    async def async_step_high_mobility(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """High Mobility: its production API or its sandbox."""
        self._provider = PROVIDERS[HighMobilityProvider.key]
        if user_input is None:
            return self.async_show_form(
                step_id="high_mobility",
                data_schema=vol.Schema(
                    {
                        vol.Required(CONF_ENVIRONMENT, default=PRODUCTION): SelectSelector(
                            SelectSelectorConfig(
                                options=list(ENVIRONMENTS), translation_key=CONF_ENVIRONMENT
                            )
                        )
                    }
                ),
                description_placeholders=self._placeholders(),
            )
        self._application = {CONF_ENVIRONMENT: user_input[CONF_ENVIRONMENT]}
        return await self.async_step_credentials()

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The application's client id and secret, checked before anything is kept."""
        errors: dict[str, str] = {}
        if user_input is not None:
            client_id = user_input[CONF_CLIENT_ID].strip()
            data = {**self._application, **user_input, CONF_CLIENT_ID: client_id}
            errors = await self._async_check_application(data)
            if not errors:
                unique_id = f"{HighMobilityProvider.key}:{client_id}"
                await self.async_set_unique_id(unique_id)
                if other := self.hass.config_entries.async_entry_for_domain_unique_id(
                    DOMAIN, unique_id
                ):
                    return self.async_abort(
                        reason="already_configured", description_placeholders={"title": other.title}
                    )
                self._application = data
                return await self.async_step_cars()
        return self.async_show_form(
            step_id="credentials",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_CLIENT_ID, default=(user_input or {}).get(CONF_CLIENT_ID, "")
                    ): str,
                    vol.Required(CONF_CLIENT_SECRET): _SECRET,
                }
            ),
            errors=errors,
            description_placeholders=self._placeholders(),
        )

    async def _async_check_application(self, data: dict[str, Any]) -> dict[str, str]:
        """Ask for a token with the credentials: the form's errors ({} when they work)."""
        waits = self.hass.data.setdefault(TOKEN_WAITS, {})
        client = create_client(async_get_clientsession(self.hass), data, waits)
        try:
            await client.async_authenticate()
        except ProviderError as err:
            LOGGER.debug("High Mobility refused the application's credentials: %s", err)
            if err.kind is not ErrorKind.AUTHENTICATION:
                return {"base": "cannot_connect"}
            if err.details.source == CONF_CLIENT_ID:
                return {CONF_CLIENT_ID: "invalid_client_id"}
            return {CONF_CLIENT_SECRET: "invalid_secret"}
        except ApiError as err:
            LOGGER.debug("High Mobility could not be reached: %s", err)
            return {"base": "cannot_connect"}
        return {}

    async def async_step_cars(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The cars: picked from the fleet, or one added by VIN and brand."""
        client = create_client(async_get_clientsession(self.hass), self._application)
        errors: dict[str, str] = {}
        placeholders = {"description": "-"}
        if user_input is None:
            try:
                self._fleet = {car.vin: car for car in await client.async_get_fleet()}
            except ApiError as err:
                LOGGER.debug("Could not read the fleet: %s", err)
                return self.async_abort(reason="cannot_connect")
        else:
            cars, errors, placeholders = await async_take_cars(client, self._fleet, user_input)
            if not errors and not cars:
                errors = {"base": "no_cars"}
            if not errors:
                return self.async_create_entry(
                    title=HighMobilityProvider.name,
                    data={
                        **self._application,
                        CONF_PROVIDER: HighMobilityProvider.key,
                        CONF_CARS: cars,
                        CONF_VEHICLES: {},
                    },
                )
        return self.async_show_form(
            step_id="cars",
            data_schema=vol.Schema(_cars_schema(self._fleet, {}, user_input or {})),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _async_step_connect(
        self, provider_key: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask what the provider needs before its login (its step is named after it), then log in."""
        self._provider = provider = PROVIDERS[provider_key]
        schema = provider.connect_schema(self._connect_data or self._app_defaults())
        if schema is not None and user_input is None:
            return self.async_show_form(
                step_id=provider.key,
                data_schema=schema,
                description_placeholders=self._placeholders(),
            )
        self._connect_data = dict(user_input or {})
        if (login := self._refused_login) is not None:
            self._refused_login = None
            return await self.async_oauth_create_entry(login)
        return await self.async_step_pick_implementation()

    def _placeholders(self) -> dict[str, str]:
        """What the provider's forms name: the provider and where its applications are made."""
        return {"provider": self._provider.name, "dashboard_url": self._provider.dashboard_url}

    def _app_defaults(self) -> dict[str, Any]:
        """What another entry of the provider's connect form said: most users have one app."""
        for entry in self._async_current_entries(include_ignore=False):
            if provider_of(entry.data).key == self._provider.key:
                return dict(entry.data)
        return {}

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The account needs connecting again, or to share data its grant lacks.

        An application (High Mobility) is asked for its new secret.
        """
        if provider_of(entry_data).login is Login.APPLICATION:
            return await self.async_step_reauth_secret()
        self._use_entry(entry_data)
        if missing := entry_data.get(REAUTH_FOR_DATA):
            self._missing_data = str(missing)
            return await self.async_step_reauth_permission()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_secret(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The application's secret was refused: take the new one, checked before it is kept."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET]}
            errors = await self._async_check_application(data)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET]}
                )
        return self.async_show_form(
            step_id="reauth_secret",
            data_schema=vol.Schema({vol.Required(CONF_CLIENT_SECRET): _SECRET}),
            errors=errors,
            description_placeholders={"dashboard_url": HighMobilityProvider.dashboard_url},
        )

    async def async_step_reauth_permission(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say which data to allow in the provider's login, then go there."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_permission",
                description_placeholders={**self._placeholders(), "data": self._missing_data},
            )
        return await self.async_step_reauth_confirm(user_input)

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before sending the user to the provider's login."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_confirm", description_placeholders=self._placeholders()
            )
        return await self.async_step_pick_implementation(
            {"implementation": self._get_reauth_entry().data["auth_implementation"]}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect again, for example to change the cars shared or the provider's settings.

        A Smartcar v2 entry is offered the move to the v3 API as well.
        """
        entry = self._get_reconfigure_entry()
        if provider_of(entry.data).login is Login.APPLICATION:
            return self.async_abort(reason="use_options")
        if user_input is None and speaks_smartcar_v2(entry.data):
            return self.async_show_menu(
                step_id="reconfigure", menu_options=["connect_again", MOVE_TO_V3]
            )
        return await self.async_step_connect_again(user_input)

    async def async_step_connect_again(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Connect again with the entry's credential; the provider's form first, if it has one."""
        entry = self._get_reconfigure_entry()
        self._use_entry(entry.data)
        schema = self._provider.connect_schema(entry.data)
        if schema is not None and user_input is None:
            return self.async_show_form(
                step_id="reconfigure",
                data_schema=schema,
                description_placeholders=self._placeholders(),
            )
        self._connect_data.update(user_input or {})
        return await self.async_step_pick_implementation(
            {"implementation": entry.data["auth_implementation"]}
        )

    async def async_step_move_to_v3(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move a Smartcar v2 entry to the v3 API: the v3 API credential and the Application ID,
        then Connect for the same Smartcar user. Devices, entities and their history stay, since
        the cars keep their ids."""
        entry = self._get_reconfigure_entry()
        self._use_entry(entry.data)
        # The entry's own credential is among them: Home Assistant keeps a credential in use.
        implementations = await self._async_provider_implementations()
        errors: dict[str, str] = {}
        if user_input is not None:
            if application_id := user_input[CONF_APPLICATION_ID].strip():
                self._moving = True
                self._connect_data[CONF_APPLICATION_ID] = application_id
                self.flow_impl = implementations[user_input[CONF_IMPLEMENTATION]]
                return await self.async_step_auth()
            errors[CONF_APPLICATION_ID] = "required"
        v3_first = sorted(
            implementations, key=lambda key: not has_v3_client_id(implementations[key])
        )
        return self.async_show_form(
            errors=errors,
            step_id=MOVE_TO_V3,
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_IMPLEMENTATION, default=v3_first[0]): vol.In(
                        {key: implementations[key].name for key in v3_first}
                    ),
                    vol.Required(
                        CONF_APPLICATION_ID, default=entry.data.get(CONF_APPLICATION_ID, "")
                    ): str,
                }
            ),
            description_placeholders=self._placeholders(),
        )

    def _use_entry(self, entry_data: Mapping[str, Any]) -> None:
        """Connect again as the entry did: its provider and what its connect form stored."""
        self._provider = provider_of(entry_data)
        schema = self._provider.connect_schema(entry_data)
        keys = [str(key) for key in schema.schema] if schema is not None else []
        self._connect_data = {key: entry_data[key] for key in keys if key in entry_data}

    @override
    async def async_step_pick_implementation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick one of the provider's application credentials; other providers' are not shown."""
        implementations = await self._async_provider_implementations()
        if user_input is not None and user_input["implementation"] in implementations:
            self.flow_impl = implementations[user_input["implementation"]]
            return await self.async_step_auth()
        if not implementations:
            return self.async_abort(reason="missing_credentials")
        if len(implementations) == 1 and http.current_request.get() is not None:
            self.flow_impl = next(iter(implementations.values()))
            return await self.async_step_auth()
        return self.async_show_form(
            step_id="pick_implementation",
            data_schema=vol.Schema(
                {
                    vol.Required("implementation", default=next(iter(implementations))): vol.In(
                        {key: impl.name for key, impl in implementations.items()}
                    )
                }
            ),
        )

    async def _async_provider_implementations(self) -> dict[str, AbstractOAuth2Implementation]:
        """The provider's application credentials, as OAuth2 implementations."""
        return {
            key: implementation
            for key, implementation in (
                await async_get_implementations(self.hass, self.DOMAIN)
            ).items()
            if getattr(implementation, "provider_key", None) == self._provider.key
        }

    @override
    async def async_step_auth(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Log in with the picked credential, in the flavour (API version) it turns out to be.

        Called again with the login's redirect, whose extras the flavour keeps.
        """
        if user_input is not None:
            self._login = self._provider.login_result()
            return await super().async_step_auth(user_input)
        provider = PROVIDERS[self._provider.key]
        try:
            for flavour in provider.flavours:
                login = await flavour.async_login_implementation(
                    self.hass, self.flow_impl, self._connect_data
                )
                if login is not None:
                    provider, self.flow_impl = flavour, login
                    break
        except OAuth2TokenRequestBaseError as err:
            LOGGER.debug("%s refused the application credentials: %s", provider.name, err)
            return self.async_abort(
                reason="app_token_refused",
                description_placeholders={
                    "provider": provider.name,
                    "credential": self.flow_impl.name,
                },
            )
        if self._moving and provider is PROVIDERS[provider.key]:
            return self.async_abort(
                reason="move_needs_v3_credential",
                description_placeholders={"credential": self.flow_impl.name},
            )
        self._provider = provider
        if missing := provider.missing_field(self._connect_data):
            return self.async_show_form(
                step_id=provider.key,
                data_schema=provider.connect_schema(self._connect_data),
                errors={missing: "required"},
                description_placeholders=self._placeholders(),
            )
        return await super().async_step_auth()

    @override
    async def async_step_authorize_rejected(self, data: None = None) -> ConfigFlowResult:
        """The provider's login sent the user back with an error: say which one."""
        error = self.external_data["error"]
        if error in self._provider.authorize_errors:
            return self.async_abort(
                reason=error, description_placeholders={"provider": self._provider.name}
            )
        return await super().async_step_authorize_rejected(data)

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Test the connection and learn the account's cars before creating the entry.

        Connecting an existing entry again reads only the cars it does not know yet.
        """
        if self._login is None:
            return self.async_abort(
                reason="login_incomplete",
                description_placeholders={"provider": self._provider.name},
            )
        data = {**data, **self._login}
        access_token = data["token"]["access_token"]

        async def token() -> str:
            return str(access_token)

        provider = self._provider
        client = provider.create_client(
            async_get_clientsession(self.hass), token, {**data, **self._connect_data}
        )
        existing = (
            self._get_reauth_entry()
            if self.source == SOURCE_REAUTH
            else self._get_reconfigure_entry()
            if self.source == SOURCE_RECONFIGURE
            else None
        )
        known: dict[str, VehicleRecord] = existing.data[CONF_VEHICLES] if existing else {}
        try:
            account_id = await client.async_get_account_id()
            listed = await client.async_get_vehicle_ids()
        except ApiError as err:
            LOGGER.debug("Testing the new %s connection failed: %s", provider.name, err)
            if err.kind is ErrorKind.AUTHENTICATION and provider.refused_field and not existing:
                # The login is fresh, so what the provider refuses is the form's value.
                self._refused_login = data
                return self.async_show_form(
                    step_id=provider.key,
                    data_schema=provider.connect_schema(self._connect_data),
                    errors={provider.refused_field: "refused"},
                    description_placeholders=self._placeholders(),
                )
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(f"{provider.key}:{account_id}")
        if existing is not None:
            self._abort_if_unique_id_mismatch(
                reason="move_wrong_user" if self._moving else "wrong_account",
                description_placeholders={"provider": provider.name, "title": existing.title},
            )
        elif other := self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, f"{provider.key}:{account_id}"
        ):
            return self.async_abort(
                reason="already_configured", description_placeholders={"title": other.title}
            )
        served = cars_served_elsewhere(
            self.hass, existing.entry_id if existing else None, provider.key
        )
        if listed and all(vehicle_id in served for vehicle_id in listed):
            return self.async_abort(
                reason="vehicles_elsewhere",
                description_placeholders={"title": served[listed[0]]},
            )
        records = await _async_identify_new(
            client, [vid for vid in listed if vid not in served and vid not in known]
        )
        known = await _async_update_known(
            client, {vid: known[vid] for vid in listed if vid in known}, everything=self._moving
        ) | {vid: record for vid, record in known.items() if vid not in listed}
        if not records and not known:
            return self.async_abort(
                reason="no_vehicles" if not listed else "cannot_connect",
                description_placeholders={"provider": provider.name},
            )
        entry_data = {
            **data,
            **self._connect_data,
            CONF_PROVIDER: provider.key,
            CONF_VEHICLES: {**known, **records},
        }
        if existing is not None:
            return self.async_update_reload_and_abort(
                existing,
                data_updates=entry_data,
                reason="moved_to_v3" if self._moving else UNDEFINED,
            )
        return self.async_create_entry(title=entry_title(provider.name, records), data=entry_data)


async def _async_identify_new(
    client: VehicleClient, vehicle_ids: list[str]
) -> dict[str, VehicleRecord]:
    """The records of the cars that answer; the rest are learned once the entry runs."""

    async def identify(vehicle_id: str) -> VehicleRecord | None:
        try:
            return await async_identify(client, vehicle_id)
        except ApiError as err:
            LOGGER.debug("A car did not answer yet: %s", err)
            return None

    records = await asyncio.gather(*(identify(vehicle_id) for vehicle_id in vehicle_ids))
    return {vid: record for vid, record in zip(vehicle_ids, records, strict=True) if record}


async def _async_update_known(
    client: VehicleClient, listed: dict[str, VehicleRecord], *, everything: bool
) -> dict[str, VehicleRecord]:
    """The records of known cars after a new login: a car whose grant changed (or every car, when
    the API changes) is identified again, so that its data is discovered anew on setup; its ids,
    and with them its device and entities, stay. A car that does not answer keeps its record."""

    async def changed(vehicle_id: str) -> bool:
        try:
            permissions = await client.async_get_permissions(vehicle_id)
        except ApiError as err:
            LOGGER.debug("A car did not tell its permissions: %s", err)
            return False
        return sorted(permissions) != sorted(listed[vehicle_id]["permissions"])

    if everything:
        stale = list(listed)
    else:
        answers = await asyncio.gather(*(changed(vehicle_id) for vehicle_id in listed))
        stale = [vid for vid, is_stale in zip(listed, answers, strict=True) if is_stale]
    return listed | await _async_identify_new(client, stale)


def entry_title(provider_name: str, records: dict[str, VehicleRecord]) -> str:
    """Name the account by its cars, so two accounts of one provider are told apart."""
    names = sorted(car_name(record) for record in records.values())
    shown = ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")
    return f"{provider_name}: {shown}" if shown else provider_name


_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _cars_schema(
    fleet: Mapping[str, Clearance], chosen: Mapping[str, ChosenCar], user_input: Mapping[str, Any]
) -> dict[Any, Any]:
    """The cars form: fleet cars not chosen yet to pick, and a car to add by VIN and brand."""
    pickable = [
        SelectOptionDict(
            value=vin,
            label=f"{BRAND_NAMES.get(car.brand or '', car.brand or '?')} {vin} ({car.status})",
        )
        for vin, car in fleet.items()
        if car.status in PICKABLE and vin not in chosen
    ]
    brands = [
        SelectOptionDict(value=key, label=name)
        for key, name in sorted(BRAND_NAMES.items(), key=lambda item: item[1].casefold())
    ]
    return {
        # A form shown again (an error) keeps what was chosen.
        vol.Optional(
            CONF_FLEET_CARS, default=list(user_input.get(CONF_FLEET_CARS, []))
        ): SelectSelector(SelectSelectorConfig(options=pickable, multiple=True)),
        vol.Optional(CONF_VIN, default=user_input.get(CONF_VIN, "")): str,
        vol.Optional(
            CONF_BRAND, description={"suggested_value": user_input.get(CONF_BRAND)}
        ): SelectSelector(SelectSelectorConfig(options=brands, mode=SelectSelectorMode.DROPDOWN)),
        vol.Optional(CONF_CUSTOMER_NAME, default=user_input.get(CONF_CUSTOMER_NAME, "")): str,
    }


async def async_take_cars(
    client: HighMobilityClient, fleet: Mapping[str, Clearance], user_input: Mapping[str, Any]
) -> tuple[dict[str, ChosenCar], dict[str, str], dict[str, str]]:
    """The cars the cars form chose, asking data access for the one added by VIN.

    Returns the cars, the form's errors and its placeholders (an error's description).
    """
    cars: dict[str, ChosenCar] = {}
    for vin in user_input.get(CONF_FLEET_CARS, []):
        car = fleet[vin]
        added = car.changelog[0].timestamp if car.changelog else None
        cars[vin] = chosen_car(car.brand or "", car.tags, added)
    placeholders = {"description": "-"}
    if not (typed := user_input.get(CONF_VIN, "").strip()):
        return cars, {}, placeholders
    vin = normalize_vin(typed)
    if not is_valid_vin(vin):
        return cars, {CONF_VIN: "invalid_vin"}, placeholders
    brand = user_input.get(CONF_BRAND)
    if not brand:
        return cars, {CONF_BRAND: "brand_required"}, placeholders
    tags: dict[str, str] = {}
    if brand in VW_GROUP_BRANDS:
        if not (name := user_input.get(CONF_CUSTOMER_NAME, "").strip()):
            return cars, {CONF_CUSTOMER_NAME: "customer_name_required"}, placeholders
        tags[CUSTOMER_NAME_TAG] = name
    try:
        (answer,) = await client.async_add_vehicles([ClearanceRequest(vin, brand, tags)])
    except ApiError as err:
        LOGGER.debug("Could not add a car to the fleet: %s", err)
        return cars, {"base": "cannot_connect"}, placeholders
    if answer.status is ClearanceStatus.ERROR:
        return cars, {"base": "add_refused"}, {"description": answer.description or "-"}
    cars[vin] = chosen_car(brand, tags)
    return cars, {}, placeholders


class ConnectedCarOptionsFlow(OptionsFlowWithReload):
    """The provider's polling options, such as the call budget; the polling interval follows.

    An application's fleet (High Mobility) also adds and removes cars here.
    """

    _fleet: dict[str, Clearance]

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options."""
        provider = provider_of(self.config_entry.data)
        if provider.login is Login.APPLICATION:
            return await self.async_step_fleet(user_input)
        if user_input is None and speaks_smartcar_v2(self.config_entry.data):
            return self.async_show_menu(step_id="init", menu_options=["polling", MOVE_TO_V3])
        return await self.async_step_polling(user_input)

    async def async_step_polling(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The call budget and, where the provider pushes, its webhook's settings."""
        provider = provider_of(self.config_entry.data)
        if user_input is not None:
            return self.async_create_entry(data=provider.options_from_form(user_input))
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(provider.options_schema(self.config_entry.options)),
            description_placeholders={
                "minimum": str(provider.budget_option.minimum),
                "interval": _longest_interval(self.config_entry),
                **_push_placeholders(self.config_entry),
            },
        )

    async def async_step_move_to_v3(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say where the move to Smartcar's v3 API is done: signing in again through Connect
        returns to a config flow only, the entry's Reconfigure (or the repair about v2's end)."""
        return self.async_abort(
            reason="move_in_reconfigure",
            description_placeholders={"entry": self.config_entry.title},
        )

    async def async_step_fleet(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Polling, the cars to keep, and cars to add (data access of a car dropped stays)."""
        provider = provider_of(self.config_entry.data)
        entry_data = self.config_entry.data
        client = create_client(async_get_clientsession(self.hass), entry_data)
        chosen: dict[str, ChosenCar] = entry_data[CONF_CARS]
        errors: dict[str, str] = {}
        placeholders = {"description": "-"}
        if user_input is None:
            try:
                self._fleet = {car.vin: car for car in await client.async_get_fleet()}
            except ApiError as err:
                LOGGER.debug("Could not read the fleet: %s", err)
                return self.async_abort(reason="cannot_connect")
        else:
            added, errors, placeholders = await async_take_cars(client, self._fleet, user_input)
            if not errors:
                kept = set(user_input[CONF_KEEP_CARS])
                cars = {vin: car for vin, car in chosen.items() if vin in kept} | added
                vehicles = {
                    vin: record for vin, record in entry_data[CONF_VEHICLES].items() if vin in cars
                }
                self.hass.config_entries.async_update_entry(
                    self.config_entry,
                    data={**entry_data, CONF_CARS: cars, CONF_VEHICLES: vehicles},
                )
                return self.async_create_entry(data=provider.options_from_form(user_input))
        keep = [
            SelectOptionDict(
                value=vin, label=f"{BRAND_NAMES.get(car['brand'], car['brand'])} {vin}"
            )
            for vin, car in chosen.items()
        ]
        return self.async_show_form(
            step_id="fleet",
            data_schema=vol.Schema(
                {
                    **provider.options_schema(self.config_entry.options),
                    vol.Optional(CONF_KEEP_CARS, default=list(chosen)): SelectSelector(
                        SelectSelectorConfig(options=keep, multiple=True)
                    ),
                    **_cars_schema(self._fleet, chosen, user_input or {}),
                }
            ),
            errors=errors,
            description_placeholders={**placeholders, **_push_placeholders(self.config_entry)},
        )


def _push_placeholders(entry: ConfigEntry) -> dict[str, str]:
    """The URL to paste into the provider's dashboard, where there is one ("-" if none), and
    the last delivery that came to it (the "test delivery": when, and whether it passed)."""
    if entry.state is not ConfigEntryState.LOADED or entry.runtime_data.push is None:
        return {"webhook_url": "-", "last_delivery": "-"}
    push = entry.runtime_data.push
    return {"webhook_url": push.url or "-", "last_delivery": push.last_delivery_text}


def _longest_interval(entry: ConfigEntry) -> str:
    """How often the least often polled car is read now, as "11 h 34 min" ("-" with no car)."""
    if entry.state is not ConfigEntryState.LOADED or not entry.runtime_data.coordinators:
        return "-"
    longest = max(c.idle_interval for c in entry.runtime_data.coordinators.values())
    hours, minutes = divmod(round(longest.total_seconds() / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
