#!/usr/bin/env bash
# make e2e: start the demo, drive Home Assistant's UI in headless Chromium and check the car
# through the REST and conversation APIs (demo/e2e.py); stop everything it started, whatever happens.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
E2E_VENV="$REPO/.toolchain/e2e"
READY="$REPO/.demo/ready"
log() { printf '[e2e] %s\n' "$*" >&2; }

if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
want=$(sha256sum "$REPO/requirements_e2e.txt" | cut -d' ' -f1)
if [ "$(cat "$E2E_VENV/.stamp" 2>/dev/null)" != "$want" ]; then
  log "installing requirements_e2e.txt into $E2E_VENV"
  python3 -m venv "$E2E_VENV"
  "$E2E_VENV/bin/pip" install -q --disable-pip-version-check -r "$REPO/requirements_e2e.txt"
  echo "$want" >"$E2E_VENV/.stamp"
fi

mkdir -p "$REPO/.demo"
rm -f "$READY"
# Its own session, so the whole demo (toolchain wrapper, simulator, hass) stops as one group.
setsid "$REPO/scripts/toolchain.sh" run python -m demo --ready-file "$READY" \
  >"$REPO/.demo/e2e-demo.log" 2>&1 &
demo=$!
stop_demo() {
  kill -TERM -- "-$demo" 2>/dev/null || true
  wait "$demo" 2>/dev/null || true
}
trap stop_demo EXIT

log "waiting for the demo"
for _ in $(seq 600); do
  [ -f "$READY" ] && break
  if ! kill -0 "$demo" 2>/dev/null; then
    tail -n 30 "$REPO/.demo/e2e-demo.log" >&2
    exit 1
  fi
  sleep 1
done
[ -f "$READY" ] || { log "the demo did not get ready"; tail -n 30 "$REPO/.demo/e2e-demo.log" >&2; exit 1; }

cd "$REPO"
"$E2E_VENV/bin/python" -m demo.e2e
