#!/usr/bin/env bash
# Builds the `rapport` binary, starts it on a fresh SQLite database in a temp
# directory on a free port, and runs the GraphQL-over-HTTP audit (audit.mjs)
# against it. Exits non-zero when a MUST audit fails; prints the server log then.
#
# Usage (from anywhere): bash tests/conformance/run-audit.sh
# Needs: cargo, node (>= 18), npm, python3, curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

LIB_NAME=run-audit
LIB_TMP_NAME=rapport-audit
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl
lib_scrub_env
lib_build
lib_start_server

if [[ ! -d "$here/node_modules/graphql-http" ]]; then
  log "installing the audit's npm packages (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund)
fi

log "running the audit"
node "$here/audit.mjs" "http://127.0.0.1:$port/graphql" "$token"
