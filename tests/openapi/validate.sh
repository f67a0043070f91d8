#!/usr/bin/env bash
# Validates the generated API description against the OpenAPI 3.0 schema with the pinned
# @apidevtools/swagger-cli (package-lock.json here; tools/install-deps.sh runs `npm ci`).
# Needs no network. Usage: validate.sh OPENAPI_DUMP OUTPUT.json
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dump=$1 out=$2
cli=$here/node_modules/.bin/swagger-cli
if [[ ! -x $cli ]]; then
  echo "validate.sh: $cli is missing: run tools/install-deps.sh (npm ci in tests/openapi)" >&2
  exit 1
fi
"$dump" "$out"
"$cli" validate "$out"
