#!/usr/bin/env bash
# Import speed: `rapport import --kind contacts` of a CSV file against the database's own bulk
# path for the same rows, side by side in one run:
#   SQLite:     one transaction of prepared inserts (Python's sqlite3 module, executemany) into
#               a second database migrated the same way;
#   PostgreSQL: `psql \copy contacts (...) FROM file CSV` into a second database.
# Both paths write the same contact rows (same columns, as the import stores them). The bulk
# path writes only those rows; the import also checks each row, matches it, and writes its
# audit row, its outbox event and its sync jobs: that is the difference measured.
#
#   bench/import/run.sh [--rows 100000] [--pg postgres://postgres@127.0.0.1:5432]
#                       [--only sqlite|postgres]
#
# RAPPORT_BIN=path picks the binary (default: target/release/rapport, else target/debug/rapport
# of $CARGO_TARGET_DIR). Prints one line per path (rows, seconds, rows/s) and the ratio
# import / bulk for each database.
set -euo pipefail

rows=100000
pg="postgres://postgres@127.0.0.1:5432"
only=""
while (($#)); do
    case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --pg) pg="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
for tool in python3 psql bc; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${RAPPORT_BIN:-}"
unset RAPPORT_BIN # every RAPPORT_* variable is a setting to the binary
if [[ -z "$bin" ]]; then
    if [[ -x "$target/release/rapport" ]]; then bin="$target/release/rapport"; else bin="$target/debug/rapport"; fi
fi
[[ -x "$bin" ]] || { echo "no rapport binary at $bin (cargo build --release)" >&2; exit 1; }
echo "binary: $bin; rows: $rows; nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"

work="$(mktemp -d)"
pg_dbs=()
cleanup() {
    for db in "${pg_dbs[@]}"; do psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export RAPPORT_LOG__FILTER=warn

# The same rows twice: the import's CSV, and the bulk path's CSV of stored columns.
python3 - "$rows" "$work" <<'PY'
import csv, sys
n, work = int(sys.argv[1]), sys.argv[2]
now = "2026-12-07T12:00:00+00:00"
with open(f"{work}/contacts.csv", "w", newline="") as a, open(f"{work}/bulk.csv", "w", newline="") as b:
    ours, bulk = csv.writer(a), csv.writer(b)
    ours.writerow(["external_id", "account_external_id", "first_name", "last_name", "email"])
    for i in range(1, n + 1):
        first, last, email = f"First{i}", f"Last{i}", f"person{i}@bench.test"
        ours.writerow([f"C{i}", "A1", first, last, email])
        bulk.writerow([1, first, last, email, email, "[]", "NONE", "[]", "[]",
                       f"{first} {last} {email}".lower(), 1, now, now, first.lower(), last.lower(),
                       "bench", f"C{i}"])
with open(f"{work}/accounts.csv", "w") as f:
    f.write("external_id,name\nA1,Bench Ltd\n")
PY
columns="account_id, first_name, last_name, email, email_key, phones, email_consent, tags, custom_fields, search_text, version, created_at, updated_at, first_name_key, last_name_key, external_source, external_id"

# timed LABEL command...: runs it, prints rows, seconds, rows/s; leaves the seconds in $secs.
secs=0
timed() {
    local label="$1"
    shift
    local start end
    start=$(date +%s.%N)
    "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; return 1; }
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc -l)
    printf '%-40s %8d rows %8.2f s %10.0f rows/s\n' "$label" "$rows" "$secs" "$(echo "$rows / $secs" | bc -l)"
}

# side_by_side DB: prepares two databases, runs the bulk path and the import, prints the ratio.
side_by_side() {
    local db="$1" bulk_secs import_secs
    "$bin" migrate >"$work/out" 2>&1 || { cat "$work/out" >&2; return 1; }
    "$bin" import --kind accounts --source bench "$work/accounts.csv" 2>&1 | tail -1
    if [[ "$db" == sqlite ]]; then
        local bulk_db="$work/bulk-sqlite/rapport.db"
        RAPPORT_DATA_DIR="$work/bulk-sqlite" "$bin" migrate >/dev/null 2>&1
        RAPPORT_DATA_DIR="$work/bulk-sqlite" "$bin" import --kind accounts --source bench "$work/accounts.csv" >/dev/null 2>&1
        timed "bulk: one transaction of prepared inserts" python3 - "$bulk_db" "$work/bulk.csv" "$columns" <<'PY'
import csv, sqlite3, sys
db, path, columns = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect(db, isolation_level=None)
marks = ", ".join("?" for _ in columns.split(","))
with open(path, newline="") as f:
    rows = csv.reader(f)
    con.execute("BEGIN")
    con.executemany(f"INSERT INTO contacts ({columns}) VALUES ({marks})", rows)
    con.execute("COMMIT")
PY
    else
        timed "bulk: psql \\copy ... FROM csv" psql "$bulk_url" -v ON_ERROR_STOP=1 -qc \
            "\\copy contacts ($columns) FROM '$work/bulk.csv' CSV"
    fi
    bulk_secs=$secs
    # Files over imports.background_bytes run as an import job (in this process, to its end):
    # timed end to end either way; say which.
    local size limit="${RAPPORT_IMPORTS__BACKGROUND_BYTES:-8388608}"
    size=$(stat -c %s "$work/contacts.csv")
    if ((limit > 0 && size > limit)); then
        echo "mode: import job (file $size bytes > imports.background_bytes $limit)"
    else
        echo "mode: in the foreground (file $size bytes <= imports.background_bytes $limit)"
    fi
    timed "rapport import --kind contacts ($db)" "$bin" import --kind contacts --source bench "$work/contacts.csv"
    import_secs=$secs
    tail -1 "$work/out"
    printf '%-40s %.2f (import rows/s / bulk rows/s; the target is at least 0.33)\n' "ratio ($db)" \
        "$(echo "$bulk_secs / $import_secs" | bc -l)"
}

if [[ "$only" != "postgres" ]]; then
    echo "== SQLite"
    export RAPPORT_DATA_DIR="$work/sqlite"
    unset DATABASE_URL RAPPORT_DATABASE_URL
    side_by_side sqlite
    unset RAPPORT_DATA_DIR
fi

if [[ "$only" != "sqlite" ]]; then
    echo "== PostgreSQL"
    ours="rapport_bench_import_$$"
    theirs="rapport_bench_bulk_$$"
    pg_dbs=("$ours" "$theirs")
    psql "$pg/postgres" -qc "CREATE DATABASE $ours" >/dev/null
    psql "$pg/postgres" -qc "CREATE DATABASE $theirs" >/dev/null
    export RAPPORT_DATA_DIR="$work/pg"
    bulk_url="$pg/$theirs"
    DATABASE_URL="$bulk_url" "$bin" migrate >/dev/null 2>&1
    DATABASE_URL="$bulk_url" "$bin" import --kind accounts --source bench "$work/accounts.csv" >/dev/null 2>&1
    export DATABASE_URL="$pg/$ours"
    side_by_side postgres
    unset DATABASE_URL RAPPORT_DATA_DIR
fi
