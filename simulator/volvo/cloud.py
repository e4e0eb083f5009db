"""Volvo's side of a running simulator: accounts, the application's quota, forced invoke statuses."""

from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.volvo.accounts import VolvoAccounts
from simulator.volvo.commands import ForcedStatuses
from simulator.volvo.quota import DailyQuota


class VolvoCloud:
    """What Volvo keeps besides the cars; rebuilt on reset."""

    def __init__(self, config: SimulatorConfig, clock: SimClock) -> None:
        """Start with no grants, nothing used and no forced statuses."""
        self.accounts = VolvoAccounts(config, clock)
        self.quota = DailyQuota(config.volvo_daily_quota)
        self.forced_statuses = ForcedStatuses()
