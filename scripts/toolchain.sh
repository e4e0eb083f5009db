#!/usr/bin/env bash
# Provisions Python >= 3.14.2 with the test virtualenv, and runs commands in it.
#
#   scripts/toolchain.sh setup [FILE]   provision with requirements_test.txt, or also FILE
#                                       (idempotent; seconds when already done)
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
  VENV_ON_HOST=$VENV
else
  MODE=root
  VENV=/opt/venv  # path inside the root
  VENV_ON_HOST=$ROOT$VENV
fi

# Runs a command inside the Debian root, with the repository mounted at its own path. tini is the
# namespace's PID 1: it passes signals on to the command (a bare PID 1 would ignore SIGTERM), and
# when the command ends every process left in the namespace ends with it, and the mounts too.
in_root() {
  local init="/usr/bin/tini -s -g --"
  [ -n "${TOOLCHAIN_NO_INIT:-}" ] && init=""
  # In the background, so that a signal to this script can reach the namespace: unshare itself
  # ignores SIGINT and SIGTERM, leaving them to its child.
  unshare --mount --pid --fork --kill-child --propagation private \
    /usr/bin/env ROOT="$ROOT" REPO="$REPO" INIT="$init" bash -euc '
      mount -t proc proc "$ROOT/proc"
      mount --rbind /dev "$ROOT/dev"
      mkdir -p "$ROOT$REPO"
      mount --bind "$REPO" "$ROOT$REPO"
      cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
      # shellcheck disable=SC2086
      exec chroot "$ROOT" $INIT /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
        CI="${CI:-}" PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin \
        bash -c "cd \"\$0\" && exec \"\$@\"" "$REPO" "$@"
    ' bash "$@" &
  local namespace=$! status=0
  # Ctrl-C, SIGTERM or SIGHUP here: ask the namespace's init to stop the command (SIGTERM, as a
  # background command ignores SIGINT), then wait until the namespace is gone.
  trap 'pkill -TERM -P "$namespace" 2>/dev/null || true' INT TERM HUP
  while kill -0 "$namespace" 2>/dev/null; do
    wait "$namespace" || status=$?
  done
  trap - INT TERM HUP
  return "$status"
}

venv_run() {
  if [ "$MODE" = native ]; then
    PATH="$VENV/bin:$PATH" "$@"
  else
    in_root "$@"
  fi
}

# Debian packages of the root: Python; a compiler for the few requirements without wheels (Home
# Assistant's assist_pipeline builds pymicro-vad and pyspeex-noise); tini, the namespace's init.
ROOT_PACKAGES="python3.14,python3.14-venv,python3.14-dev,g++,tini,ca-certificates"

make_root() {
  if [ -x "$ROOT/usr/bin/python3.14" ]; then
    [ -x "$ROOT/usr/bin/g++" ] && [ -x "$ROOT/usr/bin/tini" ] && return 0
    log "adding ${ROOT_PACKAGES//,/ } to the root"  # roots made before these were part of it
    # shellcheck disable=SC2086
    TOOLCHAIN_NO_INIT=1 in_root env DEBIAN_FRONTEND=noninteractive bash -c \
      "apt-get -o Acquire::Check-Valid-Until=false update -qq &&
       apt-get install -y -qq --no-install-recommends ${ROOT_PACKAGES//,/ } >/dev/null"
    return 0
  fi
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
    --include="$ROOT_PACKAGES" sid "$ROOT.partial" "$mirror" >"$TOOLS/debootstrap.log" 2>&1 ||
    { tail -n 20 "$TOOLS/debootstrap.log" >&2; exit 1; }
  cp /etc/ssl/certs/ca-certificates.crt "$ROOT.partial/etc/ssl/certs/ca-certificates.crt"
  mv "$ROOT.partial" "$ROOT"
}

# Installs a requirements file into the virtualenv unless the same file is already installed.
install_requirements() {
  local file=$1 stamp_file want have=""
  want=$(cat "$file" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
  stamp_file="$VENV_ON_HOST/.stamp-$(basename "$file")"
  [ -f "$stamp_file" ] && have=$(cat "$stamp_file")
  [ "$have" = "$want" ] && return 0
  log "installing $(basename "$file") into $VENV ($MODE)"
  venv_run python -m pip install -q --disable-pip-version-check -r "$file"
  echo "$want" >"$stamp_file"
}

setup() {
  if [ "$MODE" = native ]; then
    [ -x "$VENV/bin/python" ] || "$NATIVE_PYTHON" -m venv "$VENV"
  else
    make_root
    [ -x "$ROOT$VENV/bin/python" ] || in_root python3.14 -m venv "$VENV"
  fi
  install_requirements "$REQUIREMENTS"
  local extra
  for extra in "$@"; do
    install_requirements "$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")"
  done
}

case "${1:-}" in
  setup) shift; setup "$@" ;;
  run) shift; venv_run "$@" ;;
  *) echo "usage: $0 setup [REQUIREMENTS_FILE...] | run CMD [ARGS...]" >&2; exit 2 ;;
esac
