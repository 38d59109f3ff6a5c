#!/usr/bin/env bash
# Builds the `rapport` binary, starts it on a fresh SQLite database in a temp directory on a
# free port, downloads the SDL it serves (GET /graphql/schema.graphql) and checks it twice:
#   1. graphql-schema-linter with the rules chosen in schema/graphql-schema-linter.config.js
#      (every description rule on): any warning fails;
#   2. breaking changes against the committed baseline api/schema.graphql
#      (schema/breaking.mjs, graphql-js's findBreakingChanges): any breaking change fails and
#      is listed; dangerous changes are listed and pass; other differences pass with a
#      reminder to refresh the baseline.
#
# Usage (from anywhere):
#   bash tests/conformance/run-schema.sh            # the CI check
#   bash tests/conformance/run-schema.sh --accept   # lint, then write the served SDL to
#                                                   # api/schema.graphql (accepting whatever
#                                                   # changed, breaking or not)
# After --accept, commit api/schema.graphql in a commit whose message says why the change is
# acceptable (for a breaking change: which clients are affected and what they must do).
#
# Needs: cargo, node (>= 18), npm (and the npm registry, for `npm ci`), python3, curl. A
# missing tool fails the check; it never skips.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
checks="$here/schema"
baseline="$root/api/schema.graphql"

accept=0
case "${1:-}" in
  "") ;;
  --accept) accept=1 ;;
  *) printf 'usage: bash tests/conformance/run-schema.sh [--accept]\n' >&2; exit 2 ;;
esac

LIB_NAME=run-schema
LIB_TMP_NAME=rapport-schema
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl
lib_scrub_env

# Always `npm ci`: the lock file pins graphql-schema-linter and graphql, and a missing npm or
# an unreachable registry fails the check instead of skipping it.
log "installing graphql-schema-linter and graphql (npm ci in tests/conformance/schema)"
(cd "$checks" && npm ci --no-audit --no-fund --loglevel=error) \
  || die "'npm ci' failed in $checks (is the npm registry reachable?)"

lib_build
lib_start_server

served="$tmp/schema.graphql"
curl -sS --fail-with-body --max-time 30 -H "Authorization: Bearer $token" \
  -o "$served" "http://127.0.0.1:$port/graphql/schema.graphql" \
  || die "GET /graphql/schema.graphql failed"
grep -q '^type Query' "$served" || die "GET /graphql/schema.graphql did not return the SDL"
log "served SDL: $(wc -l <"$served") lines"

log "graphql-schema-linter (rules: schema/graphql-schema-linter.config.js)"
lint_out="$tmp/lint.txt"
lint_status=0
(cd "$checks" && ./node_modules/.bin/graphql-schema-linter -c "$checks" --format compact "$served") \
  >"$lint_out" 2>&1 || lint_status=$?
# The linter exits 1 on warnings; count them from its report rather than trusting the status.
warnings="$(grep -c "^$served:" "$lint_out" || true)"
if ((warnings > 0)); then
  sed "s|^$served:|schema.graphql:|" "$lint_out" | head -n 200
  die "graphql-schema-linter: $warnings warning(s) on the served SDL (0 allowed)"
fi
((lint_status == 0)) || { cat "$lint_out"; die "graphql-schema-linter failed (exit $lint_status)"; }
log "graphql-schema-linter: 0 warnings"

if ((accept)); then
  if [[ -f "$baseline" ]]; then
    node "$checks/breaking.mjs" "$baseline" "$served" || true
  fi
  cp "$served" "$baseline"
  log "wrote the served SDL to api/schema.graphql: commit it, saying why the change is acceptable"
  exit 0
fi

[[ -f "$baseline" ]] || die "no baseline at api/schema.graphql: create it with 'bash tests/conformance/run-schema.sh --accept'"
log "breaking changes against api/schema.graphql"
diff_status=0
node "$checks/breaking.mjs" "$baseline" "$served" || diff_status=$?
case "$diff_status" in
  0) ;;
  1) die "the served schema breaks clients written against api/schema.graphql (listed above). If that is intended, run 'bash tests/conformance/run-schema.sh --accept' and commit api/schema.graphql saying why" ;;
  *) die "could not compare the served schema with api/schema.graphql (breaking.mjs exit $diff_status)" ;;
esac
log "schema: ok"
