"""Cost models: how often a car may be polled within its provider's call budget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from homeassistant.util import dt as dt_util

MIN_UPDATE_INTERVAL = timedelta(minutes=5)


class CostModel(Protocol):
    """A provider's price of polling."""

    def interval(self, features_per_poll: int) -> timedelta:
        """How long to wait between polls that read features_per_poll features of one car."""
        ...

    def quota_renews(self, now: datetime) -> datetime:
        """When a used-up call quota is whole again."""
        ...


def next_month(now: datetime) -> datetime:
    """The first of the next month, UTC."""
    first = now.astimezone(dt_util.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class MonthlyCallBudget:
    """Every value read is billed per car, within a monthly budget (Smartcar).

    A share of the budget is kept for commands and manual refreshes; polls spread the rest evenly
    over the month.
    """

    calls_per_month: int
    share_for_polling: float = 0.9
    period: timedelta = timedelta(days=31)

    def interval(self, features_per_poll: int) -> timedelta:
        """The shortest interval at which polling spends at most its share of the budget."""
        polls = self.calls_per_month * self.share_for_polling / max(features_per_poll, 1)
        return max(MIN_UPDATE_INTERVAL, self.period / polls)

    def quota_renews(self, now: datetime) -> datetime:
        """The monthly budget renews on the first of the next month."""
        return next_month(now)
