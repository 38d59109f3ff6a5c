#!/usr/bin/env bash
# Standard Webhooks: Rapport's signatures checked by the `standardwebhooks` npm package (the
# specification's reference library), in two parts (webhooks/check.mjs):
#   1. vectors: the Rust unit test signs a body now with two fresh secrets (a rotation
#      overlap) and prints it; the library must verify it with each secret alone and refuse a
#      tampered body, another id and another secret;
#   2. deliveries: `rapport serve` (relay in the server, http and private addresses allowed for
#      127.0.0.1 only) delivers account.created events to a local Node receiver registered
#      through GraphQL; every request must verify — with the old and the new secret during a
#      rotation overlap, with the new one only after a 0-hour overlap — and the delivery log
#      must show every delivery succeeded.
# Exits non-zero when npm ci or any expectation fails (never skips); prints the server log then.
#
# Usage (from anywhere): bash tests/conformance/run-webhooks.sh
# Needs: cargo, node (>= 18), npm (and the npm registry, for `npm ci`), python3, curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
checks="$here/webhooks"

LIB_NAME=run-webhooks
LIB_TMP_NAME=rapport-webhooks
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl
lib_scrub_env

log "installing standardwebhooks (npm ci in tests/conformance/webhooks)"
(cd "$checks" && npm ci --no-audit --no-fund --loglevel=error) \
  || die "'npm ci' failed in $checks (is the npm registry reachable?)"

log "vectors: signing with two fresh secrets (Rust unit test)"
vectors="$tmp/vectors.txt"
cargo test --locked -p rapport-api --lib events::webhooks::sign::tests::vectors_for_the_conformance_check \
  -- --exact --nocapture >"$tmp/vectors.log" 2>&1 \
  || { cat "$tmp/vectors.log" >&2; die "the vector test failed"; }
grep '^VECTOR ' "$tmp/vectors.log" >"$vectors" || die "the vector test printed no VECTOR line"
node "$checks/check.mjs" vectors "$vectors" || die "standardwebhooks refused Rapport's signatures"

lib_build
lib_start_server \
  RAPPORT_EVENTS__RELAY_IN_SERVER=true \
  RAPPORT_EVENTS__POLL_MS=100 \
  'RAPPORT_EVENTS__WEBHOOKS__ALLOW_HTTP_HOSTS=["127.0.0.1"]' \
  'RAPPORT_EVENTS__WEBHOOKS__ALLOW_PRIVATE_HOSTS=["127.0.0.1"]'
log "deliveries: a local receiver verifying every request, across a secret rotation"
node "$checks/check.mjs" deliveries "http://127.0.0.1:$port/graphql" "$token" \
  || die "deliveries did not all verify with standardwebhooks"

log "Standard Webhooks (standardwebhooks verifier): ok"
