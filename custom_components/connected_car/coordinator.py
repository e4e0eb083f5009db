"""One coordinator per car: polls exactly what its entities need, within the car's API budget.

Every provider error arrives with its neutral kind; this module answers each kind the same way for
every provider: backoff, pauses, dropped features, stale values and repair issues.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
import math
from typing import TYPE_CHECKING, Any, NoReturn

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    ServiceValidationError,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api.client import VehicleClient
from .api.errors import ApiError, ErrorKind, ProviderError
from .api.model import Charge, ChargingState, Command, Feature, Reading, Security, Snapshot, Vehicle
from .const import CONF_SAFETY_READ_HOURS, CONF_VEHICLES, DEFAULT_SAFETY_READ_HOURS, DOMAIN, LOGGER
from .errors import command_error, translated, update_failed
from .issues import CarIssues, Problem, data_words
from .snapshots import StoredCar
from .vehicles import (
    VehicleRecord,
    available_commands,
    reported_fields,
    supported_features,
    vehicle_from_record,
)

if TYPE_CHECKING:
    from .fleet import Fleet
    from .providers.base import Provider

type ConnectedCarConfigEntry = ConfigEntry[Fleet]
# What a command does to a reading of its feature (None: nothing to show).
type CommandEffect = Callable[[Reading | None], Reading | None]

RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(minutes=30)  # or the polling interval, when that is longer
RATE_LIMIT_WAIT = timedelta(seconds=60)  # when the provider names no Retry-After
RATE_LIMIT_REPAIR_AFTER = timedelta(hours=1)
RATE_LIMIT_LONGEST_WAIT = timedelta(days=1)
# One "cannot" is no proof: a feature is dropped after this many such answers, this far apart.
UNSUPPORTED_PROOF_ANSWERS = 3
UNSUPPORTED_PROOF_SPAN = timedelta(hours=12)
# While push is trusted, a command's result is awaited by push this long before one read is spent.
PUSH_CONFIRM_WAIT = timedelta(seconds=60)


class VehicleCoordinator(DataUpdateCoordinator[Snapshot]):
    """Reads one car with a single request of the features its enabled entities use."""

    config_entry: ConnectedCarConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: ConnectedCarConfigEntry,
        *,
        provider: Provider,
        client: VehicleClient,
        vehicle_id: str,
        record: VehicleRecord,
        renew_token: Callable[[], Awaitable[None]],
        cars_on_app: int = 1,
    ) -> None:
        """Coordinate the car vehicle_id as described by its stored record.

        cars_on_app counts the cars of every entry that share this one's application, whose
        quota some providers set per application.
        """
        self.client = client
        self.vehicle: Vehicle = vehicle_from_record(vehicle_id, record)
        # Identifies the car among every provider's: the root of its device and entity ids.
        self.vehicle_key = f"{provider.key}:{vehicle_id}"
        self.permissions = frozenset(record["permissions"])
        self.commands = frozenset(available_commands(client, record))
        # Commands the car answered it cannot do: their controls are gone until Refresh.
        self.refused_commands = {Command(command) for command in record.get("refused", [])}
        self.fields = reported_fields(client, record)
        self.supported = set(supported_features(record))
        # Features dropped as unsupported: Refresh asks for them once more.
        self.dropped = {Feature(feature) for feature in record.get("dropped", [])}
        self._reload_to_show = False  # a dropped feature came back: its entities need a reload
        self.issues = CarIssues(hass, config_entry, provider, self.vehicle)
        self._provider = provider
        self._renew_token = renew_token
        self._cost = provider.cost_model(config_entry.options, cars_on_app)
        # Sends nothing before this moment: a rate limit, or a used-up monthly budget.
        self.quiet_until: datetime | None = None
        self._quiet_reason = "rate_limited"
        self._wanted: Counter[Feature] = Counter()
        self._denied: dict[Feature, str] = {}  # feature -> the permission the grant lacks
        self._failures = 0
        self._rate_limited_since: datetime | None = None
        self._unreachable = False
        self._last_read: dict[Feature, datetime] = {}
        # Feature -> when the provider said the car cannot give it, since it last could.
        self.unsupported_answers: dict[Feature, list[datetime]] = {}
        # The calls spent on this car in the quota's current period, and when that ends.
        self.calls_used = 0
        self.period_ends = self._cost.quota_renews(dt_util.utcnow())
        self.next_poll: datetime | None = None
        self.last_poll: datetime | None = None  # the last poll the provider answered
        self._read_everything = False
        # The car shares no data now (its data access ended or is not granted yet): nothing is read.
        self.paused = False
        # Push: while the car's deliveries come, it is read only once per safety period.
        self._push_trusted_for = provider.push.healthy_for if provider.push else None
        hours = config_entry.options.get(CONF_SAFETY_READ_HOURS, DEFAULT_SAFETY_READ_HOURS)
        self._safety_period = timedelta(hours=hours)
        self.last_push: datetime | None = None  # the last delivery of the car's values
        # When the last one came, kept when a refused delivery ends the trust in push.
        self.last_push_received: datetime | None = None
        self.pushes_rejected = 0  # deliveries to the entry refused since setup
        # Feature -> the effect of the command sent, and the cancel of the wait for its push.
        self._awaiting_push: dict[Feature, tuple[CommandEffect, CALLBACK_TYPE]] = {}
        super().__init__(
            hass,
            LOGGER,
            config_entry=config_entry,
            name=f"{DOMAIN} {self.vehicle.name}",
            update_interval=self._cost.interval(sorted(self.supported), False),
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

    def _fit_interval(self, data: Snapshot | None = None) -> None:
        """Poll as the budget allows, but no later than the moment a wait for the provider ends.

        data is what the car showed last (the coordinator's data unless a poll just brought more):
        a car that charges or stands open is read more often.
        """
        interval = self._cost.interval(self.polled_features, _is_busy(data or self.data))
        if (push_ends := self._push_trusted_until()) is not None:
            # Wake for the safety read, or when the push's silence ends the trust in it.
            now = dt_util.utcnow()
            newest = max(self._last_read.values(), default=now)
            interval = max(min(newest + self._safety_period, push_ends) - now, RETRY_FIRST)
        if self.quiet_until is not None:
            until_quiet_ends = self.quiet_until - dt_util.utcnow() + timedelta(seconds=1)
            interval = min(interval, max(until_quiet_ends, timedelta(seconds=1)))
        self.update_interval = interval

    def _push_trusted_until(self) -> datetime | None:
        """Until when the car's push is trusted (None: it is not now)."""
        if self._push_trusted_for is None or self.last_push is None:
            return None
        until = self.last_push + self._push_trusted_for
        return until if until > dt_util.utcnow() else None

    @property
    def push_healthy(self) -> bool:
        """Whether the car's values come by push now, so that its regular polls stop."""
        return self._push_trusted_until() is not None

    @property
    def has_push(self) -> bool:
        """Whether the car's provider pushes changes at all (else it is only ever polled)."""
        return self._push_trusted_for is not None

    @property
    def data_source(self) -> str:
        """What feeds the car now: "push" while its push is healthy, else "poll"."""
        return "push" if self.push_healthy else "poll"

    @callback
    def async_push(self, snapshot: Snapshot) -> None:
        """Take the readings the provider pushed, as a poll's: shown, stored, and trusted to
        stand for polls. A reading the car recorded before the one shown is left out."""
        self.last_push = self.last_push_received = dt_util.utcnow()
        data = self.data or Snapshot()
        fresh = {
            feature: reading
            for feature, reading in snapshot.readings.items()
            if feature in self.supported
            and not _older(snapshot.recorded_at.get(feature), data.recorded_at.get(feature))
        }
        merged = replace(
            data,
            readings={**data.readings, **fresh},
            recorded_at={
                **data.recorded_at,
                **{f: t for f, t in snapshot.recorded_at.items() if f in fresh},
            },
        )
        for feature, reading in fresh.items():
            # The pushed reading shows the command's effect already: it confirms the command.
            if (awaited := self._awaiting_push.get(feature)) and awaited[0](reading) == reading:
                self._stop_awaiting_push(feature)
        self._fit_interval(merged)
        self.async_set_updated_data(merged)

    @callback
    def async_push_rejected(self) -> None:
        """A delivery was refused: push is not trusted until a good one comes; poll meanwhile."""
        self.pushes_rejected += 1
        if self.last_push is not None:
            self.last_push = None
            self._fit_interval()
            self._schedule_refresh()
        self.async_update_listeners()

    @callback
    def async_push_problem(self, err: ProviderError, *, resolved: bool) -> None:
        """The provider says the car has an account, billing or key problem, or that it is over."""
        if err.kind not in (ErrorKind.ACCOUNT_ACTION, ErrorKind.BILLING, ErrorKind.VIRTUAL_KEY):
            LOGGER.debug("%s: the provider pushed %s:%s", self.name, err.type, err.code)
            return
        problem = self._problem(err)
        if resolved:
            self.issues.async_resolve(problem.key)
        else:
            self.issues.async_raise(problem)

    @property
    def polled_features(self) -> list[Feature]:
        """The features one poll reads: wanted, supported, and allowed by the grant."""
        return sorted(
            f
            for f, count in self._wanted.items()
            if count > 0 and f in self.supported and f not in self._denied
        )

    @property
    def idle_interval(self) -> timedelta:
        """How often the car is polled while nothing happens, at the options' budget."""
        return self._cost.interval(self.polled_features, False)

    @property
    def is_busy(self) -> bool:
        """Whether the car charges or stands open: its state changes quickly now."""
        return _is_busy(self.data)

    async def async_refresh_everything(self) -> None:
        """Read every polled feature now, due or not, and ask once more for dropped ones.

        Commands the car refused get their controls back, to be tried again.
        """
        self._read_everything = True
        await self.async_refresh()
        if self.refused_commands:
            self.refused_commands.clear()
            self._store_features()
            self._reload_to_show = True
        if self._reload_to_show:  # with the data just read stored, so the reload shows it
            self._reload_to_show = False
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

    @property
    def calls_left(self) -> int:
        """The calls this car may still spend in the quota's current period."""
        self._start_new_period_if_due()
        return max(self._cost.calls_per_car - self.calls_used, 0)

    def _spend(self, calls: int) -> None:
        self._start_new_period_if_due()
        self.calls_used += calls

    def _start_new_period_if_due(self) -> None:
        now = dt_util.utcnow()
        if now >= self.period_ends:
            self.calls_used, self.period_ends = 0, self._cost.quota_renews(now)

    @callback
    def _schedule_refresh(self) -> None:
        """Schedule the next poll, and note when it is (the next-poll sensor shows it)."""
        seconds = self._retry_after if self._retry_after is not None else None
        interval = self.update_interval
        if seconds is None and interval is not None:
            seconds = interval.total_seconds()
        self.next_poll = dt_util.utcnow() + timedelta(seconds=seconds) if seconds else None
        super()._schedule_refresh()

    async def _async_answered[T](self, calls: int, request: Awaitable[T]) -> T:
        """Await a request to the provider, counting its calls once the provider answered."""
        try:
            result = await request
        except ProviderError:
            self._spend(calls)
            raise
        self._spend(calls)
        return result

    @property
    def last_read(self) -> dict[Feature, datetime]:
        """When each feature was last read from the provider."""
        return dict(self._last_read)

    @property
    def is_unreachable(self) -> bool:
        """Whether the car was asleep or offline at the last poll (its values are stale)."""
        return self._unreachable

    def reading[R: Reading](self, feature: Feature, kind: type[R]) -> R | None:
        """The last good reading of feature, if it has the expected kind."""
        reading = self.data.readings.get(feature) if self.data else None
        return reading if isinstance(reading, kind) else None

    async def _async_update_data(self) -> Snapshot:
        data: Snapshot | None = None
        try:
            data = await self._async_poll()
        finally:
            self._fit_interval(data)
        return data

    async def _async_poll(self) -> Snapshot:
        if self._is_quiet() or self.paused:
            return self.data or Snapshot()
        now = dt_util.utcnow()
        newest_read = max(self._last_read.values(), default=None)
        if (
            self.push_healthy
            and not self._read_everything
            and newest_read is not None
            and now - newest_read < self._safety_period
        ):
            return self.data or Snapshot()  # push feeds the car; the safety read is not due
        features = self.polled_features
        if self._read_everything:
            # Asked by the owner: data dropped as unsupported is asked for once more too.
            features += sorted(self.dropped - self._denied.keys())
        else:
            features = self._cost.due(features, self._last_read, now, self.is_busy)
        self._read_everything = False
        if not features and self.data is not None:
            return self.data
        # Where each feature costs its own requests, one feature probes whether the provider
        # answers; the rest follow only once it does, so an outage costs one request a poll.
        probing = not self.client.batched and len(features) > 1
        try:
            snapshot = await self._async_read(features[:1] if probing else features)
            if probing:
                rest = await self._async_read(features[1:])
                snapshot = replace(
                    rest,
                    readings=snapshot.readings | rest.readings,
                    recorded_at=snapshot.recorded_at | rest.recorded_at,
                    errors=snapshot.errors | rest.errors,
                )
        except OAuth2TokenRequestReauthError as err:
            raise _auth_failed(self._provider) from err
        except OAuth2TokenRequestBaseError as err:
            self._retry(err)
        except ApiError as err:
            return self._on_failed_poll(err, features, self.data or Snapshot())
        # A feature that failed is still due: it is read again at the next poll.
        self._last_read.update(dict.fromkeys(snapshot.readings, now))
        for feature in snapshot.readings:
            self.unsupported_answers.pop(feature, None)
        if back := self.dropped & snapshot.readings.keys():
            self._take_back(back)
        return self._on_poll(snapshot, saw_the_car=bool(features))

    async def _async_read(self, features: list[Feature]) -> Snapshot:
        """Read features; a read in which every feature failed for passing trouble failed whole.

        Providers end tokens early: a token refused before it expires is renewed once and the
        read repeated, before anyone is asked to log in again.
        """
        cost = self._cost.cost(features)
        try:
            snapshot = await self._async_answered(
                cost, self.client.async_read(self.vehicle.id, features)
            )
        except ProviderError as err:
            if err.kind is not ErrorKind.AUTHENTICATION:
                raise
            await self._renew_token()
            snapshot = await self._async_answered(
                cost, self.client.async_read(self.vehicle.id, features)
            )
        else:
            if any(e.kind is ErrorKind.AUTHENTICATION for e in snapshot.errors.values()):
                await self._renew_token()
                snapshot = await self._async_answered(
                    cost, self.client.async_read(self.vehicle.id, features)
                )
        errors = list(snapshot.errors.values())
        if not snapshot.readings and errors and all(e.kind is ErrorKind.TRANSIENT for e in errors):
            raise errors[0]
        return snapshot

    def stored(self) -> StoredCar:
        """What to keep of the car across a restart."""
        return StoredCar(
            self.data or Snapshot(),
            self.last_read,
            self.calls_used,
            self.period_ends,
            self.last_push,
            self.last_push_received,
        )

    @callback
    def async_restore(self, stored: StoredCar, *, push_live: bool) -> bool:
        """Show the values stored before a restart, and poll when they are due, not before.

        Where deliveries can still come (push_live), a push trusted before the restart stays
        trusted for the rest of its window. Returns whether a poll is due now.
        """
        snapshot, last_read = stored.snapshot, stored.last_read
        self._last_read.update(last_read)
        if stored.period_ends is not None:
            self.calls_used, self.period_ends = stored.calls_used, stored.period_ends
        self.last_push_received = stored.last_push_received
        if push_live:
            self.last_push = stored.last_push
        interval = self._cost.interval(self.polled_features, _is_busy(snapshot))
        newest = max(last_read.values(), default=None)
        wait = timedelta(0)
        if newest is not None:
            wake = newest + interval
            if (push_ends := self._push_trusted_until()) is not None:
                wake = min(newest + self._safety_period, push_ends)
            wait = wake - dt_util.utcnow()
        due = wait <= timedelta(0)
        if not due:
            self.update_interval = wait
        self.async_set_updated_data(snapshot)
        return due

    @callback
    def async_start_with(self, snapshot: Snapshot) -> None:
        """Take the discovery read of a new car as its first poll."""
        self._last_read.update(dict.fromkeys(snapshot.readings, dt_util.utcnow()))
        self._spend(self._cost.cost(list(snapshot.readings.keys() | snapshot.errors.keys())))
        try:
            data = self._on_poll(snapshot, saw_the_car=True)
        except ConfigEntryAuthFailed:
            self.config_entry.async_start_reauth(self.hass)
            return
        self._fit_interval(data)
        self.async_set_updated_data(data)

    def _on_poll(self, snapshot: Snapshot, *, saw_the_car: bool) -> Snapshot:
        """A poll answered: act on each failed path, keep last values, and sync the repairs.

        The values merge onto the data as it is now, which a command may have changed meanwhile.
        """
        self._failures = 0
        if saw_the_car:
            self.last_poll = dt_util.utcnow()
        problems: list[Problem] = []
        unreachable = rate_limited = False
        for feature, err in snapshot.errors.items():
            match err.kind:
                case ErrorKind.AUTHENTICATION:
                    raise _auth_failed(self._provider) from err
                case ErrorKind.UNSUPPORTED:
                    self._unsupported(feature)
                case ErrorKind.PERMISSION:
                    self._denied[feature] = self.client.feature_permissions[feature]
                case ErrorKind.RATE_LIMITED:
                    rate_limited = True
                    if problem := self._rate_limited(err):
                        problems.append(problem)
                case ErrorKind.QUOTA_EXHAUSTED:
                    self._budget_used_up(err)
                case ErrorKind.UNREACHABLE:
                    unreachable = True
                case ErrorKind.ACCOUNT_ACTION | ErrorKind.BILLING | ErrorKind.VIRTUAL_KEY:
                    problems.append(self._problem(err))
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
        match err.kind:
            case ErrorKind.AUTHENTICATION:
                raise _auth_failed(self._provider) from err
            case ErrorKind.RATE_LIMITED:
                if problem := self._rate_limited(err):
                    self.issues.async_raise(problem)
                return previous
            case ErrorKind.QUOTA_EXHAUSTED:
                self._budget_used_up(err)
                return previous
            case ErrorKind.UNREACHABLE:
                self._set_unreachable(True)
                return previous
            case ErrorKind.PERMISSION:
                permissions = self.client.feature_permissions
                self._denied.update({f: permissions[f] for f in features})
                self.issues.async_sync(self._standing_problems())
            case ErrorKind.ACCOUNT_ACTION | ErrorKind.BILLING | ErrorKind.VIRTUAL_KEY:
                # The owner must act; meanwhile the last values stay, and the repair says so.
                self.issues.async_sync([self._problem(err), *self._standing_problems()])
                return previous
            case _:
                self._retry(err)
        raise update_failed(err, self._provider) from err

    def _retry(self, err: Exception) -> NoReturn:
        """Fail this poll and retry after 1, 2, 4, ... minutes, at most the longer interval."""
        self._failures += 1
        longest = max(RETRY_LONGEST, self.update_interval or RETRY_LONGEST)
        delay = min(RETRY_FIRST * 2 ** min(self._failures - 1, 16), longest)
        raise update_failed(err, self._provider, delay.total_seconds()) from err

    def raise_if_quiet(self) -> None:
        """Refuse to send anything while the provider asked us to wait."""
        if self._is_quiet():
            assert self.quiet_until is not None
            seconds = (self.quiet_until - dt_util.utcnow()).total_seconds()
            raise translated(
                HomeAssistantError,
                self._quiet_reason,
                self._provider,
                seconds=str(max(1, int(seconds))),
                renews=self.quiet_until.date().isoformat(),
            )

    def _is_quiet(self) -> bool:
        if self.quiet_until is None:
            return False
        if dt_util.utcnow() < self.quiet_until:
            return True
        self.quiet_until = None
        return False

    def _rate_limited(self, err: ProviderError) -> Problem | None:
        """Send nothing for as long as the provider asks, then poll; the repair, once it is due.

        A wait longer than a day is cut to a day, and said at once: a provider asking for a year
        must not silence the car for a year. A paused monthly budget stays paused: it lasts longer
        than any rate limit.
        """
        asked = err.details.retry_after or RATE_LIMIT_WAIT.total_seconds()
        wait = min(timedelta(seconds=asked), RATE_LIMIT_LONGEST_WAIT)
        now = dt_util.utcnow()
        if self._quiet_reason != "budget_used_up" or not self._is_quiet():
            self.quiet_until, self._quiet_reason = now + wait, "rate_limited"
            self._fit_interval()
        self._rate_limited_since = self._rate_limited_since or now
        if wait < timedelta(seconds=asked):
            resumes = dt_util.as_local(now + wait).strftime("%Y-%m-%d %H:%M")
            return Problem("rate_limited_long", placeholders={"resumes": resumes})
        if now - self._rate_limited_since >= RATE_LIMIT_REPAIR_AFTER:
            return Problem("rate_limited")
        return None

    def _budget_used_up(self, err: ProviderError) -> None:
        """Pause polling until the call quota renews; the entities keep their last values.

        The provider may say when (Volvo: "replenished in 08:12:33"); else the cost model knows.
        """
        now = dt_util.utcnow()
        retry_after = err.details.retry_after
        self.quiet_until = (
            now + timedelta(seconds=retry_after) if retry_after else self._cost.quota_renews(now)
        )
        self._quiet_reason = "budget_used_up"
        self.issues.async_raise(self._budget_problem())

    def _budget_problem(self) -> Problem:
        renews = self.quiet_until or self._cost.quota_renews(dt_util.utcnow())
        return Problem("budget_used_up", placeholders={"renews": renews.date().isoformat()})

    def _standing_problems(self) -> list[Problem]:
        """Problems that last beyond one poll: missing permissions, a paused budget."""
        denied: dict[str, list[Feature]] = {}
        for feature, permission in self._denied.items():
            denied.setdefault(permission, []).append(feature)
        problems = [
            Problem("missing_permission", permission, {"data": data_words(features)})
            for permission, features in sorted(denied.items())
        ]
        if self.quiet_until is not None and self._quiet_reason == "budget_used_up":
            problems.append(self._budget_problem())
        return problems

    def _unsupported(self, feature: Feature) -> None:
        """The provider says the car cannot give feature: drop it once that is proven.

        Proof is several such answers spread over hours; until then its last value stays and it
        is read as before. A reading of it in between starts the count again.
        """
        answers = self.unsupported_answers.setdefault(feature, [])
        answers.append(dt_util.utcnow())
        if (
            len(answers) >= UNSUPPORTED_PROOF_ANSWERS
            and answers[-1] - answers[0] >= UNSUPPORTED_PROOF_SPAN
        ):
            del self.unsupported_answers[feature]
            self._drop(feature)

    def _drop(self, feature: Feature) -> None:
        """The car cannot give feature: poll it no more, also after a restart (Refresh asks)."""
        self.supported.discard(feature)
        self.dropped.add(feature)
        self._fit_interval()
        self._store_features()

    def _take_back(self, features: set[Feature]) -> None:
        """The car gives dropped features again: poll them, and reload to show their entities."""
        LOGGER.info("%s gives %s again", self.name, ", ".join(sorted(features)))
        self.supported |= features
        self.dropped -= features
        self._store_features()
        self._reload_to_show = True

    def _refuse(self, command: Command) -> None:
        """The car cannot do command: the entry reloads, without a call, without its controls
        and with read-only twins where there are some.
        """
        LOGGER.info("%s cannot %s; its control is removed until Refresh", self.name, command)
        self.refused_commands.add(command)
        self.commands = self.commands - {command}
        self._store_features()
        self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)

    def _store_features(self) -> None:
        vehicles = dict(self.config_entry.data[CONF_VEHICLES])
        vehicles[self.vehicle.id] = {
            **vehicles[self.vehicle.id],
            "features": sorted(str(f) for f in self.supported),
            "dropped": sorted(str(f) for f in self.dropped),
            "refused": sorted(str(c) for c in self.refused_commands),
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
        expected: CommandEffect | None = None,
        **params: Any,
    ) -> None:
        """Send command; show its expected result at once and confirm it with one read of feature.

        A command the grant does not allow is refused before any API call, and so is any command
        while the provider asked us to wait.
        """
        permission = self.client.command_permissions.get(command)
        if permission is not None and permission not in self.permissions:
            raise translated(
                ServiceValidationError, "missing_permission", self._provider, permission=permission
            )
        if command in self.refused_commands:
            # The car said it cannot; asking again costs a call and changes nothing.
            raise translated(HomeAssistantError, "car_cannot", self._provider)
        if command not in self.commands:
            raise translated(ServiceValidationError, "not_supported", self._provider)
        if not all(math.isfinite(value) for value in params.values()):
            raise translated(ServiceValidationError, "invalid_value", self._provider)
        self.raise_if_quiet()
        try:
            await self._async_send(command, params)
        except OAuth2TokenRequestReauthError as err:
            raise _auth_failed(self._provider) from err
        except OAuth2TokenRequestBaseError as err:
            raise translated(HomeAssistantError, "communication_error", self._provider) from err
        except ApiError as err:
            self._on_failed_command(command, err)
            raise command_error(err, self._provider, self._cost) from err
        self.issues.async_resolve("virtual_key_required")
        if feature is None:
            return
        shown = None
        if expected is not None and self.data is not None:
            shown = expected(self.data.readings.get(feature))
            if shown is not None:
                self._show(replace(self.data, readings={**self.data.readings, feature: shown}))
        if expected is not None and shown is not None and self.push_healthy:
            self._await_push(feature, expected)
        else:
            self._confirm_soon(feature)

    @callback
    def _await_push(self, feature: Feature, effect: CommandEffect) -> None:
        """Let push confirm a command's effect on feature; read it once if push does not."""
        self._stop_awaiting_push(feature)

        @callback
        def not_pushed(_: datetime) -> None:
            del self._awaiting_push[feature]
            self._confirm_soon(feature)

        self._awaiting_push[feature] = (
            effect,
            async_call_later(self.hass, PUSH_CONFIRM_WAIT, not_pushed),
        )

    @property
    def awaiting_push(self) -> set[Feature]:
        """The features whose command result push has yet to confirm."""
        return set(self._awaiting_push)

    @callback
    def _stop_awaiting_push(self, feature: Feature) -> None:
        if awaited := self._awaiting_push.pop(feature, None):
            awaited[1]()

    async def async_shutdown(self) -> None:
        """Stop waiting for pushed results, then stop polling."""
        for feature in list(self._awaiting_push):
            self._stop_awaiting_push(feature)
        await super().async_shutdown()

    @callback
    def _confirm_soon(self, feature: Feature) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self._async_confirm(feature), f"{DOMAIN} confirm {feature}"
        )

    async def _async_send(self, command: Command, params: dict[str, Any]) -> None:
        """Send command; a refused token is renewed once, as for reads."""
        try:
            await self._async_answered(
                1, self.client.async_command(self.vehicle.id, command, **params)
            )
        except ProviderError as err:
            if err.kind is not ErrorKind.AUTHENTICATION:
                raise
            await self._renew_token()
            await self._async_answered(
                1, self.client.async_command(self.vehicle.id, command, **params)
            )

    def _on_failed_command(self, command: Command, err: ApiError) -> None:
        """What a refused command teaches about the car or the account."""
        if not isinstance(err, ProviderError):
            return
        match err.kind:
            case ErrorKind.AUTHENTICATION:
                self.config_entry.async_start_reauth(self.hass)
            case ErrorKind.UNSUPPORTED:
                self._refuse(command)
            case ErrorKind.VIRTUAL_KEY | ErrorKind.ACCOUNT_ACTION | ErrorKind.BILLING:
                self.issues.async_raise(self._problem(err))
            case ErrorKind.RATE_LIMITED:
                if problem := self._rate_limited(err):
                    self.issues.async_raise(problem)
            case ErrorKind.QUOTA_EXHAUSTED:
                self._budget_used_up(err)

    async def _async_confirm(self, feature: Feature) -> None:
        """Read one feature after a command, so the state shown is the car's own."""
        try:
            snapshot = await self._async_answered(
                self._cost.cost([feature]), self.client.async_read(self.vehicle.id, [feature])
            )
        except (ApiError, OAuth2TokenRequestBaseError) as err:
            LOGGER.debug("Could not confirm %s of %s after a command: %s", feature, self.name, err)
            return
        if self.data is not None and feature in snapshot.readings:
            self._show(snapshot.merged_onto(self.data))

    def _problem(self, err: ProviderError) -> Problem:
        """The repair for an account, billing or key problem, linking to where the provider explains it."""
        details = err.details
        url = details.resolution_url or details.doc_url
        if err.kind is ErrorKind.BILLING:
            return Problem("billing", err.code or "", {"code": err.code or "-"}, url)
        key = (
            "virtual_key_required"
            if err.kind is ErrorKind.VIRTUAL_KEY
            else self._provider.account_issue(err)
        )
        return Problem(key, placeholders={"code": err.code or "-"}, learn_more_url=url)

    @callback
    def _show(self, data: Snapshot) -> None:
        """Show new data without counting it as a poll: the next poll keeps its time."""
        self.data = data
        self.async_update_listeners()


def _older(moment: datetime | None, than: datetime | None) -> bool:
    """Whether a reading recorded at moment is older than one recorded at than."""
    return moment is not None and than is not None and moment < than


def _is_busy(data: Snapshot | None) -> bool:
    """Whether a car that showed data charges or stands open."""
    if data is None:
        return False
    charge = data.readings.get(Feature.CHARGE)
    security = data.readings.get(Feature.SECURITY)
    return (isinstance(charge, Charge) and charge.state is ChargingState.CHARGING) or (
        isinstance(security, Security) and bool(security.doors_open or security.trunk_open)
    )


def _auth_failed(provider: Provider) -> ConfigEntryAuthFailed:
    return translated(ConfigEntryAuthFailed, "authentication_failed", provider)
