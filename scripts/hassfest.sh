#!/usr/bin/env bash
# Runs Home Assistant core's hassfest on the integration, as the home-assistant/actions/hassfest
# GitHub action does, from the offline copy in ../shared/tools/hassfest-core (beside the clone; or
# HASSFEST_CORE=DIR). Exits 1 when hassfest reports an error; skips with a notice when there is no copy.
#
# The toolchain may run commands in a chroot that sees only the repository, so the copy (read-only,
# and outside the repository) is first copied into a temporary folder under the ignored .toolchain/.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOURCE=${HASSFEST_CORE:-$REPO/../shared/tools/hassfest-core}
INTEGRATION="$REPO/custom_components/connected_car"

if [ ! -d "$SOURCE/script/hassfest" ]; then
  echo "hassfest: skipped, no hassfest copy at $SOURCE"
  exit 0
fi

mkdir -p "$REPO/.toolchain"
WORK=$(mktemp -d "$REPO/.toolchain/hassfest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cp -R "$SOURCE/script" "$WORK/script"
chmod -R u+w "$WORK"

echo "hassfest: validating $INTEGRATION"
"$REPO/scripts/toolchain.sh" run bash -c 'cd "$1" && exec python -m script.hassfest --action validate --integration-path "$2"' \
  hassfest "$WORK" "$INTEGRATION"
