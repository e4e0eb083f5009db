"""Faults injected through the control API: provider errors, hangs and broken replies."""

import asyncio
import contextlib
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

TIMEOUT = "TIMEOUT"
MALFORMED = "MALFORMED"
MALFORMED_BODY = '{"truncated": [1, 2'


class MalformedReplyError(Exception):
    """A MALFORMED fault hit: the reply must be broken JSON."""


@web.middleware
async def malformed_reply_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer 200 with truncated JSON when a MALFORMED fault hits."""
    try:
        return await handler(request)
    except MalformedReplyError:
        return web.Response(text=MALFORMED_BODY, content_type="application/json")


@dataclass
class Fault:
    """What to break, where, and how often (`times` None means until cleared)."""

    provider: str
    type: str
    code: str | None
    status: int
    vehicle_id: str | None = None
    path: str | None = None
    times: int | None = None
    retry_after: int | None = None
    delay: float | None = None

    def matches(self, provider: str, vehicle_id: str | None, path: str) -> bool:
        """Tell whether a request to `path` of `vehicle_id` is affected."""
        return (
            self.provider == provider
            and self.vehicle_id in (None, vehicle_id)
            and self.path in (None, path)
        )

    def to_json(self) -> dict[str, Any]:
        """Return the fault as the control API shows it."""
        return asdict(self)


class FaultBook:
    """The active faults, checked in the order they were added."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._faults: list[Fault] = []
        self._released = asyncio.Event()

    def add(self, fault: Fault) -> None:
        """Activate a fault."""
        self._faults.append(fault)

    def clear(self) -> None:
        """Drop every fault and let hanging requests go on."""
        self._faults.clear()
        self._released.set()
        self._released = asyncio.Event()

    def _take(self, provider: str, vehicle_id: str | None, path: str) -> Fault | None:
        """Return the first fault matching the request, using up one of its times."""
        for fault in self._faults:
            if fault.matches(provider, vehicle_id, path):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None

    async def trigger(self, provider: str, vehicle_id: str | None, path: str) -> Fault | None:
        """Apply the matching fault: hang for TIMEOUT, raise for MALFORMED, else return it."""
        fault = self._take(provider, vehicle_id, path)
        if fault is None or fault.type not in (TIMEOUT, MALFORMED):
            return fault
        if fault.type == MALFORMED:
            raise MalformedReplyError
        released = self._released
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(released.wait(), fault.delay)
        return None
