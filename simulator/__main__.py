"""`python -m simulator`: serve the simulator on loopback."""

import argparse
from pathlib import Path

from aiohttp import web

from simulator.app import ORIGINS, create_app
from simulator.config import DEFAULT_REDIRECT_URIS, SimulatorConfig


def main() -> None:
    """Parse the command line, print the origins and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id", default=SimulatorConfig.client_id)
    parser.add_argument("--client-secret", default=SimulatorConfig.client_secret)
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help="registered redirect URI (repeatable; default: Home Assistant's two)",
    )
    parser.add_argument(
        "--cars", type=int, default=SimulatorConfig.cars, help="number of simulated cars"
    )
    parser.add_argument(
        "--state-file", type=Path, help="keep grants and tokens in this file across restarts"
    )
    args = parser.parse_args()
    config = SimulatorConfig(
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uris or list(DEFAULT_REDIRECT_URIS),
        cars=args.cars,
        state_file=args.state_file,
    )
    base = f"http://{args.host}:{args.port}"
    lines = [f"  https://{host} -> {base}{prefix}" for host, prefix in ORIGINS.items()]
    lines.append(f"  control API    -> {base}/_simulator")
    print("Connected-car simulator", *lines, sep="\n", flush=True)  # noqa: T201
    web.run_app(create_app(config), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
