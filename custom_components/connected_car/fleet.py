"""The cars of one account: the ones it has, the new ones to learn, the ones it no longer has.

Each car is learned on its own: a car that does not answer neither fails the entry nor costs the
other cars a call; it is tried again later, backing off to its normal polling interval. A list that
suddenly has fewer cars, or none, removes nothing at once: a car goes only once it was missing from
several lists spread over hours, or when the user deletes its device.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.client import DisconnectingClient, VehicleClient
from .api.errors import ApiError, ErrorKind, ProviderError
from .api.model import Snapshot
from .const import CONF_PROVIDER, CONF_VEHICLES, DOMAIN, LOGGER
from .coordinator import VehicleCoordinator
from .errors import translated
from .issues import Problem, async_delete_entry_issues
from .snapshots import SnapshotStore, StoredCar, car_to_json
from .vehicles import VehicleRecord, async_discover, async_identify, is_discovered

if TYPE_CHECKING:
    from .clearance import ClearanceWatch
    from .coordinator import ConnectedCarConfigEntry
    from .providers.base import Provider
    from .push import EntryPush

# How often the account's list of cars is read, to find cars added or removed.
ACCOUNT_CHECK_INTERVAL = timedelta(hours=6)
LEARN_RETRY_FIRST = timedelta(minutes=1)
# A car that must be cleared and fails to answer (its consent may have ended): the fleet is read
# again this soon, not sooner.
CLEARANCE_RECHECK = timedelta(minutes=5)
# A car missing from the account's list goes after this many lists without it, this far apart.
GONE_PROOF_LISTS = 3
GONE_PROOF_SPAN = timedelta(hours=12)


LONGEST_SETUP_WAIT = timedelta(days=1)
# Entry id -> when its setup may ask the provider again (a Retry-After at setup).
SETUP_WAITS: HassKey[dict[str, datetime]] = HassKey(f"{DOMAIN}_setup_waits")


def new_car_signal(entry_id: str) -> str:
    """The dispatcher signal that tells the platforms of an entry about a car to add."""
    return f"{DOMAIN}_{entry_id}_new_car"


def cars_served_elsewhere(
    hass: HomeAssistant, entry_id: str | None, provider_key: str
) -> dict[str, str]:
    """Car id -> title of the entry before entry_id (all, if None) that has the car already.

    Two accounts can share a car; it appears once, in the entry that had it first.
    """
    served: dict[str, str] = {}
    for other in hass.config_entries.async_entries(DOMAIN):
        if other.entry_id == entry_id:
            break
        if other.data.get(CONF_PROVIDER) == provider_key:
            served.update(dict.fromkeys(other.data.get(CONF_VEHICLES, {}), other.title))
    return served


@dataclass
class _Retry:
    """A car that could not be learned yet: how often it failed and when to try again."""

    failures: int
    next_try: datetime


class Fleet:
    """The runtime data of an entry: its cars' coordinators, and the watch over its car list."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConnectedCarConfigEntry,
        *,
        provider: Provider,
        client: VehicleClient,
        renew_token: Callable[[], Awaitable[None]],
        clearances: ClearanceWatch | None = None,
    ) -> None:
        """Watch the cars of entry's account, through client.

        With clearances, the account's cars are the ones asked data access for, and a car is
        learned once its data access is approved.
        """
        self.hass = hass
        self.entry = entry
        self.provider = provider
        self.client = client
        self.clearances = clearances
        self.coordinators: dict[str, VehicleCoordinator] = {}
        # Cars listed but not learned yet, and cars missing from the list since (first) when.
        self.retries: dict[str, _Retry] = {}
        self.missing: dict[str, list[datetime]] = {}
        self._renew_token = renew_token
        self._next_account_check = dt_util.utcnow()
        self._cancel_timer: CALLBACK_TYPE | None = None
        self._started = False
        self._last_values = SnapshotStore(hass, entry.entry_id)
        self._stored: dict[str, StoredCar] = {}
        self.push: EntryPush | None = None  # the entry's webhook, where the provider pushes

    @property
    def records(self) -> dict[str, VehicleRecord]:
        """The cars as stored in the entry (it is the one home of what was learned)."""
        records: dict[str, VehicleRecord] = self.entry.data[CONF_VEHICLES]
        return records

    async def async_setup(self) -> dict[str, Snapshot | None]:
        """Learn what can be learned now: the cars added, with their discovery reads if any.

        Fails the entry only when no car at all can be shown.
        """
        self._stored = await self._last_values.async_load()
        waits = self.hass.data.setdefault(SETUP_WAITS, {})
        if (until := waits.get(self.entry.entry_id)) and dt_util.utcnow() < until:
            seconds = str(int((until - dt_util.utcnow()).total_seconds()) + 1)
            raise translated(ConfigEntryNotReady, "rate_limited", self.provider, seconds=seconds)
        try:
            added = await self._async_check_account()
        except ProviderError as err:
            if err.kind is ErrorKind.RATE_LIMITED and err.details.retry_after:
                # Setup is retried sooner than that: hold every retry back until then.
                wait = min(timedelta(seconds=err.details.retry_after), LONGEST_SETUP_WAIT)
                waits[self.entry.entry_id] = dt_util.utcnow() + wait
            if err.kind is ErrorKind.AUTHENTICATION:
                raise translated(
                    ConfigEntryAuthFailed, "authentication_failed", self.provider
                ) from err
            raise translated(
                ConfigEntryNotReady,
                "provider_error",
                self.provider,
                type=err.type,
                code=err.code or "-",
            ) from err
        except ApiError as err:
            raise translated(ConfigEntryNotReady, "communication_error", self.provider) from err
        return added

    @callback
    def async_start(self, added: dict[str, Snapshot | None]) -> list[VehicleCoordinator]:
        """The platforms are in place: take the discovery reads, and watch the account from now.

        Returns the cars that have no data yet.
        """
        self._started = True
        self.entry.async_on_unload(self._async_stop)
        self._schedule()
        return self._take_first_reads(added)

    def _take_first_reads(self, added: dict[str, Snapshot | None]) -> list[VehicleCoordinator]:
        """Start each added car from its discovery read, or from the values stored before a
        restart; returns the cars to poll now.
        """
        to_poll = []
        push_live = self.push is not None and self.push.live
        for vehicle_id, snapshot in added.items():
            coordinator = self.coordinators[vehicle_id]
            if snapshot is not None:
                coordinator.async_start_with(snapshot)
            elif (stored := self._stored.pop(vehicle_id, None)) is None or (
                coordinator.async_restore(stored, push_live=push_live)
            ):
                to_poll.append(coordinator)
        return to_poll

    def _last_values_json(self) -> dict[str, Any]:
        return {
            vehicle_id: car_to_json(coordinator.stored())
            for vehicle_id, coordinator in self.coordinators.items()
            if coordinator.data is not None
        }

    async def async_save(self) -> None:
        """Store the cars' values now (the entry unloads)."""
        await self._last_values.async_save(self._last_values_json())

    @callback
    def _async_stop(self) -> None:
        if self._cancel_timer is not None:
            self._cancel_timer()
            self._cancel_timer = None

    def _schedule(self) -> None:
        """Wake up for the next account check, or sooner for a car that is due another try."""
        self._async_stop()
        wake = min(
            [self._next_account_check, *(r.next_try for r in self.retries.values())],
        )
        delay = max((wake - dt_util.utcnow()).total_seconds(), 10.0)
        self._cancel_timer = async_call_later(
            self.hass, delay, HassJob(self._wake, "connected_car fleet", cancel_on_shutdown=True)
        )

    @callback
    def async_check_soon(self) -> None:
        """A car's data access moved on (pushed): read the fleet, and learn an approved car, now."""
        self._next_account_check = dt_util.utcnow()
        self._schedule()  # before the start, the start schedules it again

    @callback
    def _wake(self, _: datetime) -> None:
        self._cancel_timer = None
        self.entry.async_create_background_task(
            self.hass, self._async_watch(), f"{DOMAIN} account check"
        )

    async def _async_watch(self) -> None:
        try:
            added = await self._async_check_account()
        except OAuth2TokenRequestReauthError:
            self.entry.async_start_reauth(self.hass)
            return
        except ApiError as err:
            if err.kind is ErrorKind.AUTHENTICATION:
                self.entry.async_start_reauth(self.hass)
                return
            # The cars are polled as before; the list is read again at the next check.
            LOGGER.debug("Could not read the list of cars of %s: %s", self.entry.title, err)
        except OAuth2TokenRequestBaseError as err:
            LOGGER.debug("Could not renew the token of %s: %s", self.entry.title, err)
        else:
            for coordinator in self._take_first_reads(added):
                self.entry.async_create_background_task(
                    self.hass, coordinator.async_refresh(), f"{DOMAIN} first poll"
                )
        self._schedule()

    async def _async_list(self) -> list[str]:
        """The account's cars; a refused token is renewed once first, as for every request."""
        try:
            return await self._async_read_list()
        except ProviderError as err:
            if err.kind is not ErrorKind.AUTHENTICATION:
                raise
            await self._renew_token()
            return await self._async_read_list()

    async def _async_read_list(self) -> list[str]:
        if self.clearances is not None:
            return await self.clearances.async_refresh()
        return await self.client.async_get_vehicle_ids()

    def _may_learn(self, vehicle_id: str) -> bool:
        """Whether a car shares data yet (always, but for cars that need clearing first).

        A car whose clearance was not read yet (the fleet's list failed or lacked it) stays as
        it was: learned before, it shared data.
        """
        if self.clearances is None:
            return True
        if vehicle_id not in self.clearances.states:
            return vehicle_id in self.records
        return self.clearances.is_approved(vehicle_id)

    async def async_disconnect(self, vehicle_id: str) -> None:
        """End the application's access to the car where the provider can; else keep it listed.

        Raises a translated error when the provider refuses or does not answer: the device stays.
        """
        client = self.client
        if not isinstance(client, DisconnectingClient):
            raise translated(HomeAssistantError, "cannot_disconnect", self.provider)
        try:
            try:
                await client.async_disconnect(vehicle_id)
            except ProviderError as err:
                if err.kind is not ErrorKind.AUTHENTICATION:
                    raise
                await self._renew_token()
                await client.async_disconnect(vehicle_id)
        except (ApiError, OAuth2TokenRequestBaseError) as err:
            LOGGER.debug("Could not disconnect a car of %s: %s", self.entry.title, err)
            raise translated(HomeAssistantError, "disconnect_failed", self.provider) from err
        LOGGER.info("A car of %s was disconnected from the application", self.entry.title)

    def _knows_a_car(self) -> bool:
        return any(map(is_discovered, self.records.values()))

    async def _async_check_account(self) -> dict[str, Snapshot | None]:
        """Read the car list when it is due, learn the cars due a try, and add the ones learned.

        Returns the cars added, with their discovery reads where they had one.
        """
        now = dt_util.utcnow()
        listed: list[str] | None = None
        if now >= self._next_account_check:
            self._next_account_check = now + ACCOUNT_CHECK_INTERVAL
            try:
                listed = await self._async_list()
            except ApiError as err:
                if err.kind is ErrorKind.AUTHENTICATION or not self._knows_a_car():
                    raise
                LOGGER.info("%s did not list the cars; using the ones known", self.provider.name)
            finally:
                if self.clearances is not None:
                    # One read of the fleet at a time, sooner while a car waits for clearance.
                    self._next_account_check = now + self.clearances.interval(now)
        if listed is not None:
            self._note_missing(listed, now)
        served_elsewhere = cars_served_elsewhere(self.hass, self.entry.entry_id, self.provider.key)
        for vehicle_id in list(self.retries):
            if vehicle_id in served_elsewhere or (
                listed is not None and vehicle_id not in listed and vehicle_id not in self.records
            ):
                del self.retries[vehicle_id]
        to_learn = [
            vehicle_id
            for vehicle_id in dict.fromkeys([*self.records, *self.retries, *(listed or [])])
            if vehicle_id not in served_elsewhere
            and vehicle_id not in self.coordinators
            and self._may_learn(vehicle_id)
            and (vehicle_id not in self.retries or self.retries[vehicle_id].next_try <= now)
        ]
        learned = await asyncio.gather(*(self._async_learn(vid) for vid in to_learn))
        errors = [err for _, err in learned if err is not None]
        added: dict[str, Snapshot | None] = {}
        for vehicle_id, (snapshot, _) in zip(to_learn, learned, strict=True):
            record = self.records.get(vehicle_id)
            if record is not None and is_discovered(record):
                self._add(vehicle_id)
                added[vehicle_id] = snapshot
        for vehicle_id, coordinator in self.coordinators.items():
            coordinator.paused = not self._may_learn(vehicle_id)
            if coordinator.paused:  # the clearance's own repair says why no data comes
                coordinator.issues.async_sync([])
        for error in errors:
            if isinstance(error, ProviderError) and error.kind is ErrorKind.AUTHENTICATION:
                raise error
        if errors and not self.coordinators and self.clearances is None:
            raise errors[0]
        return added

    async def _async_learn(self, vehicle_id: str) -> tuple[Snapshot | None, ApiError | None]:
        """Learn what the car is and what it supports; a failure is the car's alone."""
        record = self.records.get(vehicle_id)
        try:
            if record is None:
                record = await async_identify(self.client, vehicle_id)
                self._store(vehicle_id, record)
            if is_discovered(record):
                self.retries.pop(vehicle_id, None)
                return None, None
            record, snapshot = await async_discover(self.client, vehicle_id, record)
            _raise_if_no_answer(snapshot)
        except ApiError as err:
            LOGGER.info(
                "Could not learn a car of %s yet (%s); trying again later", self.entry.title, err
            )
            self._retry_later(vehicle_id)
            return None, err
        self._store(vehicle_id, record)
        self.retries.pop(vehicle_id, None)
        return snapshot, None

    def _retry_later(self, vehicle_id: str) -> None:
        """Back off from a minute to the car's normal polling interval."""
        failures = self.retries[vehicle_id].failures + 1 if vehicle_id in self.retries else 1
        normal = self.provider.cost_model(self.entry.options, len(self.records)).interval(
            list(self.client.feature_permissions), False
        )
        delay = min(LEARN_RETRY_FIRST * 2 ** min(failures - 1, 16), max(normal, LEARN_RETRY_FIRST))
        self.retries[vehicle_id] = _Retry(failures, dt_util.utcnow() + delay)

    def _add(self, vehicle_id: str) -> None:
        coordinator = VehicleCoordinator(
            self.hass,
            self.entry,
            provider=self.provider,
            client=self.client,
            vehicle_id=vehicle_id,
            record=self.records[vehicle_id],
            renew_token=self._renew_token,
            cars_on_app=cars_on_app(self.hass, self.entry),
        )
        self.coordinators[vehicle_id] = coordinator
        self.entry.async_on_unload(
            coordinator.async_add_listener(lambda: self._on_car_update(coordinator))
        )
        if self._started:
            LOGGER.info("%s has a new car: %s", self.entry.title, coordinator.vehicle.name)
            async_dispatcher_send(self.hass, new_car_signal(self.entry.entry_id), coordinator)

    @callback
    def _on_car_update(self, coordinator: VehicleCoordinator) -> None:
        """Keep the car's values; a car that must be cleared and fails, or says its consent is
        gone (an account problem): read its clearance soon."""
        self._last_values.async_save_later(self._last_values_json)
        if self.clearances is None:
            return
        account_problem = any(
            coordinator.issues.is_open(Problem(key))
            for key in set(self.provider.account_issues.values())
        )
        if coordinator.last_update_success and not account_problem:
            return
        soon = dt_util.utcnow() + CLEARANCE_RECHECK
        if soon < self._next_account_check:
            self._next_account_check = soon
            if self._started:
                self._schedule()

    def _note_missing(self, listed: Iterable[str], now: datetime) -> None:
        """Count lists without a known car; remove it once it is proven gone."""
        present = set(listed)
        for vehicle_id in list(self.records):
            if vehicle_id in present:
                self.missing.pop(vehicle_id, None)
                continue
            seen = self.missing.setdefault(vehicle_id, [])
            seen.append(now)
            if len(seen) >= GONE_PROOF_LISTS and seen[-1] - seen[0] >= GONE_PROOF_SPAN:
                self.async_forget(vehicle_id)

    @callback
    def async_forget(self, vehicle_id: str, *, remove_device: bool = True) -> None:
        """The car is no longer the account's: its coordinator, device, record and repairs go."""
        LOGGER.info("A car left the account of %s", self.entry.title)
        self.missing.pop(vehicle_id, None)
        self.retries.pop(vehicle_id, None)
        if coordinator := self.coordinators.pop(vehicle_id, None):
            self.entry.async_create_background_task(
                self.hass, coordinator.async_shutdown(), f"{DOMAIN} stop a removed car"
            )
        records = {vid: r for vid, r in self.records.items() if vid != vehicle_id}
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, CONF_VEHICLES: records}
        )
        async_delete_entry_issues(self.hass, self.entry.entry_id, keep_vehicles=records)
        devices = dr.async_get(self.hass)
        key = (DOMAIN, f"{self.provider.key}:{vehicle_id}")
        if remove_device and (
            device := devices.async_get_device_by_identifier(key, self.entry.entry_id)
        ):
            devices.async_remove_device(device.id)

    def _store(self, vehicle_id: str, record: VehicleRecord) -> None:
        """Keep what was learned of a car in the entry at once: a restart need not ask again."""
        self.hass.config_entries.async_update_entry(
            self.entry,
            data={**self.entry.data, CONF_VEHICLES: {**self.records, vehicle_id: record}},
        )


def cars_on_app(hass: HomeAssistant, entry: ConnectedCarConfigEntry) -> int:
    """The cars of every entry on entry's application credential (some quotas are per app)."""
    return sum(
        len(other.data.get(CONF_VEHICLES, {}))
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.data.get("auth_implementation") == entry.data.get("auth_implementation")
    )


def _raise_if_no_answer(snapshot: Snapshot) -> None:
    """A discovery read in which every feature failed for passing trouble taught nothing."""
    errors = list(snapshot.errors.values())
    if not snapshot.readings and errors and all(e.kind is ErrorKind.TRANSIENT for e in errors):
        raise errors[0]
