"""One coordinator per car: polls exactly what its entities need, within the car's API budget.

How each provider error is answered comes from the table in errors.py; this module carries it out:
backoff, pauses, dropped paths, stale values and repair issues.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, NoReturn, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.errors import ApiError, ProviderError
from .api.model import Command, Feature, Reading, Snapshot, Vehicle
from .api.smartcar import COMMAND_PERMISSIONS, FEATURE_PERMISSIONS, SmartcarClient
from .const import (
    BUDGET_PERIOD,
    BUDGET_SHARE_FOR_POLLING,
    CONF_MONTHLY_BUDGET,
    CONF_VEHICLES,
    DEFAULT_MONTHLY_BUDGET,
    DOMAIN,
    LOGGER,
    MIN_UPDATE_INTERVAL,
)
from .errors import Behaviour, behaviour_of, command_error, next_month
from .repairs import ACCOUNT_ISSUES, OTHER_ACCOUNT_ISSUE, CarIssues, Problem
from .vehicles import VehicleRecord, supported_features, vehicle_from_record

type ConnectedCarConfigEntry = ConfigEntry[ConnectedCarData]

RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(minutes=30)  # or the polling interval, when that is longer
RATE_LIMIT_WAIT = timedelta(seconds=60)  # when the provider names no Retry-After
RATE_LIMIT_REPAIR_AFTER = timedelta(hours=1)


@dataclass
class ConnectedCarData:
    """What a loaded config entry holds at runtime."""

    client: SmartcarClient
    coordinators: dict[str, VehicleCoordinator]


def polling_interval(billable_calls_per_poll: int, monthly_budget: int) -> timedelta:
    """The shortest interval at which polling spends at most its share of the monthly budget."""
    polls = monthly_budget * BUDGET_SHARE_FOR_POLLING / max(billable_calls_per_poll, 1)
    return max(MIN_UPDATE_INTERVAL, BUDGET_PERIOD / polls)


class VehicleCoordinator(DataUpdateCoordinator[Snapshot]):
    """Reads one car with a single batch request of the features its enabled entities use."""

    config_entry: ConnectedCarConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConnectedCarConfigEntry,
        client: SmartcarClient,
        vehicle_id: str,
        record: VehicleRecord,
    ) -> None:
        """Coordinate the car vehicle_id as described by its stored record."""
        self.client = client
        self.vehicle: Vehicle = vehicle_from_record(vehicle_id, record)
        self.permissions = frozenset(record["permissions"])
        self.supported = set(supported_features(record))
        self.issues = CarIssues(hass, config_entry, self.vehicle)
        # Sends nothing before this moment: a rate limit, or a used-up monthly budget.
        self.quiet_until: datetime | None = None
        self._quiet_reason = "rate_limited"
        self._wanted: Counter[Feature] = Counter()
        self._denied: dict[Feature, str] = {}  # feature -> the permission the grant lacks
        self._failures = 0
        self._rate_limited_since: datetime | None = None
        self._unreachable = False
        self._budget: int = config_entry.options.get(CONF_MONTHLY_BUDGET, DEFAULT_MONTHLY_BUDGET)
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {self.vehicle.make} {self.vehicle.model}",
            update_interval=polling_interval(len(self.supported), self._budget),
        )

    @callback
    def async_want(self, feature: Feature) -> CALLBACK_TYPE:
        """Poll feature while an entity needs it; call the returned function when it no longer does."""
        self._wanted[feature] += 1
        self._fit_interval()

        @callback
        def release() -> None:
            self._wanted[feature] -= 1
            self._fit_interval()

        return release

    def _fit_interval(self) -> None:
        """Poll as the budget allows, but no later than the moment a wait for the provider ends."""
        interval = polling_interval(len(self.polled_features), self._budget)
        if self.quiet_until is not None:
            until_quiet_ends = self.quiet_until - dt_util.utcnow() + timedelta(seconds=1)
            interval = min(interval, max(until_quiet_ends, timedelta(seconds=1)))
        self.update_interval = interval

    @property
    def polled_features(self) -> list[Feature]:
        """The features one poll reads: wanted, supported, and allowed by the grant."""
        return sorted(
            f
            for f, count in self._wanted.items()
            if count > 0 and f in self.supported and f not in self._denied
        )

    @property
    def is_unreachable(self) -> bool:
        """Whether the car was asleep or offline at the last poll (its values are stale)."""
        return self._unreachable

    def reading[R: Reading](self, feature: Feature, kind: type[R]) -> R | None:
        """The last good reading of feature, if it has the expected kind."""
        reading = self.data.readings.get(feature) if self.data else None
        return reading if isinstance(reading, kind) else None

    async def _async_update_data(self) -> Snapshot:
        quiet = self._is_quiet()
        self._fit_interval()
        if quiet:
            return self.data or Snapshot()
        features = self.polled_features
        try:
            snapshot = await self.client.async_read(self.vehicle.id, features)
        except OAuth2TokenRequestReauthError as err:
            raise _auth_failed() from err
        except OAuth2TokenRequestBaseError as err:
            self._retry(err)
        except ApiError as err:
            return self._on_failed_poll(err, features, self.data or Snapshot())
        return self._on_poll(snapshot, saw_the_car=bool(features))

    @callback
    def async_start_with(self, snapshot: Snapshot) -> None:
        """Take the discovery read of a new car as its first poll."""
        try:
            self.async_set_updated_data(self._on_poll(snapshot, saw_the_car=True))
        except ConfigEntryAuthFailed:
            self.config_entry.async_start_reauth(self.hass)

    def _on_poll(self, snapshot: Snapshot, *, saw_the_car: bool) -> Snapshot:
        """A poll answered: act on each failed path, keep last values, and sync the repairs.

        The values merge onto the data as it is now, which a command may have changed meanwhile.
        """
        self._failures = 0
        problems: list[Problem] = []
        unreachable = rate_limited = False
        for feature, err in snapshot.errors.items():
            match behaviour_of(err):
                case Behaviour.REAUTHENTICATE:
                    raise _auth_failed() from err
                case Behaviour.UNSUPPORTED:
                    self._drop(feature)
                case Behaviour.MISSING_PERMISSION:
                    self._denied[feature] = FEATURE_PERMISSIONS[feature]
                case Behaviour.RATE_LIMITED:
                    rate_limited = True
                    if self._rate_limited(err):
                        problems.append(Problem("rate_limited"))
                case Behaviour.BUDGET_USED_UP:
                    self._budget_used_up()
                case Behaviour.CAR_UNREACHABLE:
                    unreachable = True
                case Behaviour.ACCOUNT_ACTION | Behaviour.BILLING | Behaviour.NEEDS_VIRTUAL_KEY:
                    problems.append(_problem(err))
        self._set_unreachable(unreachable)
        if not rate_limited:
            self._rate_limited_since = None
        if saw_the_car:  # an empty poll proves nothing about the car's problems
            self.issues.async_sync(problems + self._standing_problems())
        merged = snapshot.merged_onto(self.data or Snapshot())
        gone = self._denied.keys() | (set(merged.readings) - self.supported)
        return replace(merged, readings={f: r for f, r in merged.readings.items() if f not in gone})

    def _on_failed_poll(
        self, err: ApiError, features: list[Feature], previous: Snapshot
    ) -> Snapshot:
        """The whole request failed: keep the last values where the table says so, else raise."""
        if not isinstance(err, ProviderError):
            self._retry(err)
        match behaviour_of(err):
            case Behaviour.REAUTHENTICATE:
                raise _auth_failed() from err
            case Behaviour.RATE_LIMITED:
                if self._rate_limited(err):
                    self.issues.async_raise(Problem("rate_limited"))
                return previous
            case Behaviour.BUDGET_USED_UP:
                self._budget_used_up()
                return previous
            case Behaviour.CAR_UNREACHABLE:
                self._set_unreachable(True)
                return previous
            case Behaviour.MISSING_PERMISSION:
                self._denied.update({f: FEATURE_PERMISSIONS[f] for f in features})
                self.issues.async_sync(self._standing_problems())
            case Behaviour.ACCOUNT_ACTION | Behaviour.BILLING | Behaviour.NEEDS_VIRTUAL_KEY:
                self.issues.async_sync([_problem(err), *self._standing_problems()])
            case _:
                self._retry(err)
        raise _update_failed(err) from err

    def _retry(self, err: Exception) -> NoReturn:
        """Fail this poll and retry after 1, 2, 4, ... minutes, at most the longer interval."""
        self._failures += 1
        longest = max(RETRY_LONGEST, self.update_interval or RETRY_LONGEST)
        delay = min(RETRY_FIRST * 2 ** min(self._failures - 1, 16), longest)
        raise _update_failed(err, retry_after=delay.total_seconds()) from err

    def raise_if_quiet(self) -> None:
        """Refuse to send anything while the provider asked us to wait."""
        if self._is_quiet():
            assert self.quiet_until is not None
            seconds = (self.quiet_until - dt_util.utcnow()).total_seconds()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=self._quiet_reason,
                translation_placeholders={
                    "seconds": str(max(1, int(seconds))),
                    "renews": self.quiet_until.date().isoformat(),
                },
            )

    def _is_quiet(self) -> bool:
        if self.quiet_until is None:
            return False
        if dt_util.utcnow() < self.quiet_until:
            return True
        self.quiet_until = None
        return False

    def _rate_limited(self, err: ProviderError) -> bool:
        """Send nothing for as long as the provider asks, then poll. True once it has lasted long.

        A paused monthly budget stays paused: it lasts longer than any rate limit.
        """
        wait = timedelta(seconds=err.details.retry_after or RATE_LIMIT_WAIT.total_seconds())
        now = dt_util.utcnow()
        if self._quiet_reason != "budget_used_up" or not self._is_quiet():
            self.quiet_until, self._quiet_reason = now + wait, "rate_limited"
            self._fit_interval()
        self._rate_limited_since = self._rate_limited_since or now
        return now - self._rate_limited_since >= RATE_LIMIT_REPAIR_AFTER

    def _budget_used_up(self) -> None:
        """Pause polling until the monthly budget renews; the entities keep their last values."""
        self.quiet_until, self._quiet_reason = next_month(dt_util.utcnow()), "budget_used_up"
        self.issues.async_raise(self._budget_problem())

    def _budget_problem(self) -> Problem:
        renews = self.quiet_until or next_month(dt_util.utcnow())
        return Problem("budget_used_up", placeholders={"renews": renews.date().isoformat()})

    def _standing_problems(self) -> list[Problem]:
        """Problems that last beyond one poll: missing permissions, a paused budget."""
        problems = [
            Problem("missing_permission", permission, {"permission": permission})
            for permission in sorted(set(self._denied.values()))
        ]
        if self.quiet_until is not None and self._quiet_reason == "budget_used_up":
            problems.append(self._budget_problem())
        return problems

    def _drop(self, feature: Feature) -> None:
        """The car cannot give feature: never ask for it again, also after a restart."""
        self.supported.discard(feature)
        self._fit_interval()
        vehicles = dict(self.config_entry.data[CONF_VEHICLES])
        vehicles[self.vehicle.id] = {
            **vehicles[self.vehicle.id],
            "features": sorted(str(f) for f in self.supported),
        }
        self.hass.config_entries.async_update_entry(
            self.config_entry, data={**self.config_entry.data, CONF_VEHICLES: vehicles}
        )

    def _set_unreachable(self, unreachable: bool) -> None:
        """Log once when the car stops answering and once when it is back."""
        if unreachable and not self._unreachable:
            LOGGER.info("%s is asleep or unreachable; showing its last values", self.name)
        elif self._unreachable and not unreachable:
            LOGGER.info("%s answers again", self.name)
        self._unreachable = unreachable

    async def async_command(
        self,
        command: Command,
        *,
        feature: Feature | None,
        expected: Callable[[Reading | None], Reading | None] | None = None,
        **params: Any,
    ) -> None:
        """Send command; show its expected result at once and confirm it with one read of feature.

        A command the grant does not allow is refused before any API call, and so is any command
        while the provider asked us to wait.
        """
        if (permission := COMMAND_PERMISSIONS[command]) not in self.permissions:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="missing_permission",
                translation_placeholders={"permission": permission},
            )
        self.raise_if_quiet()
        try:
            await self.client.async_command(self.vehicle.id, command, **params)
        except OAuth2TokenRequestReauthError as err:
            raise _auth_failed() from err
        except OAuth2TokenRequestBaseError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="communication_error"
            ) from err
        except ApiError as err:
            self._on_failed_command(err)
            raise command_error(err) from err
        self.issues.async_resolve("virtual_key_required")
        if feature is None:
            return
        if expected is not None and self.data is not None:
            reading = expected(self.data.readings.get(feature))
            if reading is not None:
                self._show(replace(self.data, readings={**self.data.readings, feature: reading}))
        self.config_entry.async_create_background_task(
            self.hass, self._async_confirm(feature), f"{DOMAIN} confirm {feature}"
        )

    def _on_failed_command(self, err: ApiError) -> None:
        """What a refused command teaches about the car or the account."""
        match behaviour_of(err):
            case Behaviour.REAUTHENTICATE:
                self.config_entry.async_start_reauth(self.hass)
            case Behaviour.NEEDS_VIRTUAL_KEY | Behaviour.ACCOUNT_ACTION | Behaviour.BILLING:
                self.issues.async_raise(_problem(cast(ProviderError, err)))
            case Behaviour.RATE_LIMITED:
                if self._rate_limited(cast(ProviderError, err)):
                    self.issues.async_raise(Problem("rate_limited"))
            case Behaviour.BUDGET_USED_UP:
                self._budget_used_up()

    async def _async_confirm(self, feature: Feature) -> None:
        """Read one feature after a command, so the state shown is the car's own."""
        try:
            snapshot = await self.client.async_read(self.vehicle.id, [feature])
        except (ApiError, OAuth2TokenRequestBaseError) as err:
            LOGGER.debug("Could not confirm %s of %s after a command: %s", feature, self.name, err)
            return
        if self.data is not None and feature in snapshot.readings:
            self._show(snapshot.merged_onto(self.data))

    @callback
    def _show(self, data: Snapshot) -> None:
        """Show new data without counting it as a poll: the next poll keeps its time."""
        self.data = data
        self.async_update_listeners()


def _update_failed(err: Exception, retry_after: float | None = None) -> UpdateFailed:
    """A failed poll, translated: the provider's error type and code, or a transport failure."""
    if isinstance(err, ProviderError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="provider_error",
            translation_placeholders={"type": err.type, "code": err.code or "-"},
            retry_after=retry_after,
        )
    return UpdateFailed(
        translation_domain=DOMAIN, translation_key="communication_error", retry_after=retry_after
    )


def _auth_failed() -> ConfigEntryAuthFailed:
    return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="authentication_failed")


def _problem(err: ProviderError) -> Problem:
    """The repair for an account or billing error, linking to where the provider explains it."""
    details = err.details
    url = details.resolution_url or details.doc_url
    if err.type == "BILLING":
        return Problem("billing", err.code or "", {"code": err.code or "-"}, url)
    return Problem(
        ACCOUNT_ISSUES.get(err.code or "", OTHER_ACCOUNT_ISSUE),
        placeholders={"code": err.code or "-", "url": url or ""},
        learn_more_url=url,
    )
