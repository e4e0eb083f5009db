"""SmartcarClient against whatever a server may answer, over loopback HTTP, for every endpoint it
reads: each call returns well-typed, in-range values or raises ProviderError/CommunicationError,
and ends within a bounded number of requests."""

from collections.abc import Callable
from typing import Any

from aiohttp import ClientSession, web
from hypothesis import example, given, strategies as st
import pytest

from custom_components.connected_car.api.model import Command, Feature
from custom_components.connected_car.api.smartcar import (
    COMMAND_PERMISSIONS,
    FEATURE_PATHS,
    MAX_PAGES,
    SmartcarClient,
    SmartcarOrigins,
)

from .conftest import FakeServer, Reply
from .properties import assert_snapshot, assert_text, assert_vehicle, outcome
from .strategies import (
    DEEP,
    LATIN1_PAGE,
    json_reply,
    json_values,
    number,
    replies,
    shaped,
    word,
)

API = "/smartcar/api/v2.0"
CAR = "car-1"
COMMAND_PATHS = ("/security", "/charge", "/charge/limit", "/navigation/destination")
# The defects found on main, as answers to the first request of any endpoint.
PROXY_PAGE = Reply(content_type="text/html; charset=iso-8859-1", body=LATIN1_PAGE)
PROXY_ERROR_PAGE = Reply(502, "text/html; charset=iso-8859-1", LATIN1_PAGE)
DEEPLY_NESTED = Reply(body=DEEP)
STATUS_CODE_WORD = json_reply({"type": "SERVER", "statusCode": "unavailable"}, status=503)


async def _token() -> str:
    return "token"


@pytest.fixture
def client(server: FakeServer, session: ClientSession) -> SmartcarClient:
    return SmartcarClient(session, _token, SmartcarOrigins.simulator(server.url))


ids = st.one_of(st.text(min_size=1, max_size=8), st.just("\ud800"), json_values)
error_bodies = shaped(
    {"type": word("SERVER", "RATE_LIMIT", "VEHICLE_STATE", "PERMISSION", "AUTHENTICATION")},
    {
        "code": word("ASLEEP", "INTERNAL", "VEHICLE", "IN_MOTION"),
        "statusCode": number(409, 429, 500),
        "description": word("Something went wrong."),
        "resolution": shaped({}, {"type": word("RETRY_LATER"), "url": word("https://x")}),
        "suggestedUserMessage": word("Try later."),
        "docURL": word("https://smartcar.com/docs"),
        "requestId": word("5e0b1d42"),
    },
)


def answers(body: st.SearchStrategy[Any]) -> st.SearchStrategy[Reply]:
    """Replies with the documented body, an error body, or anything else."""
    return replies(st.one_of(body, error_bodies))


# Paged lists: the documented page with any values, repeated for ever after the last one given,
# or a server that pages by offset through a list longer than any count.


class Pages:
    """Answer the n-th request with the n-th reply, and the last one ever after."""

    def __init__(self, *pages: Reply) -> None:
        self.pages = pages
        self.sent = 0

    def __call__(self, request: web.Request) -> Reply:
        self.sent += 1
        return self.pages[min(self.sent, len(self.pages)) - 1]

    def __repr__(self) -> str:
        return f"Pages{self.pages!r}"


class Endless:
    """New ids on every page, from the offset asked for, and a count no list reaches."""

    def __init__(self, key: str, count: int = 10**30) -> None:
        self.key, self.count = key, count

    def __call__(self, request: web.Request) -> Reply:
        offset = int(request.query.get("offset", "0"))
        page = [f"id-{offset + n}" for n in range(3)]
        return json_reply({self.key: page, "paging": {"count": self.count, "offset": offset}})

    def __repr__(self) -> str:
        return f"Endless({self.key!r}, {self.count})"


def pagings(key: str) -> st.SearchStrategy[Callable[[web.Request], Reply]]:
    page = shaped(
        {
            key: st.one_of(st.lists(ids, max_size=4), json_values),
            "paging": shaped({"count": number(0, 1, 2, 3, 10**30)}, {"offset": number(0)}),
        },
        {},
    )
    return st.one_of(
        st.lists(answers(page), min_size=1, max_size=4).map(lambda pages: Pages(*pages)),
        st.builds(Endless, st.just(key), st.sampled_from([10**30, 10**6, 5])),
    )


@given(reply=answers(shaped({"id": ids}, {})))
@example(reply=PROXY_PAGE)
@example(reply=DEEPLY_NESTED)
@example(reply=STATUS_CODE_WORD)
async def test_user(server: FakeServer, client: SmartcarClient, reply: Reply) -> None:
    server.serve({f"{API}/user": reply})
    account = await outcome(client.async_get_account_id())
    if account is not None:
        assert_text(account)
    assert server.requests == 1


@pytest.mark.parametrize("key", ["vehicles", "permissions"])
@given(answer=st.data())
async def test_paged_lists(
    server: FakeServer, client: SmartcarClient, key: str, answer: st.DataObject
) -> None:
    """Vehicle ids and permissions: pages that repeat or never end stop after MAX_PAGES."""
    await _paged_list(server, client, key, answer.draw(pagings(key)))


@pytest.mark.parametrize("key", ["vehicles", "permissions"])
@pytest.mark.parametrize(
    "answer",
    [
        # The same page for ever, its count never reached (looped 10,000 times on main).
        lambda key: Pages(json_reply({key: ["a"], "paging": {"count": 2, "offset": 0}})),
        # New ids on every page and a count no list reaches.
        Endless,
        lambda key: Pages(PROXY_PAGE),
        lambda key: Pages(DEEPLY_NESTED),
        lambda key: Pages(STATUS_CODE_WORD),
    ],
)
async def test_paged_list_defects_found_on_main(
    server: FakeServer, client: SmartcarClient, key: str, answer: Any
) -> None:
    await _paged_list(server, client, key, answer(key))


async def _paged_list(
    server: FakeServer, client: SmartcarClient, key: str, answer: Callable[[web.Request], Reply]
) -> None:
    if key == "vehicles":
        server.serve({f"{API}/vehicles": answer})
        items = await outcome(client.async_get_vehicle_ids())
    else:
        server.serve({f"{API}/vehicles/{CAR}/permissions": answer})
        items = await outcome(client.async_get_permissions(CAR))
    if items is not None:
        for item in items:
            assert_text(item)
        assert len(set(items)) == len(list(items))
    assert server.requests <= MAX_PAGES


info_bodies = shaped(
    {"make": word("TESLA", "BMW"), "model": word("Model 3"), "year": number(2021, 2024)},
    {"id": ids},
)


@given(info=answers(info_bodies), vin=answers(shaped({"vin": word("5YJ3E1EA7KF317000")}, {})))
@example(info=json_reply({"make": "FORD", "model": "F-150", "year": 1e400}), vin=PROXY_PAGE)
@example(info=json_reply({"make": "FORD", "model": "F-150", "year": "2021"}), vin=DEEPLY_NESTED)
@example(info=json_reply({"make": "FORD", "model": "F-150", "year": "unavailable"}), vin=PROXY_PAGE)
@example(info=STATUS_CODE_WORD, vin=STATUS_CODE_WORD)
async def test_vehicle(server: FakeServer, client: SmartcarClient, info: Reply, vin: Reply) -> None:
    server.serve({f"{API}/vehicles/{CAR}": info, f"{API}/vehicles/{CAR}/vin": vin})
    vehicle = await outcome(client.async_get_vehicle(CAR))
    if vehicle is not None:
        assert_vehicle(vehicle, CAR)
    assert server.requests <= 2


openings = st.one_of(
    st.lists(
        shaped({"type": word("frontLeft"), "status": word("OPEN", "CLOSED", "LOCKED")}, {}),
        max_size=3,
    ),
    json_values,
)
FEATURE_BODIES: dict[str, st.SearchStrategy[Any]] = {
    "/battery": shaped({}, {"percentRemaining": number(0.5, 1), "range": number(300)}),
    "/battery/capacity": shaped({}, {"capacity": number(75)}),
    "/charge": shaped(
        {},
        {
            "isPluggedIn": st.one_of(st.booleans(), json_values),
            "state": word("CHARGING", "FULLY_CHARGED", "NOT_CHARGING"),
        },
    ),
    "/charge/limit": shaped({}, {"limit": number(0.8)}),
    "/fuel": shaped(
        {},
        {"percentRemaining": number(0.4), "range": number(500), "amountRemaining": number(40)},
    ),
    "/tires/pressure": shaped(
        {}, dict.fromkeys(("frontLeft", "frontRight", "backLeft", "backRight"), number(240))
    ),
    "/odometer": shaped({}, {"distance": number(12000)}),
    "/engine/oil": shaped({}, {"lifeRemaining": number(0.8)}),
    "/location": shaped({}, {"latitude": number(37.4, 200), "longitude": number(-122.1, -200)}),
    "/security": shaped(
        {},
        {
            "isLocked": st.one_of(st.booleans(), json_values),
            **dict.fromkeys(("doors", "windows", "sunroof", "storage", "chargingPort"), openings),
        },
    ),
    "/battery/nominal_capacity": shaped(
        {
            "capacity": st.one_of(
                shaped({"nominal": number(75)}, {"source": word("SMARTCAR")}), st.none()
            )
        },
        {"availableCapacities": json_values, "url": json_values},
    ),
    "/diagnostics/system_status": shaped(
        {
            "systems": st.one_of(
                st.lists(
                    shaped(
                        {"systemId": word("SYSTEM_ABS"), "status": word("OK", "ALERT")},
                        {"description": word("Leak detected")},
                    ),
                    max_size=4,
                ),
                json_values,
            )
        },
        {},
    ),
    "/diagnostics/dtcs": shaped(
        {
            "activeCodes": st.one_of(
                st.lists(
                    shaped(
                        {"code": word("P0456")},
                        {"timestamp": word("2026-11-18T10:00:00.000Z", "2026-11-18", "yesterday")},
                    ),
                    max_size=4,
                ),
                json_values,
            )
        },
        {},
    ),
    "/service/history": st.one_of(
        st.lists(
            shaped(
                {"serviceDate": word("2026-05-01T09:00:00.000Z", "2026-05-01")},
                {
                    "odometerDistance": number(24100),
                    "serviceTasks": st.one_of(
                        st.lists(shaped({}, {"taskDescription": word("oil change")}), max_size=3),
                        json_values,
                    ),
                },
            ),
            max_size=3,
        ),
        json_values,
    ),
}
codes = st.one_of(
    st.just(200),
    st.just(200),
    st.sampled_from([404, 409, 429, 500, "200", "unavailable", 200.5]),
    json_values,
)
item_headers = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "sc-data-age": word("2026-11-18T10:00:00.000Z", "2026-11-18T10:00:00", "yesterday"),
            "retry-after": word("60", "²"),
            "sc-request-id": word("5e0b1d42"),
        },
    ),
    json_values,
)
documented_items = st.sampled_from(list(FEATURE_BODIES)).flatmap(
    lambda path: shaped(
        {"path": st.just(path), "code": codes},
        {
            "body": st.one_of(FEATURE_BODIES[path], FEATURE_BODIES[path], error_bodies),
            "headers": item_headers,
        },
    )
)
# Items of the paths asked for, at times twice, and at times anything else.
batch_items = st.one_of(documented_items, documented_items, json_values)
batches = shaped({"responses": st.lists(batch_items, max_size=14)}, {})
ALL = list(FEATURE_PATHS)
features = st.one_of(st.just(ALL), st.lists(st.sampled_from(ALL), min_size=1, unique=True))


def _batch(*items: Any) -> Reply:
    return json_reply({"responses": list(items)})


def _item(path: str, body: Any, code: Any = 200) -> dict[str, Any]:
    return {"path": path, "code": code, "headers": {}, "body": body}


@given(wanted=features, reply=answers(batches))
@example(wanted=ALL, reply=PROXY_PAGE)
@example(wanted=ALL, reply=PROXY_ERROR_PAGE)
@example(wanted=ALL, reply=DEEPLY_NESTED)
@example(wanted=ALL, reply=STATUS_CODE_WORD)
# One odd item discarded the whole batch: no path, not an object, a code that is a word.
@example(
    wanted=[Feature.ODOMETER, Feature.BATTERY, Feature.FUEL],
    reply=_batch(
        {"code": 200, "body": {}},
        5,
        _item("/odometer", {"distance": 5}),
        _item("/odometer", {"type": "SERVER"}, 500),  # the same path again
        _item("/fuel", {}, "unavailable"),
    ),
)
# Values of the wrong type or range reached entities: a range that is a word, latitude 200.
@example(
    wanted=[Feature.BATTERY, Feature.LOCATION, Feature.TIRES],
    reply=_batch(
        _item("/battery", {"percentRemaining": 0.5, "range": "far"}),
        _item("/location", {"latitude": 200, "longitude": 11.9}),
        _item(
            "/tires/pressure", {"frontLeft": True, "frontRight": float("nan"), "backLeft": 1e400}
        ),
    ),
)
async def test_batch(
    server: FakeServer, client: SmartcarClient, wanted: list[Feature], reply: Reply
) -> None:
    server.serve({f"{API}/vehicles/{CAR}/batch": reply})
    snapshot = await outcome(client.async_read(CAR, wanted))
    if snapshot is not None:
        assert_snapshot(snapshot, wanted)
    assert server.requests == 1


@given(
    command=st.sampled_from(list(COMMAND_PERMISSIONS)),
    reply=answers(shaped({"status": word("success")}, {"message": word("Done.")})),
)
@example(command=Command.LOCK, reply=PROXY_PAGE)
@example(command=Command.UNLOCK, reply=DEEPLY_NESTED)
@example(command=Command.START_CHARGING, reply=STATUS_CODE_WORD)
async def test_command(
    server: FakeServer, client: SmartcarClient, command: Command, reply: Reply
) -> None:
    server.serve({f"{API}/vehicles/{CAR}{path}": reply for path in COMMAND_PATHS})
    params = {"limit": 80.0, "latitude": 57.7, "longitude": 11.9}
    await outcome(client.async_command(CAR, command, **params))
    assert server.requests == 1
