"""Smartcar v2.0 vehicle endpoints: what each one needs and answers."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from simulator.clock import isoformat
from simulator.smartcar.errors import SmartcarApiError
from simulator.smartcar.units import UnitSystem
from simulator.validation import BadRequestError, expect_choice, expect_number
from simulator.vehicle import OPEN, Battery, Location, Vehicle

if TYPE_CHECKING:
    from simulator.state import SimulatorState

SUCCESS = {"status": "success", "message": "Successfully sent request to vehicle"}
SYSTEMS = ("SYSTEM_ABS", "SYSTEM_AIRBAG", "SYSTEM_BRAKE_FLUID", "SYSTEM_EMISSIONS", "SYSTEM_TPMS")
YEAR = 365 * 86400.0
MAX_PAGE = 50


@dataclass(frozen=True)
class Call:
    """One call to a vehicle endpoint (a request, or an item of a batch)."""

    state: SimulatorState
    request_id: str
    vehicle: Vehicle
    permissions: frozenset[str]
    units: UnitSystem
    now: float
    method: str
    path: str
    query: Mapping[str, str]
    body: Any = None
    param: str = ""


@dataclass(frozen=True)
class Endpoint:
    """How to answer an endpoint, and what it requires first."""

    handler: Callable[[Call], Awaitable[Any]]
    permission: str | None = None
    checks_capability: bool = True
    reads_car: bool = False
    command: bool = False
    management: bool = False
    billable: bool = True


def invalid(detail: str) -> SmartcarApiError:
    """Return a VALIDATION:PARAMETER error explaining what is wrong."""
    return SmartcarApiError("VALIDATION", "PARAMETER", detail=detail)


def page(query: Mapping[str, str], default_limit: int) -> tuple[int, int]:
    """Return `(limit, offset)` from the query, validated."""
    try:
        limit = int(query.get("limit", default_limit))
        offset = int(query.get("offset", 0))
    except ValueError as error:
        raise invalid("limit and offset must be integers.") from error
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise invalid(f"limit must be from 1 to {MAX_PAGE} and offset at least 0.")
    return limit, offset


def _body_field[T](call: Call, name: str, check: Callable[[Any, str], T]) -> T:
    if not isinstance(call.body, dict) or name not in call.body:
        raise invalid(f"{name} is required.")
    try:
        return check(call.body[name], name)
    except BadRequestError as error:
        raise invalid(f"{error}.") from error


def _action(call: Call, *actions: str) -> str:
    return _body_field(call, "action", lambda value, name: expect_choice(value, name, actions))


def _number(call: Call, name: str, low: float, high: float) -> float:
    return _body_field(call, name, lambda value, key: expect_number(value, key, low, high))


async def vehicle_info(call: Call) -> Any:
    """`GET /`: make, model and year."""
    car = call.vehicle
    return {"id": car.id, "make": car.make, "model": car.model, "year": car.year}


async def vin(call: Call) -> Any:
    """`GET /vin`."""
    return {"vin": call.vehicle.vin}


async def odometer(call: Call) -> Any:
    """`GET /odometer`."""
    return {"distance": call.units.distance(call.vehicle.state.odometer)}


async def location(call: Call) -> Any:
    """`GET /location`."""
    return call.vehicle.state.location.to_json()


async def tire_pressure(call: Call) -> Any:
    """`GET /tires/pressure`."""
    return {wheel: call.units.pressure(kpa) for wheel, kpa in call.vehicle.state.tires.items()}


async def engine_oil(call: Call) -> Any:
    """`GET /engine/oil`."""
    return {"lifeRemaining": call.vehicle.state.oil_life}


async def fuel(call: Call) -> Any:
    """`GET /fuel`."""
    tank = call.vehicle.state.fuel
    assert tank is not None
    return {
        "amountRemaining": call.units.volume(tank.amount_litres),
        "percentRemaining": round(tank.percent, 2),
        "range": call.units.distance(tank.range_km),
    }


def _battery(call: Call) -> Battery:
    battery = call.vehicle.state.battery
    assert battery is not None
    return battery


async def battery_level(call: Call) -> Any:
    """`GET /battery`."""
    battery = _battery(call)
    return {
        "percentRemaining": round(battery.percent, 2),
        "range": call.units.distance(battery.range_km),
    }


async def battery_capacity(call: Call) -> Any:
    """`GET /battery/capacity`."""
    return {"capacity": _battery(call).capacity_kwh}


async def nominal_capacity(call: Call) -> Any:
    """`GET /battery/nominal_capacity`."""
    capacity = _battery(call).capacity_kwh
    return {
        "availableCapacities": [{"capacity": capacity, "description": None}],
        "capacity": {"nominal": capacity, "source": "SMARTCAR"},
        "url": None,
    }


async def charge_status(call: Call) -> Any:
    """`GET /charge`."""
    battery = _battery(call)
    return {"isPluggedIn": battery.plugged_in, "state": battery.charge_state.value}


async def charge_limit(call: Call) -> Any:
    """`GET /charge/limit`."""
    return {"limit": _battery(call).charge_limit}


async def set_charge_limit(call: Call) -> Any:
    """`POST /charge/limit {limit}` with a limit from 0.5 to 1."""
    call.vehicle.set_charge_limit(_number(call, "limit", 0.5, 1), call.now)
    return SUCCESS


async def start_stop_charge(call: Call) -> Any:
    """`POST /charge {action: START|STOP}`."""
    if _action(call, "START", "STOP") == "START":
        call.vehicle.start_charging(call.now)
    else:
        call.vehicle.stop_charging(call.now)
    return SUCCESS


def _statuses(openings: dict[str, str], locked: bool | None = None) -> list[dict[str, str]]:
    def status(value: str) -> str:
        if locked is None or value == OPEN:
            return value
        return "LOCKED" if locked else "UNLOCKED"

    return [{"type": name, "status": status(value)} for name, value in openings.items()]


async def security(call: Call) -> Any:
    """`GET /security`: lock state and what is open."""
    state = call.vehicle.state
    return {
        "isLocked": state.locked,
        "doors": _statuses(state.doors, state.locked),
        "windows": _statuses(state.windows),
        "sunroof": _statuses(state.sunroof),
        "storage": _statuses(state.storage),
        "chargingPort": _statuses(state.charging_port),
    }


async def lock_unlock(call: Call) -> Any:
    """`POST /security {action: LOCK|UNLOCK}`."""
    call.vehicle.set_locked(_action(call, "LOCK", "UNLOCK") == "LOCK", call.now)
    return SUCCESS


async def send_destination(call: Call) -> Any:
    """`POST /navigation/destination {latitude, longitude}`."""
    destination = Location(
        _number(call, "latitude", -90, 90), _number(call, "longitude", -180, 180)
    )
    call.vehicle.send_destination(destination, call.now)
    return SUCCESS


async def system_status(call: Call) -> Any:
    """`GET /diagnostics/system_status`."""
    alerts = call.vehicle.diagnostics.alerts
    return {
        "systems": [
            {
                "systemId": system,
                "status": "ALERT" if system in alerts else "OK",
                "description": alerts.get(system),
            }
            for system in SYSTEMS
        ]
    }


async def trouble_codes(call: Call) -> Any:
    """`GET /diagnostics/dtcs`."""
    return {
        "activeCodes": [
            {"code": code, "timestamp": None if at is None else isoformat(at)}
            for code, at in call.vehicle.diagnostics.trouble_codes
        ]
    }


def _date(call: Call, name: str, default: float) -> float:
    text = call.query.get(name)
    if text is None:
        return default
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise invalid(f"{name} must be YYYY-MM-DD or an ISO 8601 time.") from error
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


async def service_history(call: Call) -> Any:
    """`GET /service/history?startDate&endDate` (default: the last year)."""
    start = _date(call, "startDate", call.now - YEAR)
    end = _date(call, "endDate", call.now)
    return [
        {
            "serviceId": number,
            "serviceDate": isoformat(record.performed_at),
            "odometerDistance": call.units.distance(record.odometer),
            "serviceTasks": [
                {"taskId": str(task_id), "taskDescription": task}
                for task_id, task in enumerate(record.tasks, start=1)
            ],
            "serviceDetails": {"type": "dealership"},
            "serviceCost": {"totalCost": record.total_cost, "currency": record.currency},
        }
        for number, record in enumerate(call.vehicle.diagnostics.service_history, start=1)
        if start <= record.performed_at <= end
    ]


async def permissions(call: Call) -> Any:
    """`GET /permissions?limit&offset`: what the token may do."""
    limit, offset = page(call.query, MAX_PAGE)
    granted = sorted(call.permissions)
    return {
        "permissions": granted[offset : offset + limit],
        "paging": {"count": len(granted), "offset": offset},
    }


async def subscribe(call: Call) -> Any:
    """`POST /webhooks/{webhookId}`: the car's changes go to the webhook from now on."""
    call.state.smartcar_webhooks.subscribe(call.param, call.vehicle.id)
    return {"vehicleId": call.vehicle.id, "webhookId": call.param}


async def unsubscribe(call: Call) -> Any:
    """`DELETE /webhooks/{webhookId}` (application management token)."""
    call.state.smartcar_webhooks.unsubscribe(call.param, call.vehicle.id)
    return {"status": "success"}


async def disconnect(call: Call) -> Any:
    """`DELETE /application`: revoke the application's access to the car."""
    call.state.smartcar.disconnect(call.vehicle.id)
    return {"status": "success"}


ENDPOINTS: dict[str, Endpoint] = {
    "GET /": Endpoint(vehicle_info, "read_vehicle_info", checks_capability=False),
    "GET /vin": Endpoint(vin, "read_vin", checks_capability=False),
    "GET /odometer": Endpoint(odometer, "read_odometer", reads_car=True),
    "GET /location": Endpoint(location, "read_location", reads_car=True),
    "GET /tires/pressure": Endpoint(tire_pressure, "read_tires", reads_car=True),
    "GET /engine/oil": Endpoint(engine_oil, "read_engine_oil", reads_car=True),
    "GET /fuel": Endpoint(fuel, "read_fuel", reads_car=True),
    "GET /battery": Endpoint(battery_level, "read_battery", reads_car=True),
    "GET /battery/capacity": Endpoint(battery_capacity, "read_battery", reads_car=True),
    "GET /battery/nominal_capacity": Endpoint(nominal_capacity, "read_battery"),
    "GET /charge": Endpoint(charge_status, "read_charge", reads_car=True),
    "GET /charge/limit": Endpoint(charge_limit, "read_charge", reads_car=True),
    "POST /charge/limit": Endpoint(set_charge_limit, "control_charge", command=True),
    "POST /charge": Endpoint(start_stop_charge, "control_charge", command=True),
    "GET /security": Endpoint(security, "read_security", reads_car=True),
    "POST /security": Endpoint(lock_unlock, "control_security", command=True),
    "POST /navigation/destination": Endpoint(send_destination, "control_navigation", command=True),
    "GET /diagnostics/system_status": Endpoint(system_status, "read_diagnostics", reads_car=True),
    "GET /diagnostics/dtcs": Endpoint(trouble_codes, "read_diagnostics", reads_car=True),
    "GET /service/history": Endpoint(service_history, "read_service_history"),
    "GET /permissions": Endpoint(permissions, checks_capability=False),
    "POST /webhooks/{webhookId}": Endpoint(subscribe, checks_capability=False),
    "DELETE /webhooks/{webhookId}": Endpoint(unsubscribe, checks_capability=False, management=True),
    "DELETE /application": Endpoint(disconnect, checks_capability=False),
}
