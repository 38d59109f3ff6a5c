#!/usr/bin/env bash
# Export speed and memory: `rapport export --kind contacts --format csv` (and the HTTP endpoint)
# against the databases' own CSV writers for the same columns, side by side in one run:
# `sqlite3 -csv` on SQLite, `psql \copy (...) to stdout csv` on PostgreSQL.
#
#   bench/export/run.sh [--contacts 1000000] [--accounts 1000] [--pg postgres://postgres@127.0.0.1:5432]
#                       [--only sqlite|postgres]
#
# RAPPORT_BIN=path picks the binary (default: target/release/rapport, else target/debug/rapport
# of $CARGO_TARGET_DIR). Prints one line per tool: rows, seconds, rows/s, peak RSS (from
# /usr/bin/time -v), and for the HTTP endpoint the server's peak RSS (VmHWM) before and after.
set -euo pipefail

contacts=1000000
accounts=1000
pg="postgres://postgres@127.0.0.1:5432"
only=""
while (($#)); do
    case "$1" in
    --contacts) contacts="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --pg) pg="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
for tool in sqlite3 psql curl /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing: $tool (apt-get install sqlite3 postgresql-client curl time)" >&2; exit 1; }
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${RAPPORT_BIN:-}"
unset RAPPORT_BIN # every RAPPORT_* variable is a setting to the binary
export RAPPORT_LOG__FILTER=warn
if [[ -z "$bin" ]]; then
    if [[ -x "$target/release/rapport" ]]; then bin="$target/release/rapport"; else bin="$target/debug/rapport"; fi
fi
[[ -x "$bin" ]] || { echo "no rapport binary at $bin (cargo build --release)" >&2; exit 1; }
echo "binary: $bin; contacts: $contacts; accounts: $accounts; nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"

work="$(mktemp -d)"
server=""
cleanup() {
    [[ -n "$server" ]] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

columns="id, account_id, first_name, last_name, email, phones, job_role, email_consent, tags, custom_fields, erased_at, created_at, updated_at"

# measure LABEL ROWS OUTFILE -- command...: runs it under /usr/bin/time -v, prints one line.
measure() {
    local label="$1" rows="$2" out="$3"
    shift 4
    /usr/bin/time -v -o "$work/time" "$@" >"$out" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
    local secs rss
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    printf '%-34s %9d rows %8.2f s %10.0f rows/s  peak RSS %7.1f MiB  %s bytes\n' \
        "$label" "$rows" "$secs" "$(echo "$rows / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(stat -c %s "$out")"
}

# http_export LABEL ROWS: the endpoint through curl, with the server's VmHWM around it.
http_export() {
    local label="$1" rows="$2" port=$((20000 + RANDOM % 20000))
    RAPPORT_HTTP__PORT=$port "$bin" serve >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
    local token before after
    token=$("$bin" token)
    before=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    measure "$label" "$rows" "$work/http.csv" -- curl -fsS -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/export/contacts.csv"
    after=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    printf '%-34s server peak RSS before %.1f MiB, after the export %.1f MiB\n' "" \
        "$(echo "$before / 1024" | bc -l)" "$(echo "$after / 1024" | bc -l)"
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

# seed: fills the database of the current settings with demo data; on failure, says why.
seed() {
    "$bin" demo-data --accounts "$accounts" --contacts "$contacts" >"$work/seed.log" 2>&1 \
        || { echo "rapport demo-data failed:" >&2; grep -v 'contacts written' "$work/seed.log" | tail -40 >&2; return 1; }
    tail -1 "$work/seed.log"
}

if [[ "$only" != "postgres" ]]; then
    export RAPPORT_DATA_DIR="$work/sqlite"
    unset DATABASE_URL
    echo "== SQLite: seeding $contacts contacts"
    seed
    db="$RAPPORT_DATA_DIR/rapport.db"
    measure "sqlite3 -csv (same columns)" "$contacts" "$work/sqlite3.csv" -- \
        sqlite3 -csv "$db" "SELECT $columns FROM contacts ORDER BY id"
    measure "rapport export (SQLite)" "$contacts" "$work/rapport.csv" -- \
        "$bin" export --kind contacts --format csv
    http_export "GET /export/contacts.csv (SQLite)" "$contacts"
    unset RAPPORT_DATA_DIR
fi

if [[ "$only" != "sqlite" ]]; then
    name="rapport_bench_export_$$"
    psql "$pg/postgres" -qc "CREATE DATABASE $name" >/dev/null
    export DATABASE_URL="$pg/$name"
    export RAPPORT_DATA_DIR="$work/pg"
    echo "== PostgreSQL: seeding $contacts contacts"
    seed
    measure "psql \\copy ... csv (same columns)" "$contacts" "$work/psql.csv" -- \
        psql "$DATABASE_URL" -qc "\\copy (SELECT $columns FROM contacts ORDER BY id) TO STDOUT CSV"
    measure "rapport export (PostgreSQL)" "$contacts" "$work/rapport-pg.csv" -- \
        "$bin" export --kind contacts --format csv
    http_export "GET /export/contacts.csv (PostgreSQL)" "$contacts"
    unset DATABASE_URL RAPPORT_DATA_DIR
    psql "$pg/postgres" -qc "DROP DATABASE $name" >/dev/null
fi
