"""Start the simulator and Home Assistant, wait until they answer, and stop them."""

from __future__ import annotations

import asyncio
from contextlib import suppress
import os
from pathlib import Path
import sys

import aiohttp

from .settings import CONFIG, HOST, SIMULATOR_STATE, SIMULATOR_URL, STATE


async def start_simulator() -> asyncio.subprocess.Process:
    """The simulator on loopback, keeping its grants in .demo/ so the HA entry survives restarts."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--host",
        HOST,
        "--state-file",
        str(SIMULATOR_STATE),
        stdout=(STATE / "simulator.log").open("a"),
        stderr=asyncio.subprocess.STDOUT,
    )


async def start_home_assistant() -> asyncio.subprocess.Process:
    """`hass` with the demo config, pointed at the simulator instead of Smartcar's cloud."""
    environment = os.environ | {"CONNECTED_CAR_SIMULATOR_URL": SIMULATOR_URL}
    hass = Path(sys.executable).parent / "hass"
    return await asyncio.create_subprocess_exec(
        str(hass),
        "--config",
        str(CONFIG),
        "--skip-pip",  # requirements_demo.txt installed everything; nothing is fetched at run time
        env=environment,
        stdout=(STATE / "home-assistant.log").open("a"),
        stderr=asyncio.subprocess.STDOUT,
    )


async def wait_until_up(
    session: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process
) -> None:
    """Wait until url answers; fail early if the process died."""
    while True:
        if process.returncode is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}; see the logs in .demo/")
        with suppress(aiohttp.ClientError, TimeoutError):
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
                if response.status < 500:
                    return
        await asyncio.sleep(0.5)


async def stop(*processes: asyncio.subprocess.Process) -> None:
    """Stop processes politely, then firmly."""
    for process in processes:
        if process.returncode is None:
            process.terminate()
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
