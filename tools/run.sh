#!/usr/bin/env bash
# Installs what is missing, builds tollgated and the `tollgate` CLI in Release and starts the
# server on its embedded default: data in ./var, https://127.0.0.1:8443 with a generated certificate (./var/tls/cert.pem), and
# on first start a bootstrap admin token printed once. Extra arguments go to tollgated.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTOLLGATE_TESTS=OFF >/dev/null
cmake --build build-release -j "$(nproc)" --target tollgated tollgate
exec build-release/server/tollgated --config conf/tollgate.toml "$@"
