"""Bring a fresh Home Assistant to a working Connected Car, only through its own HTTP API.

Onboarding creates the owner; the websocket API adds the Smartcar (v2 and v3) and Volvo application
credentials; the config flow runs like in the UI for each provider, with the simulator's login pages
(Smartcar Connect, Volvo ID) answered like a browser would. Smartcar has two users: one on the v2
application with every car but the Ford F-150, and one on the v3 application with the F-150. High Mobility's fleet gets three cars through its
own API first (one cleared, one cleared a few minutes later, one rejected), picked in the flow.
"""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser
from itertools import count
from typing import Any

import aiohttp
from yarl import URL

from .settings import (
    CLIENT_ID,
    HA_URL,
    HM_APPROVED,
    HM_CLIENT_ID,
    HM_CLIENT_SECRET,
    HM_PENDING,
    HM_PENDING_FOR,
    HM_REJECT_REASON,
    HM_REJECTED,
    PASSWORD,
    SIMULATOR_URL,
    SMARTCAR_CLIENT_ID,
    SMARTCAR_CLIENT_SECRET,
    SMARTCAR_V3_APPLICATION_ID,
    SMARTCAR_V3_CLIENT_ID,
    SMARTCAR_V3_CLIENT_SECRET,
    SMARTCAR_V3_ENTRY,
    SMARTCAR_V3_MODEL,
    SMARTCAR_V3_USER,
    TOKEN_FILE,
    USERNAME,
    VOLVO_API_KEY,
    VOLVO_CLIENT_ID,
    VOLVO_CLIENT_SECRET,
)

# Each provider's application, as a user names it in the credentials dialog, and its connect form.
APPLICATIONS = {
    "smartcar": ("Smartcar simulator", SMARTCAR_CLIENT_ID, SMARTCAR_CLIENT_SECRET),
    "smartcar_v3": ("Smartcar v3 simulator", SMARTCAR_V3_CLIENT_ID, SMARTCAR_V3_CLIENT_SECRET),
    "volvo": ("Volvo Cars simulator", VOLVO_CLIENT_ID, VOLVO_CLIENT_SECRET),
}
CONNECT_FORMS = {
    "smartcar": {"mode": "simulated"},
    "smartcar_v3": {"mode": "simulated", "application_id": SMARTCAR_V3_APPLICATION_ID},
    "volvo": {"api_key": VOLVO_API_KEY},
}

DOMAIN = "connected_car"
FRONTEND_BASE = {"HA-Frontend-Base": HA_URL}  # how the UI tells HA its own address


class HomeAssistantApi:
    """An owner's session with Home Assistant's REST and websocket APIs."""

    def __init__(self, session: aiohttp.ClientSession, access_token: str) -> None:
        """Use access_token for every call."""
        self.session = session
        self.headers = {"Authorization": f"Bearer {access_token}"}
        self._ids = count(1)

    async def rest(self, method: str, path: str, payload: Any = None) -> Any:
        """Call the REST API; raise on an error status."""
        async with self.session.request(
            method, f"{HA_URL}{path}", json=payload, headers=self.headers | FRONTEND_BASE
        ) as response:
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status} {await response.text()}")
            return await response.json()

    async def ws(self, message: dict[str, Any]) -> Any:
        """Send one websocket command and return its result."""
        async with self.session.ws_connect(f"{HA_URL}/api/websocket") as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json(
                {"type": "auth", "access_token": self.headers["Authorization"][7:]}
            )
            if (await socket.receive_json())["type"] != "auth_ok":
                raise RuntimeError("websocket authentication failed")
            await socket.send_json({"id": next(self._ids), **message})
            reply = await socket.receive_json()
            if not reply.get("success"):
                raise RuntimeError(f"{message['type']}: {reply.get('error')}")
            return reply["result"]


async def owner_token(session: aiohttp.ClientSession) -> str:
    """Onboard on the first run; log in as the owner on later ones. Returns an access token."""
    async with session.get(f"{HA_URL}/api/onboarding") as response:
        # The onboarding API is gone (404) once onboarding is complete.
        onboarded = response.status == 404 or all(s["done"] for s in await response.json())
    if not onboarded:
        code = await _post_json(
            session,
            "/api/onboarding/users",
            {
                "client_id": CLIENT_ID,
                "name": "Demo",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        token = await _token(session, code["auth_code"])
        api = HomeAssistantApi(session, token)
        for step in ("core_config", "analytics"):
            await api.rest("POST", f"/api/onboarding/{step}", {})
        await api.rest(
            "POST",
            "/api/onboarding/integration",
            {"client_id": CLIENT_ID, "redirect_uri": f"{CLIENT_ID}?auth_callback=1"},
        )
        return token
    flow = await _post_json(
        session,
        "/auth/login_flow",
        {
            "client_id": CLIENT_ID,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{CLIENT_ID}?auth_callback=1",
        },
    )
    result = await _post_json(
        session,
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": CLIENT_ID, "username": USERNAME, "password": PASSWORD},
    )
    return await _token(session, result["result"])


async def wait_until_running(api: HomeAssistantApi) -> None:
    """Wait until Home Assistant has finished starting: every component set up."""
    while True:
        if (await api.rest("GET", "/api/config"))["state"] == "RUNNING":
            return
        await asyncio.sleep(0.5)


async def keep_loopback_only(api: HomeAssistantApi) -> None:
    """Confirm the first start's HTTP settings (loopback only), as the UI's dialog asks the owner.

    Unconfirmed, Home Assistant would fall back to its defaults after a few minutes.
    """
    if (await api.ws({"type": "http/config"}))["pending"] is not None:
        await api.ws({"type": "http/config/promote"})


async def ensure_credentials(api: HomeAssistantApi) -> None:
    """Each provider's application credentials, pointing at the simulator's developer apps."""
    existing = {
        item["client_id"] for item in await api.ws({"type": "application_credentials/list"})
    }
    for name, client_id, client_secret in APPLICATIONS.values():
        if client_id not in existing:
            await api.ws(
                {
                    "type": "application_credentials/create",
                    "domain": DOMAIN,
                    "client_id": client_id,
                    "client_secret": client_secret,
                    "name": name,
                }
            )


async def ensure_entries(api: HomeAssistantApi) -> None:
    """One entry per provider, each added like in the UI, unless it is there."""
    entries = await api.rest("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    titles = {entry["title"] for entry in entries} - {SMARTCAR_V3_ENTRY}
    v3_car = await _simulated_car_id(api.session, SMARTCAR_V3_MODEL)
    for provider, name in (("smartcar", "Smartcar"), ("volvo", "Volvo Cars")):
        # An entry is named after its provider and cars: "Smartcar: Ford F-150, ...".
        if not any(title == name or title.startswith(f"{name}:") for title in titles):
            await _add_entry(api, provider, leave_out=v3_car)
    if not any(entry["title"] == SMARTCAR_V3_ENTRY for entry in entries):
        await _add_entry(api, "smartcar_v3", only=v3_car, user=SMARTCAR_V3_USER)
    await ensure_high_mobility_fleet(api.session, first_time="High Mobility" not in titles)
    if "High Mobility" not in titles:
        await _add_high_mobility_entry(api)


async def ensure_high_mobility_fleet(session: aiohttp.ClientSession, *, first_time: bool) -> None:
    """The fleet operator's cars at High Mobility (the simulator keeps no fleet across restarts).

    The first time, one car is cleared at once, one a few minutes later and one is rejected.
    """
    control = f"{SIMULATOR_URL}/_simulator/high_mobility/outcomes"
    outcomes = [
        {"vin": HM_APPROVED[0], "outcome": "approve", "after": 0},
        {"vin": HM_PENDING[0], "outcome": "approve", "after": HM_PENDING_FOR if first_time else 0},
        {"vin": HM_REJECTED[0], "outcome": "reject", "reason": HM_REJECT_REASON, "after": 0},
    ]
    for outcome in outcomes:
        async with session.post(control, json=outcome) as response:
            response.raise_for_status()
    api = f"{SIMULATOR_URL}/high_mobility/api/v1"
    credentials = {
        "grant_type": "client_credentials",
        "client_id": HM_CLIENT_ID,
        "client_secret": HM_CLIENT_SECRET,
    }
    async with session.post(f"{api}/access_tokens", json=credentials) as response:
        response.raise_for_status()
        token = (await response.json())["access_token"]
    cars = [{"vin": vin, "brand": brand} for vin, brand in (HM_APPROVED, HM_PENDING, HM_REJECTED)]
    async with session.post(
        f"{api}/fleets/vehicles",
        json={"vehicles": cars},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        response.raise_for_status()


async def _add_high_mobility_entry(api: HomeAssistantApi) -> None:
    """Add High Mobility like in the UI: environment, client credentials, the fleet's cars."""
    flow = await api.rest("POST", "/api/config/config_entries/flow", {"handler": DOMAIN})
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    await api.rest("POST", path, {"next_step_id": "high_mobility"})
    await api.rest("POST", path, {"environment": "production"})
    await api.rest("POST", path, {"client_id": HM_CLIENT_ID, "client_secret": HM_CLIENT_SECRET})
    # The cleared and pending cars from the fleet; the rejected one added again by VIN.
    cars = {
        "fleet_cars": [HM_APPROVED[0], HM_PENDING[0]],
        "vin": HM_REJECTED[0],
        "brand": HM_REJECTED[1],
    }
    result = await api.rest("POST", path, cars)
    if result["type"] != "create_entry":
        raise RuntimeError(f"the High Mobility flow ended with {result}")


async def _add_entry(
    api: HomeAssistantApi,
    application: str,
    *,
    leave_out: str | None = None,
    only: str | None = None,
    user: str | None = None,
) -> None:
    """Add Connected Car with application (smartcar_v3: Smartcar with the v3 application) through
    the config flow and its login page, as user, sharing every car (but leave_out, or only only)."""
    flow = await api.rest("POST", "/api/config/config_entries/flow", {"handler": DOMAIN})
    path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    await api.rest("POST", path, {"next_step_id": application.removesuffix("_v3")})
    external = await api.rest("POST", path, CONNECT_FORMS[application])
    if external.get("step_id") == "pick_implementation":  # the provider has several applications
        name = APPLICATIONS[application][0]
        [options] = [field["options"] for field in external["data_schema"]]
        [key] = [key for key, label in options if label == name]
        external = await api.rest("POST", path, {"implementation": key})
    url = URL(external["url"])
    if user is not None:
        url = url.update_query(sim_user=user)
    callback = await _approve_on_connect_page(api.session, str(url), leave_out, only)
    async with api.session.get(callback) as response:  # Connect sends the browser back to HA
        response.raise_for_status()
    result = await api.rest("POST", path, {})
    if result["type"] != "create_entry":
        raise RuntimeError(f"the config flow of {application} ended with {result}")


async def _simulated_car_id(session: aiohttp.ClientSession, model: str) -> str:
    """The simulator's id of its car of model."""
    async with session.get(f"{SIMULATOR_URL}/_simulator/vehicles") as response:
        response.raise_for_status()
        cars = await response.json()
    return str(next(car["id"] for car in cars if car["model"] == model))


async def expose_cars_to_assist(api: HomeAssistantApi) -> None:
    """Let Assist see the cars' locks and sensors: locks are not exposed unless the owner says so."""
    entities = await api.ws({"type": "config/entity_registry/list"})
    entity_ids = [entity["entity_id"] for entity in entities if entity["platform"] == DOMAIN]
    await api.ws(
        {
            "type": "homeassistant/expose_entity",
            "assistants": ["conversation"],
            "entity_ids": entity_ids,
            "should_expose": True,
        }
    )


async def ensure_long_lived_token(api: HomeAssistantApi) -> str:
    """A long-lived access token in .demo/token for scripts; kept while it works."""
    if TOKEN_FILE.exists():
        token = TOKEN_FILE.read_text().strip()
        async with api.session.get(
            f"{HA_URL}/api/", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            if response.status == 200:
                return token
    token = str(
        await api.ws(
            {"type": "auth/long_lived_access_token", "client_name": "make demo", "lifespan": 3650}
        )
    )
    TOKEN_FILE.write_text(token + "\n")
    return token


class _ConnectForm(HTMLParser):
    """The fields of the Connect page's form, as a browser would submit them with Allow."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag != "input" or "name" not in attributes:
            return
        if attributes.get("type") in ("checkbox", "radio") and "checked" not in attributes:
            return
        self.fields.append((attributes["name"], attributes.get("value", "")))


async def _approve_on_connect_page(
    session: aiohttp.ClientSession, url: str, leave_out: str | None = None, only: str | None = None
) -> str:
    """Open the login page, keep every car checked (but leave_out, or only only), press Allow;
    return where it redirects."""
    async with session.get(url) as response:
        response.raise_for_status()
        form = _ConnectForm()
        form.feed(await response.text())
    fields = [
        (name, value)
        for name, value in form.fields
        if name != "vehicle" or (value != leave_out and only in (None, value))
    ]
    async with session.post(
        str(URL(url).with_query(None)),
        data=[*fields, ("decision", "allow")],
        allow_redirects=False,
    ) as response:
        if response.status != 302:
            raise RuntimeError(f"Connect answered {response.status}: {await response.text()}")
        return response.headers["Location"]


async def _post_json(session: aiohttp.ClientSession, path: str, payload: Any) -> Any:
    async with session.post(f"{HA_URL}{path}", json=payload) as response:
        if response.status >= 400:
            raise RuntimeError(f"POST {path}: {response.status} {await response.text()}")
        return await response.json()


async def _token(session: aiohttp.ClientSession, code: str) -> str:
    async with session.post(
        f"{HA_URL}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    ) as response:
        response.raise_for_status()
        return str((await response.json())["access_token"])
