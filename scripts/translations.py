"""Write translations/en.json from strings.json, resolving `[%key:...%]` references.

Home Assistant resolves these references only for its own integrations, so a custom integration
ships them resolved. `python scripts/translations.py --check` fails when en.json is out of date.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import sys
from typing import Any

import homeassistant

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "connected_car"
STRINGS = INTEGRATION / "strings.json"
ENGLISH = INTEGRATION / "translations" / "en.json"
REFERENCE = re.compile(r"\[%key:([a-z0-9_:]+)%\]")


def _lookup(root: dict[str, Any], path: list[str]) -> str:
    node: Any = root
    for part in path:
        node = node[part]
    if not isinstance(node, str):
        raise TypeError(f"{':'.join(path)} is not a string")
    return node


def resolve(strings: dict[str, Any]) -> dict[str, Any]:
    """strings with every reference replaced by the text it points to."""
    common = json.loads((Path(homeassistant.__file__).parent / "strings.json").read_text())

    def text(reference: str) -> str:
        path = reference.split("::")
        if path[0] == "common":
            return _lookup(common, path)
        if path[:2] == ["component", "connected_car"]:
            return REFERENCE.sub(lambda m: text(m.group(1)), _lookup(strings, path[2:]))
        raise KeyError(reference)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, str):
            return REFERENCE.sub(lambda m: text(m.group(1)), node)
        return node

    return dict(walk(strings))


def rendered() -> str:
    """The en.json that strings.json gives."""
    return json.dumps(resolve(json.loads(STRINGS.read_text())), indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Write en.json, or with --check tell whether it is current."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    if parser.parse_args().check:
        if ENGLISH.read_text() != rendered():
            print("translations/en.json is out of date: run make translations", file=sys.stderr)
            return 1
        return 0
    ENGLISH.write_text(rendered())
    return 0


if __name__ == "__main__":
    sys.exit(main())
