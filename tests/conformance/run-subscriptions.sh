#!/usr/bin/env bash
# Builds the `rapport` binary, starts it on a fresh SQLite database and checks GraphQL
# subscriptions over WebSocket with the graphql-ws client (protocol graphql-transport-ws,
# subscriptions/check.mjs): an account created over HTTP reaches a subscribed admin; a
# partner's client does not receive another partner's account's event; a bad token is
# refused (4403); revoking a connected client's token disconnects it within seconds.
#
# Events flow only once published. When the binary has no `relay` command yet, a stand-in
# publisher (python3, sqlite3) publishes the outbox's pending rows every 100 ms as the relay
# would (assigning `seq` in id order); with a relay it is not started.
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

publisher_pid=""
if "$bin" --help | grep -qE '^\s+relay\b'; then
  log "the binary has a relay: events are published by the server"
else
  log "no relay command in this binary: publishing pending outbox rows with a stand-in"
  python3 - "$tmp" <<'PY' &
import glob, os, sqlite3, sys, time
data_dir = sys.argv[1]
while True:
    dbs = glob.glob(os.path.join(data_dir, "*.db")) + glob.glob(os.path.join(data_dir, "*.sqlite"))
    if dbs:
        try:
            con = sqlite3.connect(dbs[0], timeout=5, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
            last = con.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()[0]
            for (row_id,) in con.execute("SELECT id FROM outbox WHERE seq IS NULL ORDER BY id").fetchall():
                last += 1
                con.execute("UPDATE outbox SET seq = ?, published_at = at WHERE id = ?", (last, row_id))
            con.execute("COMMIT")
            con.close()
        except sqlite3.Error as e:
            print(f"stand-in publisher: {e}", file=sys.stderr)
    time.sleep(0.1)
PY
  publisher_pid=$!
fi
stop_publisher() { [[ -n "$publisher_pid" ]] && kill "$publisher_pid" 2>/dev/null || true; }
trap 'stop_publisher; cleanup' EXIT

node "$subscriptions/check.mjs" "http://127.0.0.1:$port/graphql" "$token" \
  || die "subscriptions with the graphql-ws client failed"

log "subscriptions (graphql-ws): ok"
