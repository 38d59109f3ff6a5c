#!/usr/bin/env bash
# Builds the `rapport` binary, starts it on a fresh SQLite database in a temp
# directory on a free port, and checks that GraphQL client tooling works with it
# on the realistic operations in tooling/:
#   - graphql-codegen (typescript + typescript-operations) with its schema set to
#     the LIVE endpoint, which it introspects with the standard introspection
#     query, generating TypeScript types for tooling/operations/*.graphql;
#   - relay-compiler on tooling/relay/src against the SDL the server serves at
#     GET /graphql/schema.graphql (a full compile into a temp copy).
# Exits non-zero when npm ci or either tool fails; prints the server log then.
#
# Usage (from anywhere): bash tests/conformance/run-tooling.sh
# Needs: cargo, node (>= 18), npm (and the npm registry, for `npm ci`), python3, curl.
#
# TOOLING_SERVER_ENV: space-separated RAPPORT_NAME=VALUE settings given to the
# server only, to prove the check can fail, e.g.
#   TOOLING_SERVER_ENV=RAPPORT_GRAPHQL__MAX_INTROSPECTION_DEPTH=8 bash tests/conformance/run-tooling.sh
# must fail in codegen. Never set it in CI.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
tooling="$here/tooling"

LIB_NAME=run-tooling
LIB_TMP_NAME=rapport-tooling
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl

server_env=()
for setting in ${TOOLING_SERVER_ENV:-}; do
  [[ "$setting" =~ ^RAPPORT_[A-Z0-9_]+=.*$ ]] \
    || die "TOOLING_SERVER_ENV: '$setting' is not a RAPPORT_NAME=VALUE setting"
  server_env+=("$setting")
done
((${#server_env[@]} == 0)) || log "the server gets, from TOOLING_SERVER_ENV: ${server_env[*]}"

lib_scrub_env

# Always `npm ci`: the lock file pins every package, and a missing npm or an
# unreachable registry fails the check instead of skipping it.
log "installing graphql-codegen and relay-compiler (npm ci in tests/conformance/tooling)"
(cd "$tooling" && npm ci --no-audit --no-fund --loglevel=error) \
  || die "'npm ci' failed in $tooling (is the npm registry reachable?)"

lib_build
lib_start_server "${server_env[@]}"

graphql_url="http://127.0.0.1:$port/graphql"

log "graphql-codegen: introspecting $graphql_url, generating types for tooling/operations"
codegen_out="$tmp/codegen/operations.ts"
(cd "$tooling" \
  && RAPPORT_GRAPHQL_URL="$graphql_url" RAPPORT_TOKEN="$token" RAPPORT_CODEGEN_OUT="$codegen_out" \
    ./node_modules/.bin/graphql-codegen --config codegen.cjs) \
  || die "graphql-codegen failed against the live endpoint $graphql_url"
[[ -s "$codegen_out" ]] || die "graphql-codegen wrote no types to $codegen_out"
for name in ContactsListQuery AccountPageQuery CreateContactMutation AppShellQuery ContactRowFragment; do
  grep -q "export type $name\b" "$codegen_out" \
    || die "graphql-codegen's output has no type $name"
done
log "graphql-codegen: ok ($(wc -l <"$codegen_out") lines of types)"

log "relay-compiler: compiling tooling/relay/src against GET /graphql/schema.graphql"
relay_dir="$tmp/relay"
cp -R "$tooling/relay" "$relay_dir"
mkdir -p "$relay_dir/src/__generated__"
curl -sS --fail-with-body --max-time 30 -H "Authorization: Bearer $token" \
  -o "$relay_dir/schema.graphql" "$graphql_url/schema.graphql" \
  || die "GET $graphql_url/schema.graphql failed"
grep -q '^type Query' "$relay_dir/schema.graphql" \
  || die "GET $graphql_url/schema.graphql did not return the SDL"
(cd "$relay_dir" && "$tooling/node_modules/.bin/relay-compiler" --noWatchman --output quiet-with-errors) \
  || die "relay-compiler failed against the served SDL"
artifacts="$(find "$relay_dir/src/__generated__" -name '*.graphql.ts' 2>/dev/null | wc -l)"
((artifacts >= 5)) || die "relay-compiler wrote $artifacts artifacts, expected 5"
log "relay-compiler: ok ($artifacts artifacts)"

log "GraphQL tooling: ok"
