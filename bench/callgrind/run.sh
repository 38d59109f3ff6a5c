#!/usr/bin/env bash
# Instructions per GraphQL request, counted by valgrind's callgrind: stable on a busy machine,
# where wall-clock timings are not. Serves the benchmark's list page (50 contacts with their
# account and the account's manager) and the single contact from a release build with line
# tables, against SQLite demo data, and prints the server's instructions per request.
#
#   bench/callgrind/run.sh [--bin PATH] [--requests N] [--contacts N] [--keep]
#
# --bin       a `rapport` binary to profile (default: build this tree's, release profile with
#             line tables, in $CARGO_TARGET_DIR or ./target)
# --requests  requests per query (default 40)
# --contacts  demo contacts (default 10000, over 200 accounts)
# --keep      keep the work folder (callgrind.out.* files for callgrind_annotate)
#
# Method: the server starts under callgrind with instrumentation off (start-up, migrations
# and demo data are not counted), answers 5 warm-up requests per query, then instrumentation
# is switched on for exactly N requests of one query, dumped, and switched off again. The
# figure is the dump's total instructions (Ir) divided by N: everything the server process
# did for those requests (HTTP, authentication, GraphQL, SQLite), with background work
# (scheduler, relay, sync worker) turned off. curl runs outside valgrind.
set -euo pipefail

BIN=""
REQUESTS=40
CONTACTS=10000
KEEP=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin) BIN="$2"; shift 2 ;;
        --requests) REQUESTS="$2"; shift 2 ;;
        --contacts) CONTACTS="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

for tool in valgrind callgrind_control curl; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install valgrind curl)" >&2; exit 1; }
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if [[ -z "$BIN" ]]; then
    (cd "$ROOT" && CARGO_PROFILE_RELEASE_DEBUG=line-tables-only \
        cargo build --release -p rapport-api --bin rapport >&2)
    BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/rapport"
fi

WORK="$(mktemp -d)"
PID=""
cleanup() {
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
    if [[ "$KEEP" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

PORT=$((20000 + RANDOM % 20000))
export RAPPORT_DATA_DIR="$WORK/data" RAPPORT_HTTP__PORT="$PORT" RAPPORT_HTTP__HOST=127.0.0.1 \
    RAPPORT_HTTP__WORKERS=1 RAPPORT_LOG__FILTER=warn RAPPORT_SCHEDULER__INTERVAL_SECS=0 \
    RAPPORT_SYNC__RUN_IN_SERVER=false RAPPORT_EVENTS__RELAY_IN_SERVER=false \
    RAPPORT_RATE_LIMIT__ADDRESS_BURST=1000000 RAPPORT_RATE_LIMIT__SUBJECT_BURST=1000000
unset DATABASE_URL RAPPORT_DATABASE_URL
mkdir -p "$RAPPORT_DATA_DIR"
"$BIN" migrate >/dev/null
"$BIN" demo-data --accounts 200 --contacts "$CONTACTS" >/dev/null
TOKEN="$("$BIN" token | tail -n 1)"

valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/callgrind.out.%p" \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 600); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.5
done

gql() {
    curl -fsS "http://127.0.0.1:$PORT/graphql" -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' -d "$1"
}

LIST='{"query":"{ contacts(first: 50) { edges { node { id firstName lastName email account { id name relationshipType accountManager { id name } } } } } }"}'
ID="$(gql '{"query":"{ contacts(first: 1) { nodes { id } } }"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')"
ONE="{\"query\":\"query(\$id: ID!) { contact(id: \$id) { id firstName lastName email account { id name relationshipType } } }\",\"variables\":{\"id\":\"$ID\"}}"
TYPENAME='{"query":"{ __typename }"}'

# Checks the answers before counting: a list page of 50 with accounts, one contact.
[[ "$(gql "$LIST" | grep -o '"relationshipType"' | wc -l)" == 50 ]] || { echo "the list page did not answer 50 contacts" >&2; exit 1; }
gql "$ONE" | grep -q '"account":{"id"' || { echo "the single contact did not answer" >&2; exit 1; }

DUMPS=0
measure() { # name body
    local name="$1" body="$2" out total
    for _ in 1 2 3 4 5; do gql "$body" >/dev/null; done
    callgrind_control --instr=on "$PID" >/dev/null 2>&1
    for _ in $(seq "$REQUESTS"); do gql "$body" >/dev/null; done
    callgrind_control --dump "$PID" >/dev/null 2>&1
    callgrind_control --instr=off "$PID" >/dev/null 2>&1
    DUMPS=$((DUMPS + 1))
    out="$WORK/callgrind.out.$PID.$DUMPS"
    # `totals:` (the `summary:` line is wrong once instrumentation is toggled).
    total="$(awk '/^totals:/ {print $2}' "$out")"
    printf '%-34s %14s Ir / %d = %12s Ir per request\n' "$name" "$total" "$REQUESTS" "$((total / REQUESTS))"
}

echo "rapport: $BIN"
echo "data: 200 accounts, $CONTACTS contacts (SQLite); $(date -u +%Y-%m-%dT%H:%MZ)"
measure "list page (50 contacts)" "$LIST"
measure "one contact with its account" "$ONE"
measure "{ __typename }" "$TYPENAME"
