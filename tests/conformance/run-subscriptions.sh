#!/usr/bin/env bash
# Builds the `rapport` binary, starts it on a fresh SQLite database and checks GraphQL
# subscriptions over WebSocket with the graphql-ws client (protocol graphql-transport-ws,
# subscriptions/check.mjs): an account created over HTTP reaches a subscribed admin; a
# partner's client does not receive another partner's account's event; a bad token is
# refused (4403); revoking a connected client's token disconnects it within seconds.
#
# Events flow once the relay publishes them: it runs inside the server (the default).
#
# Usage (from anywhere): bash tests/conformance/run-subscriptions.sh
# Needs: cargo, node (>= 18), npm (and the npm registry, for `npm ci`), python3, curl.
# A missing tool fails the check; it never skips.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
subscriptions="$here/subscriptions"

LIB_NAME=run-subscriptions
LIB_TMP_NAME=rapport-subscriptions
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl
lib_scrub_env

log "installing graphql-ws and ws (npm ci in tests/conformance/subscriptions)"
(cd "$subscriptions" && npm ci --no-audit --no-fund --loglevel=error) \
  || die "'npm ci' failed in $subscriptions (is the npm registry reachable?)"

lib_build
# Short re-checks so that the revocation is seen within the check's few seconds.
lib_start_server RAPPORT_EVENTS__SUBSCRIPTIONS__RECHECK_SECS=1

node "$subscriptions/check.mjs" "http://127.0.0.1:$port/graphql" "$token" \
  || die "subscriptions with the graphql-ws client failed"

log "subscriptions (graphql-ws): ok"
