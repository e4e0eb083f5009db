"""Everything a running simulator holds, reachable from handlers through `SIMULATOR_STATE`."""

import asyncio

from aiohttp import web

from simulator.clock import SimClock
from simulator.config import SimulatorConfig
from simulator.faults import FaultBook
from simulator.garage import garage
from simulator.high_mobility.cloud import HighMobilityCloud
from simulator.high_mobility.webhooks import HM_WEBHOOK_SECRET, HighMobilityWebhooks
from simulator.smartcar.accounts import SmartcarAccounts
from simulator.smartcar.webhooks import SmartcarWebhooks
from simulator.smartcar_v3.cloud import SmartcarV3Cloud
from simulator.stats import Stats
from simulator.vehicle import Vehicle
from simulator.volvo.cloud import VolvoCloud


class SimulatorState:
    """Clock, cars, faults, counters, latency and the providers' accounts."""

    def __init__(self, config: SimulatorConfig) -> None:
        """Start in the default state."""
        self.config = config
        self.faults = FaultBook()
        # Set after every request: the webhook deliveries look for changes at once.
        self.webhook_wake = asyncio.Event()
        self.reset()

    def reset(self) -> None:
        """Restore the default garage, clock, tokens, fleets, faults, counters, quota and latency."""
        self.faults.clear()
        self.clock = SimClock(self.config.clock)
        self.vehicles: dict[str, Vehicle] = garage(
            self.clock.now(),
            self.config.cars,
            self.config.volvo_cars,
            self.config.high_mobility_cars,
        )
        self.stats = Stats()
        self.latency_ms = 0.0
        self.smartcar = SmartcarAccounts(self.config, self.clock)
        self.smartcar_webhooks = SmartcarWebhooks(self.config.management_token, self.clock.now)
        self.smartcar_v3 = SmartcarV3Cloud(self.config, self.clock)
        self.volvo = VolvoCloud(self.config, self.clock)
        self.high_mobility = HighMobilityCloud(self.config)
        self.hm_webhooks = HighMobilityWebhooks(HM_WEBHOOK_SECRET, self.clock.now)

    def vehicles_now(self) -> list[Vehicle]:
        """Return every car, brought up to the current time."""
        now = self.clock.now()
        for car in self.vehicles.values():
            car.advance(now)
        return list(self.vehicles.values())

    def vehicles_of(self, provider: str) -> list[Vehicle]:
        """Return the cars a provider serves, brought up to the current time."""
        return [car for car in self.vehicles_now() if car.provider == provider]


SIMULATOR_STATE = web.AppKey("simulator_state", SimulatorState)


def state_of(request: web.Request) -> SimulatorState:
    """Return the simulator state from any handler, also in sub-applications."""
    return request.config_dict[SIMULATOR_STATE]
