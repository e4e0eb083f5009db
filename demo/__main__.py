"""`python -m demo`: the simulator and a real Home Assistant with Connected Car, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import signal

import aiohttp

from .processes import start_home_assistant, start_simulator, stop, wait_until_up
from .provision import (
    HomeAssistantApi,
    ensure_credentials,
    ensure_entries,
    ensure_long_lived_token,
    expose_cars_to_assist,
    keep_loopback_only,
    owner_token,
    wait_until_running,
)
from .push import wire_push
from .settings import (
    CONFIG,
    CONFIGURATION_YAML,
    HA_URL,
    HTTP_YAML,
    PASSWORD,
    REPO,
    SIMULATOR_URL,
    STATE,
    TOKEN_FILE,
    USERNAME,
)

STARTUP_LIMIT = 600  # seconds; the first start of Home Assistant prepares its database and frontend


def prepare_config() -> None:
    """The demo's config dir: configuration.yaml and the integration linked in."""
    (CONFIG / "custom_components").mkdir(parents=True, exist_ok=True)
    first_start = not (CONFIG / ".storage" / "http").exists()
    (CONFIG / "configuration.yaml").write_text(
        CONFIGURATION_YAML + (HTTP_YAML if first_start else "")
    )
    link = CONFIG / "custom_components" / "connected_car"
    if not link.is_symlink():
        link.symlink_to(REPO / "custom_components" / "connected_car")


async def run(ready_file: Path | None) -> None:
    """Start everything, provision Home Assistant, and serve until interrupted."""
    prepare_config()
    simulator = await start_simulator()
    home_assistant = await start_home_assistant()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        async with aiohttp.ClientSession() as session:
            async with asyncio.timeout(STARTUP_LIMIT):
                await wait_until_up(session, f"{SIMULATOR_URL}/_simulator/vehicles", simulator)
                await wait_until_up(session, f"{HA_URL}/api/onboarding", home_assistant)
                api = HomeAssistantApi(session, await owner_token(session))
                await wait_until_running(api)
            await keep_loopback_only(api)
            await ensure_credentials(api)
            await ensure_entries(api)
            await wire_push(api)
            await expose_cars_to_assist(api)
            await ensure_long_lived_token(api)
        print(  # noqa: T201
            f"\nConnected Car demo is running: {HA_URL}\n"
            f"  login: {USERNAME} / {PASSWORD}\n"
            f"  long-lived access token: {TOKEN_FILE.relative_to(REPO)}\n"
            f"  simulator: {SIMULATOR_URL} (control API under /_simulator)\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        if ready_file is not None:
            await asyncio.to_thread(ready_file.write_text, HA_URL + "\n")
        waiters = [asyncio.ensure_future(p.wait()) for p in (simulator, home_assistant)]
        await asyncio.wait(
            [asyncio.ensure_future(stopping.wait()), *waiters], return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        if ready_file is not None:
            await asyncio.to_thread(ready_file.unlink, missing_ok=True)
        await stop(home_assistant, simulator)


def main() -> None:
    """Parse the command line and run the demo."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--ready-file", type=Path, help="written once the demo is ready")
    args = parser.parse_args()
    STATE.mkdir(exist_ok=True)
    asyncio.run(run(args.ready_file))


if __name__ == "__main__":
    main()
