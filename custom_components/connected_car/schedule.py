"""Cost models: what to read of a car, and when, within its provider's call budget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from homeassistant.util import dt as dt_util

from .api.model import Feature

MIN_UPDATE_INTERVAL = timedelta(minutes=5)


class CostModel(Protocol):
    """A provider's price of polling."""

    def interval(self, features: Sequence[Feature], busy: bool) -> timedelta:
        """How long to wait between polls of a car that reads these features."""
        ...

    def due(
        self,
        features: Sequence[Feature],
        last_read: Mapping[Feature, datetime],
        now: datetime,
        busy: bool,
    ) -> list[Feature]:
        """The features a poll at now reads."""
        ...

    def quota_renews(self, now: datetime) -> datetime:
        """When a used-up call quota is whole again."""
        ...

    def cost(self, features: Sequence[Feature]) -> int:
        """The calls one read of these features spends from the quota."""
        ...

    @property
    def calls_per_car(self) -> int:
        """The calls one car may spend per quota period."""
        ...


def next_month(now: datetime) -> datetime:
    """The first of the next month, UTC."""
    first = now.astimezone(dt_util.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def next_day(now: datetime) -> datetime:
    """Midnight UTC after now."""
    midnight = now.astimezone(dt_util.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=1)


class ReadsEverything:
    """A cost model whose every poll reads every feature: one request or batch reads them all."""

    def due(
        self,
        features: Sequence[Feature],
        last_read: Mapping[Feature, datetime],
        now: datetime,
        busy: bool,
    ) -> list[Feature]:
        """Every feature, every poll."""
        return list(features)


@dataclass(frozen=True)
class MonthlyCallBudget(ReadsEverything):
    """Every value read is billed per car, within a monthly budget (Smartcar).

    A share of the budget is kept for commands and manual refreshes; polls spread the rest evenly
    over the month, and each poll reads every feature in one request.
    """

    calls_per_month: int
    share_for_polling: float = 0.9
    period: timedelta = timedelta(days=31)

    def interval(self, features: Sequence[Feature], busy: bool) -> timedelta:
        """The shortest interval at which polling spends at most its share of the budget."""
        polls = self.calls_per_month * self.share_for_polling / max(len(features), 1)
        return max(MIN_UPDATE_INTERVAL, self.period / polls)

    def quota_renews(self, now: datetime) -> datetime:
        """The monthly budget renews on the first of the next month."""
        return next_month(now)

    def cost(self, features: Sequence[Feature]) -> int:
        """Every value read is billed."""
        return len(features)

    @property
    def calls_per_car(self) -> int:
        """The monthly budget is per car."""
        return self.calls_per_month


@dataclass(frozen=True)
class Cadence:
    """How often a feature is read while the car is idle, and while it is busy."""

    idle: timedelta
    busy: timedelta


@dataclass(frozen=True)
class DailyAppQuota:
    """Requests per application and day, shared by every car of that application (Volvo).

    Each feature is read as often as its data changes (lock and charging often, more often while
    the car charges or a door is open; odometer and warnings rarely). When the application's cars
    would need more than its share of the quota, every cadence stretches alike.
    """

    requests_per_day: int
    cars_on_app: int
    cadences: Mapping[Feature, Cadence]
    requests_per_read: Mapping[Feature, int] = field(default_factory=dict)
    share_for_polling: float = 0.9

    def stretch(self) -> float:
        """How much longer than their cadences reads must wait to stay within the quota."""
        busiest_day = sum(
            self.requests_per_read.get(feature, 1) * timedelta(days=1) / cadence.busy
            for feature, cadence in self.cadences.items()
        )
        allowed = self.requests_per_day * self.share_for_polling / max(self.cars_on_app, 1)
        return max(1.0, busiest_day / allowed)

    def cadence(self, feature: Feature, busy: bool) -> timedelta:
        """How often feature is read."""
        cadence = self.cadences.get(feature, Cadence(timedelta(hours=1), timedelta(hours=1)))
        return (cadence.busy if busy else cadence.idle) * self.stretch()

    def interval(self, features: Sequence[Feature], busy: bool) -> timedelta:
        """Poll as often as the most frequent feature needs."""
        return min(
            (self.cadence(feature, busy) for feature in features),
            default=timedelta(hours=1),
        )

    def due(
        self,
        features: Sequence[Feature],
        last_read: Mapping[Feature, datetime],
        now: datetime,
        busy: bool,
    ) -> list[Feature]:
        """Features not read for their cadence (half a poll early, so a poll never just misses)."""
        slack = self.interval(features, busy) / 2
        return [
            feature
            for feature in features
            if (last := last_read.get(feature)) is None
            or now >= last + self.cadence(feature, busy) - slack
        ]

    def quota_renews(self, now: datetime) -> datetime:
        """The daily quota renews at midnight UTC."""
        return next_day(now)

    def cost(self, features: Sequence[Feature]) -> int:
        """Each feature costs its own requests."""
        return sum(self.requests_per_read.get(feature, 1) for feature in features)

    @property
    def calls_per_car(self) -> int:
        """The car's share of the application's daily quota."""
        return self.requests_per_day // max(self.cars_on_app, 1)


@dataclass(frozen=True)
class RefreshedStore(ReadsEverything):
    """One request reads every value from a store the provider refreshes rarely (Smartcar v3).

    Without push, Smartcar refreshes a v3 car's store about once a day: polling more often reads
    the same values again and spends the monthly budget for nothing. A poll costs one call
    whatever it reads, and polls come a few times per refresh, or less often if the budget is
    smaller.
    """

    calls_per_month: int
    store_refresh: timedelta = timedelta(days=1)
    polls_per_refresh: int = 4
    share_for_polling: float = 0.9
    period: timedelta = timedelta(days=31)

    def interval(self, features: Sequence[Feature], busy: bool) -> timedelta:
        """A few polls per refresh of the store, or fewer if the budget allows fewer."""
        polls = max(self.calls_per_month * self.share_for_polling, 1)
        return max(self.store_refresh / self.polls_per_refresh, self.period / polls)

    def quota_renews(self, now: datetime) -> datetime:
        """The monthly budget renews on the first of the next month."""
        return next_month(now)

    def cost(self, features: Sequence[Feature]) -> int:
        """One call reads every signal of the car."""
        return 1 if features else 0

    @property
    def calls_per_car(self) -> int:
        """The monthly budget is per car."""
        return self.calls_per_month


@dataclass(frozen=True)
class FixedInterval(ReadsEverything):
    """One request reads every feature of a car, at an interval the user sets (High Mobility).

    The provider bills per car and not per read, and limits requests per minute: polling a few
    cars every few minutes stays far below that.
    """

    every: timedelta
    cars_on_app: int = 1
    # The application's requests per window, shared by its cars; a rate limit without Retry-After
    # ends within the window.
    requests_per_window: int = 60
    window: timedelta = timedelta(minutes=1)

    def interval(self, features: Sequence[Feature], busy: bool) -> timedelta:
        """The interval the options set, never below the shortest one."""
        return max(MIN_UPDATE_INTERVAL, self.every)

    def quota_renews(self, now: datetime) -> datetime:
        """The request window of a minute renews a minute from now."""
        return now + self.window

    def cost(self, features: Sequence[Feature]) -> int:
        """One request reads every feature."""
        return 1 if features else 0

    @property
    def calls_per_car(self) -> int:
        """The car's share of the application's requests a minute (one at least)."""
        return max(self.requests_per_window // max(self.cars_on_app, 1), 1)
