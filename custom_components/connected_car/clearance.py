"""Data access of cars that must be cleared first (High Mobility's fleet clearance).

The entry keeps the cars the user asked data access for. One read of the whole fleet at a time
tells each car's clearance state; it is read often while a car was just added and pending, then
more slowly as days pass. Pending and reject reasons become repairs, which go once the state
moves on. Approved cars are learned and polled by the Fleet like any other provider's cars.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
import re
from typing import TYPE_CHECKING, Any, TypedDict

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from .api.errors import ApiError, ErrorKind, ProviderError
from .api.high_mobility import (
    BRAND_NAMES,
    CUSTOMER_NAME_TAG,
    Clearance,
    ClearanceChange,
    ClearanceRequest,
    ClearanceStatus,
    HighMobilityClient,
)
from .api.model import Vehicle
from .api.push import PushedClearance
from .const import CONF_CARS, CONF_SAFETY_READ_HOURS, DEFAULT_SAFETY_READ_HOURS
from .errors import translated
from .issues import CarIssues, Problem

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

    from .providers.base import Provider

STATES = [str(status) for status in ClearanceStatus]
# How long to wait between reads of the fleet while a car is pending, by the time since it was
# added: activation takes minutes for some cars and days for others.
PENDING_INTERVALS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=1), timedelta(minutes=5)),
    (timedelta(days=1), timedelta(hours=1)),
)
PENDING_INTERVAL_LATER = timedelta(hours=6)
# Revoking and canceling take a minute or so.
TRANSITION_INTERVAL = timedelta(minutes=5)
SETTLED_INTERVAL = timedelta(hours=6)
# High Mobility cancels a pending activation only this long after the car was added.
CANCEL_AFTER = timedelta(days=1)

# A pending or reject reason of the activation guide -> the repair that says what to do.
REASON_ISSUES: dict[str, str] = {
    "privacy mode is enabled": "clearance_privacy_mode",
    "customer name tag missing": "clearance_customer_name",
    "consent assignment missing": "clearance_consent_missing",
    "VIN is assigned to a different OEM fleet": "clearance_other_fleet",
    "OEM fleet assignment failed": "clearance_other_fleet",
    "VIN is assigned to a different app or project": "clearance_other_project",
    "VIN activation timeout": "clearance_activation_timeout",
    "activation timeout: no data": "clearance_activation_timeout",
    "invalid client configuration": "clearance_client_configuration",
    "unspecified": "clearance_ineligible",
    "invalid VIN": "clearance_ineligible",
    "ineligible VIN": "clearance_ineligible",
    "ineligible or constrained VIN": "clearance_ineligible",
    "vehicle platform not supported": "clearance_ineligible",
    "invalid OEM state: VIN revoke in progress": "clearance_revoke_in_progress",
    "primary user enrolled": "clearance_primary_user",
    "telematics hardware error": "clearance_support",
    "invalid OEM state": "clearance_support",
    "software version incompatible": "clearance_support",
}


class ChosenCar(TypedDict):
    """A car the user asked data access for, as the entry stores it."""

    brand: str
    tags: dict[str, str]
    added: str  # ISO time it was added: a pending car is polled more slowly as it ages


def chosen_car(brand: str, tags: Mapping[str, str], added: datetime | None = None) -> ChosenCar:
    """A car to store in the entry."""
    return ChosenCar(brand=brand, tags=dict(tags), added=(added or dt_util.utcnow()).isoformat())


def reason_key(reason: str | None) -> str | None:
    """A reason as an attribute value that translations can name."""
    return re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_") if reason else None


def car_vehicle(vin: str, car: ChosenCar) -> Vehicle:
    """The car as repairs and devices name it: its brand and the last four of its VIN."""
    return Vehicle(
        id=vin, make=BRAND_NAMES.get(car["brand"], car["brand"]), model="", year=0, vin=vin
    )


class ClearanceWatch:
    """The clearance state of each car an entry asked data access for."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        provider: Provider,
        client: HighMobilityClient,
    ) -> None:
        """Watch the cars of entry's fleet through client."""
        self.hass = hass
        self.entry = entry
        self.provider = provider
        self.client = client
        self.states: dict[str, Clearance] = {}
        self._issues: dict[str, CarIssues] = {}
        self._listeners: list[Callable[[], None]] = []
        # While the provider's webhook is trusted (until then), its clearance changes come by
        # push and the fleet is read only once per safety_period.
        self.pushed_until: datetime | None = None
        hours = entry.options.get(CONF_SAFETY_READ_HOURS, DEFAULT_SAFETY_READ_HOURS)
        self.safety_period = timedelta(hours=hours)

    @property
    def cars(self) -> dict[str, ChosenCar]:
        """The cars asked data access for, by VIN."""
        cars: dict[str, ChosenCar] = self.entry.data.get(CONF_CARS, {})
        return cars

    def is_approved(self, vin: str) -> bool:
        """Whether the car shares its data."""
        state = self.states.get(vin)
        return state is not None and state.status is ClearanceStatus.APPROVED

    @callback
    def async_add_listener(self, update: Callable[[], None]) -> CALLBACK_TYPE:
        """Call update whenever the states were read."""
        self._listeners.append(update)
        return lambda: self._listeners.remove(update)

    async def async_refresh(self) -> list[str]:
        """Read the fleet once; the chosen cars it has (in any state).

        A car the fleet does not list keeps its last known state: one list without it is no
        proof it left (the Fleet removes it only on repeated proof).
        """
        fleet = {car.vin: car for car in await self.client.async_get_fleet()}
        known = {vin: fleet.get(vin) or self.states.get(vin) for vin in self.cars}
        self.states = {vin: state for vin, state in known.items() if state is not None}
        for vin in self.cars:
            self._sync_issues(vin)
        for update in list(self._listeners):
            update()
        return [vin for vin in self.cars if vin in fleet]

    def interval(self, now: datetime) -> timedelta:
        """How long until the fleet is read again: soon while a car is new and pending; while
        push is trusted, once per safety period (or when the trust ends, if sooner)."""
        polled = self._polled_interval(now)
        if self.pushed_until is None or self.pushed_until <= now:
            return polled
        return max(polled, min(self.safety_period, self.pushed_until - now))

    @callback
    def async_pushed(self, changes: tuple[PushedClearance, ...], trusted_until: datetime) -> bool:
        """The webhook said something (a ping, or clearances that moved on): trust it until
        trusted_until, and show the new states at once. Whether a car's clearance moved on."""
        self.pushed_until = trusted_until
        moved = False
        for change in changes:
            state = self.states.get(change.vin)
            if change.vin not in self.cars or state is None:
                continue
            moved = True
            if change.status in STATES:
                status = ClearanceStatus(change.status)
                step = ClearanceChange(status, dt_util.utcnow(), change.reason)
                self.states[change.vin] = replace(
                    state, status=status, changelog=(*state.changelog, step)
                )
                self._sync_issues(change.vin)
        if moved:
            for update in list(self._listeners):
                update()
        return moved

    def _polled_interval(self, now: datetime) -> timedelta:
        waiting = [vin for vin in self.cars if self._status(vin) is ClearanceStatus.PENDING]
        if any(
            self._status(vin) in (ClearanceStatus.REVOKING, ClearanceStatus.CANCELING)
            for vin in self.cars
        ):
            return TRANSITION_INTERVAL
        if not waiting:
            return SETTLED_INTERVAL
        age = now - max(self._added(vin) for vin in waiting)
        return next(
            (every for younger, every in PENDING_INTERVALS if age < younger),
            PENDING_INTERVAL_LATER,
        )

    def _status(self, vin: str) -> ClearanceStatus | None:
        state = self.states.get(vin)
        return state.status if state else None

    def _added(self, vin: str) -> datetime:
        return dt_util.parse_datetime(self.cars[vin]["added"]) or dt_util.utcnow()

    def _sync_issues(self, vin: str) -> None:
        """Raise the repair the car's state and reason call for; drop the ones that no longer apply."""
        issues = self._issues.get(vin)
        if issues is None:
            vehicle = car_vehicle(vin, self.cars[vin])
            issues = CarIssues(self.hass, self.entry, self.provider, vehicle, "clearance_")
            self._issues[vin] = issues
        issues.async_sync([problem] if (problem := self._problem(vin)) else [])

    def _problem(self, vin: str) -> Problem | None:
        state = self.states.get(vin)
        if state is None:
            return None
        reason = state.reason or state.description or "-"
        waiting = (ClearanceStatus.PENDING, ClearanceStatus.REJECTED)
        if state.status in waiting and reason in REASON_ISSUES:
            return Problem(REASON_ISSUES[reason], placeholders={"reason": reason})
        if state.status is ClearanceStatus.REJECTED:  # a reason the activation guide lacks
            return Problem("clearance_rejected", placeholders={"reason": reason})
        if state.status is ClearanceStatus.REVOKED:
            return Problem("clearance_revoked", placeholders={"reason": reason})
        if state.status is ClearanceStatus.ERROR:
            return Problem("clearance_error", placeholders={"reason": reason})
        return None

    async def async_add(self, vin: str, brand: str, tags: Mapping[str, str]) -> Clearance:
        """Ask data access for a car (again); the fleet's answer for it."""
        (answer,) = await self.client.async_add_vehicles([ClearanceRequest(vin, brand, tags)])
        return answer

    async def async_set_customer_name(self, vin: str, name: str) -> Clearance:
        """Ask data access for a VW group car again, now with the fleet operator's name."""
        car = self.cars[vin]
        tags = {**car["tags"], CUSTOMER_NAME_TAG: name}
        answer = await self.async_add(vin, car["brand"], tags)
        if answer.status is not ClearanceStatus.ERROR:
            cars = {**self.cars, vin: chosen_car(car["brand"], tags)}
            self.hass.config_entries.async_update_entry(
                self.entry, data={**self.entry.data, CONF_CARS: cars}
            )
            await self.async_refresh()
        return answer

    async def async_end(self, vin: str) -> None:
        """Revoke (approved) or cancel (pending) the car's data access; raise why not, if not."""
        car = self.cars[vin]
        placeholders = {"brand": BRAND_NAMES.get(car["brand"], car["brand"])}
        try:
            await self.client.async_remove_vehicle(vin)
        except ProviderError as err:
            if err.kind is ErrorKind.UNSUPPORTED and err.details.status != 404:
                raise translated(
                    HomeAssistantError, "cancel_not_supported", self.provider, **placeholders
                ) from err
            if err.kind is ErrorKind.REFUSED:
                after = self._added(vin) + CANCEL_AFTER
                raise translated(
                    HomeAssistantError,
                    "cancel_too_early",
                    self.provider,
                    **placeholders,
                    after=dt_util.as_local(after).strftime("%Y-%m-%d %H:%M"),
                ) from err
            if err.kind is not ErrorKind.UNSUPPORTED:  # 404: not in the fleet, nothing to end
                raise translated(HomeAssistantError, "communication_error", self.provider) from err
        except ApiError as err:
            raise translated(HomeAssistantError, "communication_error", self.provider) from err
        self._forget(vin)

    def _forget(self, vin: str) -> None:
        self.states.pop(vin, None)
        if issues := self._issues.pop(vin, None):
            issues.async_sync([])
        cars = {v: car for v, car in self.cars.items() if v != vin}
        self.hass.config_entries.async_update_entry(
            self.entry, data={**self.entry.data, CONF_CARS: cars}
        )
