"""Faults injected through the control API: provider errors, hangs and broken or lost replies."""

import asyncio
import base64
import contextlib
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

TIMEOUT = "TIMEOUT"  # hang `delay` seconds, or until the faults are cleared
MALFORMED = "MALFORMED"  # answer 200 with truncated JSON
RAW = "RAW"  # answer exactly `status`, `content_type` and `body` (or `body_base64`)
LOST = "LOST"  # do the request, then drop the connection without an answer
EMPTY_VEHICLE_LIST = "EMPTY_VEHICLE_LIST"  # the vehicle list answers no cars
FAULT_TYPES = (TIMEOUT, MALFORMED, RAW, LOST, EMPTY_VEHICLE_LIST)
MALFORMED_BODY = '{"truncated": [1, 2'
VEHICLE_LIST = "/vehicles"

# Set when a LOST fault hit the request this task serves (aiohttp runs each request in its own
# task, with its own copy of the context).
_lost: ContextVar[bool] = ContextVar("simulator_lost_reply", default=False)


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
    content_type: str | None = None  # RAW: the Content-Type header, as given
    body: str | None = None  # RAW: the body as text (UTF-8)
    body_base64: str | None = None  # RAW: the body as base64, for bytes that are no UTF-8

    def matches(self, provider: str, vehicle_id: str | None, path: str) -> bool:
        """Tell whether a request to `path` of `vehicle_id` is affected."""
        return (
            self.provider == provider
            and self.vehicle_id in (None, vehicle_id)
            and self.path in (None, path)
        )

    def raw_body(self) -> bytes:
        """The body a RAW fault answers."""
        if self.body_base64 is not None:
            return base64.b64decode(self.body_base64)
        return (self.body or "").encode()

    def to_json(self) -> dict[str, Any]:
        """Return the fault as the control API shows it."""
        return asdict(self)


class InjectedReplyError(Exception):
    """A MALFORMED or RAW fault hit: the reply is the fault's, not the handler's."""

    def __init__(self, fault: Fault) -> None:
        """Keep the fault that says what to answer."""
        super().__init__(fault.type)
        self.fault = fault

    def response(self) -> web.Response:
        """Truncated JSON for MALFORMED; the fault's status, content type and body for RAW."""
        fault = self.fault
        if fault.type == MALFORMED:
            return web.Response(text=MALFORMED_BODY, content_type="application/json")
        response = web.Response(body=fault.raw_body(), status=fault.status)
        if fault.content_type is not None:
            response.headers["Content-Type"] = fault.content_type
        if fault.retry_after is not None:
            response.headers["Retry-After"] = str(fault.retry_after)
        return response


@web.middleware
async def injected_reply_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer what a MALFORMED or RAW fault says; drop the connection after a LOST one."""
    try:
        response = await handler(request)
    except InjectedReplyError as injected:
        return injected.response()
    if _lost.get() and request.transport is not None:
        # The request was done; closing now leaves the answer unwritten (aiohttp drops it).
        request.transport.close()
    return response


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
        """Apply the matching fault, or return it for the endpoint to apply.

        TIMEOUT hangs, MALFORMED and RAW raise InjectedReplyError, LOST marks the request for
        `injected_reply_middleware` to drop once done; a provider error or EMPTY_VEHICLE_LIST is
        returned.
        """
        fault = self._take(provider, vehicle_id, path)
        if fault is None:
            return None
        if fault.type in (MALFORMED, RAW):
            raise InjectedReplyError(fault)
        if fault.type == LOST:
            _lost.set(True)
            return None
        if fault.type == TIMEOUT:
            released = self._released
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), fault.delay)
            return None
        return fault
