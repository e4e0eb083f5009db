"""Branch coverage per module of the integration: each at least 95 %, the config flow 100 %.

pytest's --cov-fail-under checks the total, where the simulator's tests would average a weak module
up. This reads the run's coverage data and fails naming every module below its bar; it prints
nothing when all pass, so pytest's summary stays the last line of `make test`.
"""

from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

INTEGRATION = "custom_components/connected_car/"
FLOOR = 95.0
# Modules held to a higher bar: the config flow and what it calls for the user's login.
BARS = {f"{INTEGRATION}config_flow.py": 100.0}


def main() -> int:
    """Check the .coverage data pytest wrote; exit 1 naming the modules below their bar."""
    report = Path(".coverage.json")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "coverage", "json", "-q", "-o", str(report)], check=True
    )
    files = json.loads(report.read_text())["files"]
    report.unlink()
    short = [
        (path, summary["percent_covered"], BARS.get(path, FLOOR))
        for path, file in sorted(files.items())
        if path.startswith(INTEGRATION)
        and (summary := file["summary"])["percent_covered"] < BARS.get(path, FLOOR)
    ]
    for path, covered, bar in short:
        print(f"coverage: {path} {covered:.1f} % < {bar:.0f} %")
    return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
