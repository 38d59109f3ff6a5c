#!/usr/bin/env bash
# Builds the `rapport` binary and checks persisted queries with Apollo Client's
# own persisted-query link (@apollo/client/link/persisted-queries, with
# useGETForHashedQueries) against a started server (persisted/check.mjs):
#   1. automatic persisted queries, under the default settings: the first query
#      sends its hash by GET, gets PersistedQueryNotFound and falls back to POST
#      with its text; a second client runs it by GET with the hash alone; a
#      mutation goes by POST and runs by hash the second time;
#   2. trusted documents: the script writes a documents file of its operations
#      (what a client build's persisted-documents output holds), the server is
#      restarted with graphql.trusted_documents_only = true and that file; the
#      registered operations run by hash, an unregistered query is refused.
# Exits non-zero when npm ci or any expectation fails; prints the server log then.
#
# Usage (from anywhere): bash tests/conformance/run-persisted.sh
# Needs: cargo, node (>= 18), npm (and the npm registry, for `npm ci`), python3, curl.
# A missing node or npm fails the check; it never skips.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
persisted="$here/persisted"

LIB_NAME=run-persisted
LIB_TMP_NAME=rapport-persisted
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl
lib_scrub_env

log "installing @apollo/client (npm ci in tests/conformance/persisted)"
(cd "$persisted" && npm ci --no-audit --no-fund --loglevel=error) \
  || die "'npm ci' failed in $persisted (is the npm registry reachable?)"

lib_build

log "automatic persisted queries (default settings)"
lib_start_server
node "$persisted/check.mjs" apq "http://127.0.0.1:$port/graphql" "$token" \
  || die "automatic persisted queries with Apollo's link failed"
stop_server

documents="$tmp/trusted-documents.json"
log "trusted documents: writing $documents"
node "$persisted/check.mjs" documents "$documents" || die "could not write the documents file"
log "trusted documents: restarting with graphql.trusted_documents_only = true"
lib_start_server RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS_ONLY=true RAPPORT_GRAPHQL__TRUSTED_DOCUMENTS="$documents"
node "$persisted/check.mjs" trusted "http://127.0.0.1:$port/graphql" "$token" \
  || die "trusted documents with Apollo's link failed"

log "persisted queries (Apollo): ok"
