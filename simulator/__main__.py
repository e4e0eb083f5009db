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
        "--cars", type=int, default=SimulatorConfig.cars, help="number of simulated Smartcar cars"
    )
    parser.add_argument("--v3-client-id", default=SimulatorConfig.v3_client_id)
    parser.add_argument("--v3-client-secret", default=SimulatorConfig.v3_client_secret)
    parser.add_argument(
        "--v3-application-id",
        default=SimulatorConfig.v3_application_id,
        help="the Smartcar v3 application's id, which Connect takes as client_id",
    )
    parser.add_argument("--volvo-client-id", default=SimulatorConfig.volvo_client_id)
    parser.add_argument("--volvo-client-secret", default=SimulatorConfig.volvo_client_secret)
    parser.add_argument("--vcc-api-key", default=SimulatorConfig.volvo_api_key)
    parser.add_argument(
        "--volvo-quota",
        type=int,
        default=SimulatorConfig.volvo_daily_quota,
        help="Volvo API requests the application may send per UTC day",
    )
    parser.add_argument(
        "--volvo-cars",
        type=int,
        default=SimulatorConfig.volvo_cars,
        help="number of simulated Volvo cars (beside the Smartcar ones)",
    )
    parser.add_argument("--hm-client-id", default=SimulatorConfig.high_mobility_client_id)
    parser.add_argument("--hm-client-secret", default=SimulatorConfig.high_mobility_client_secret)
    parser.add_argument(
        "--hm-rate-limit",
        type=int,
        default=SimulatorConfig.high_mobility_rate_limit,
        help="High Mobility fleet clearance requests the application may send per minute",
    )
    parser.add_argument(
        "--hm-approval-delay",
        type=int,
        default=SimulatorConfig.high_mobility_approval_delay,
        help="seconds a new High Mobility clearance stays pending before it is approved",
    )
    parser.add_argument(
        "--hm-cars",
        type=int,
        default=SimulatorConfig.high_mobility_cars,
        help="number of simulated High Mobility cars (beside the others)",
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
        v3_client_id=args.v3_client_id,
        v3_client_secret=args.v3_client_secret,
        v3_application_id=args.v3_application_id,
        volvo_client_id=args.volvo_client_id,
        volvo_client_secret=args.volvo_client_secret,
        volvo_api_key=args.vcc_api_key,
        volvo_daily_quota=args.volvo_quota,
        volvo_cars=args.volvo_cars,
        high_mobility_client_id=args.hm_client_id,
        high_mobility_client_secret=args.hm_client_secret,
        high_mobility_rate_limit=args.hm_rate_limit,
        high_mobility_approval_delay=args.hm_approval_delay,
        high_mobility_cars=args.hm_cars,
        state_file=args.state_file,
    )
    base = f"http://{args.host}:{args.port}"
    width = max(len(host) for host in ORIGINS) + len("https://")
    lines = [
        f"  {'https://' + host:<{width}} -> {base}{prefix}" for host, prefix in ORIGINS.items()
    ]
    lines.append(f"  {'control API':<{width}} -> {base}/_simulator")
    print("Connected-car simulator", *lines, sep="\n", flush=True)  # noqa: T201
    web.run_app(create_app(config), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
