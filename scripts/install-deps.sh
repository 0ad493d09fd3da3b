#!/usr/bin/env bash
# Installs the Debian packages keten needs, only those that are missing; silent when none are.
# Usage: scripts/install-deps.sh [extra packages...]
set -euo pipefail

packages=(
  g++ make cmake ninja-build pkg-config git ccache
  libboost-graph-dev libboost-serialization-dev libeigen3-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev libcsv-dev libxxhash-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev liblemon-dev
  clang-format
  python3 python3-venv python3-dev python3-pip
  graphviz chromium chromium-driver
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "Installing missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
