#!/usr/bin/env bash
# Resident memory of `rapport serve` on SQLite demo data: idle (1 s after its first 200) and
# after a load of list pages, for comparing builds (an allocator, a release against another).
#
#   bench/rss/run.sh --bin PATH [--contacts N] [--secs S] [--starts N]
#
# --bin       the `rapport` binary (required: build it first)
# --contacts  demo contacts over 200 accounts (default 10000)
# --secs      seconds of load (default 10): wrk, 2 threads × 32 connections, on the list page
#             of 50 contacts with their account and its manager (the peer benchmark's)
# --starts    fresh starts whose idle RSS is taken (default 5; the median is printed)
#
# Settings as the peer benchmark runs Rapport: `RAPPORT_LOG__FILTER=warn`, rate limit off,
# background work (scheduler, sync, relay) off.
set -euo pipefail

BIN=""
CONTACTS=10000
SECS=10
STARTS=5
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin) BIN="$2"; shift 2 ;;
        --contacts) CONTACTS="$2"; shift 2 ;;
        --secs) SECS="$2"; shift 2 ;;
        --starts) STARTS="$2"; shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[[ -n "$BIN" ]] || { echo "--bin PATH is required" >&2; exit 2; }
for tool in wrk curl; do
    command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install wrk curl)" >&2; exit 1; }
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d)"
PID=""
stop() {
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill "$PID"; wait "$PID" 2>/dev/null || true; fi
    PID=""
}
trap 'stop; rm -rf "$WORK"' EXIT

PORT=$((20000 + RANDOM % 20000))
export RAPPORT_DATA_DIR="$WORK/data" RAPPORT_HTTP__PORT="$PORT" RAPPORT_HTTP__HOST=127.0.0.1 \
    RAPPORT_LOG__FILTER=warn RAPPORT_SCHEDULER__INTERVAL_SECS=0 \
    RAPPORT_SYNC__RUN_IN_SERVER=false RAPPORT_EVENTS__RELAY_IN_SERVER=false \
    RAPPORT_RATE_LIMIT__ADDRESS_BURST=1000000 RAPPORT_RATE_LIMIT__SUBJECT_BURST=1000000
unset DATABASE_URL RAPPORT_DATABASE_URL
mkdir -p "$RAPPORT_DATA_DIR"
"$BIN" migrate >/dev/null
"$BIN" demo-data --accounts 200 --contacts "$CONTACTS" >/dev/null
TOKEN="$("$BIN" token | tail -n 1)"

rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }
start() {
    "$BIN" serve >"$WORK/server.log" 2>&1 &
    PID=$!
    for _ in $(seq 200); do
        curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
        sleep 0.05
    done
    echo "the server did not answer /healthz" >&2
    exit 1
}

idle=()
for _ in $(seq "$STARTS"); do
    start
    sleep 1
    idle+=("$(rss_mb "$PID")")
    stop
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR + 1) / 2)]}'; }

start
sleep 1
printf '%s' '{"query":"{ contacts(first: 50) { edges { node { id firstName lastName email account { id name relationshipType accountManager { id name } } } } } }"}' >"$WORK/list.json"
PEER_BODY="$WORK/list.json" PEER_TOKEN="$TOKEN" \
    wrk -t2 -c32 -d"${SECS}s" -s "$ROOT/bench/peer/post.lua" "http://127.0.0.1:$PORT/graphql" \
    | grep '^PEER' >"$WORK/wrk.txt"
after="$(rss_mb "$PID")"
stop

echo "rapport: $BIN"
echo "data: 200 accounts, $CONTACTS contacts (SQLite); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "idle RSS 1 s after the first 200, median of $STARTS starts: $(median "${idle[@]}") MB (each: ${idle[*]})"
echo "RSS after ${SECS} s of list pages (wrk -t2 -c32): $after MB ($(cat "$WORK/wrk.txt"))"
