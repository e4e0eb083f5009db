#!/usr/bin/env bash
# Provisions Python >= 3.14.2 with the test virtualenv, and runs commands in it.
#
#   scripts/toolchain.sh setup          provision (idempotent; seconds when already done)
#   scripts/toolchain.sh run CMD ...    run CMD with the virtualenv first on PATH
#
# A native python3.14 (>= 3.14.2) is used where one exists. Otherwise a Debian sid root is made with
# debootstrap under .toolchain/root and commands run in it through chroot, inside a private mount and
# PID namespace: the mounts (proc, /dev, the repository) and every process started there vanish when
# the command ends, on success, failure or Ctrl-C alike.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$REPO/.toolchain"
ROOT="$TOOLS/root"
REQUIREMENTS="$REPO/requirements_test.txt"

log() { printf '[toolchain] %s\n' "$*" >&2; }

find_native_python() {
  local candidate
  for candidate in python3.14 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 14, 2))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

if [ -z "${TOOLCHAIN_FORCE_ROOT:-}" ] && NATIVE_PYTHON=$(find_native_python); then
  MODE=native
  VENV="$TOOLS/venv"
else
  MODE=root
  VENV=/opt/venv  # path inside the root
fi

# Runs a command inside the Debian root, with the repository mounted at its own path.
in_root() {
  unshare --mount --pid --fork --kill-child --propagation private \
    /usr/bin/env ROOT="$ROOT" REPO="$REPO" bash -euc '
      mount -t proc proc "$ROOT/proc"
      mount --rbind /dev "$ROOT/dev"
      mkdir -p "$ROOT$REPO"
      mount --bind "$REPO" "$ROOT$REPO"
      cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
      exec chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
        CI="${CI:-}" PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
        bash -c "cd \"\$0\" && exec \"\$@\"" "$REPO" "$@"
    ' bash "$@"
}

venv_run() {
  if [ "$MODE" = native ]; then
    PATH="$VENV/bin:$PATH" "$@"
  else
    in_root "$@"
  fi
}

make_root() {
  [ -x "$ROOT/usr/bin/python3.14" ] && return 0
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  }
  local mirror
  mirror=$(grep -rhoE '^URIs: *http[^ ]+/debian/?$|^deb +http[^ ]+/debian/? ' /etc/apt/sources.list.d/ /etc/apt/sources.list 2>/dev/null |
    grep -oE 'http[^ ]+' | head -n1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "creating a Debian sid root with Python 3.14 in $ROOT (from $mirror)"
  rm -rf "$ROOT.partial"
  mkdir -p "$TOOLS"
  # debootstrap mounts proc and sys in the target itself; the private namespace drops them if it dies.
  unshare --mount --propagation private debootstrap --variant=minbase \
    --include=python3.14,python3.14-venv,ca-certificates sid "$ROOT.partial" "$mirror" >"$TOOLS/debootstrap.log" 2>&1 ||
    { tail -n 20 "$TOOLS/debootstrap.log" >&2; exit 1; }
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT.partial/etc/ssl/certs/ca-certificates.crt"
  mv "$ROOT.partial" "$ROOT"
}

setup() {
  local stamp_file want have=""
  want=$(cat "$REQUIREMENTS" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
  if [ "$MODE" = native ]; then
    stamp_file="$VENV/.requirements-stamp"
  else
    make_root
    stamp_file="$ROOT$VENV/.requirements-stamp"
  fi
  [ -f "$stamp_file" ] && have=$(cat "$stamp_file")
  if [ "$have" = "$want" ]; then
    return 0
  fi
  log "installing requirements_test.txt into $VENV ($MODE)"
  if [ "$MODE" = native ]; then
    [ -x "$VENV/bin/python" ] || "$NATIVE_PYTHON" -m venv "$VENV"
  else
    [ -x "$ROOT$VENV/bin/python" ] || in_root python3.14 -m venv "$VENV"
  fi
  venv_run python -m pip install -q --disable-pip-version-check --upgrade pip
  venv_run python -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" >"$stamp_file"
  log "ready: $(venv_run python --version)"
}

case "${1:-}" in
  setup) setup ;;
  run) shift; venv_run "$@" ;;
  *) echo "usage: $0 setup | run CMD [ARGS...]" >&2; exit 2 ;;
esac
