#!/usr/bin/env bash
# List latency against data size, on PostgreSQL: the first page of contacts with and without
# totalCount, and a filtered list (contacts of CLIENT accounts whose name contains "first12").
#
#   bash tests/benches/list_scale/run.sh [RAPPORT_BINARY] [SIZES...]
#   (defaults: target/release/rapport; 10000 100000 1000000)
#
# Method. For each size (contacts; one account per 50 contacts, one account in four a client)
# it creates a database `rapport_bench_scale_<size>` on PG_URL (default
# postgres://postgres@127.0.0.1:5432), migrates it with `rapport migrate`, fills it with
# `generate_series` (not through the API), runs VACUUM ANALYZE, and starts one `rapport serve`
# per size. Then ROUNDS rounds (default 5): in each, every query on every size in turn, N
# sequential requests (default 50, after 10 warm-up ones) over one keep-alive connection
# (latency.py), p50 per round. The summary gives, per size and query, the median of the
# rounds' p50s, and its ratio to the smallest size. Interleaving puts every size under the
# same background load. Databases are dropped at the end unless KEEP=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${1:-target/release/rapport}"
shift || true
sizes=("$@")
((${#sizes[@]})) || sizes=(10000 100000 1000000)
PG="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
N="${N:-50}"
ROUNDS="${ROUNDS:-5}"
out="$(mktemp)"
psql_() { psql -q -v ON_ERROR_STOP=1 "$PG/$1" -c "$2"; }
servers=()
cleanup() { for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done; }
trap cleanup EXIT

port_of() { echo $((18400 + ${#1})); }  # one port per size (by its number of digits)
declare -A tokens
for size in "${sizes[@]}"; do
  db="rapport_bench_scale_$size"
  accounts=$((size / 50))
  psql_ postgres "DROP DATABASE IF EXISTS $db" 2>/dev/null
  psql_ postgres "CREATE DATABASE $db"
  export DATABASE_URL="$PG/$db" RAPPORT_DATA_DIR="$(mktemp -d)"
  export RAPPORT_LOG__FILTER=warn RAPPORT_RATE_LIMIT__ENABLED=false
  export RAPPORT_HTTP__PORT="$(port_of "$size")"
  "$bin" migrate >/dev/null
  started=$SECONDS
  psql_ "$db" "INSERT INTO accounts (name, name_key, kind, relationship, account_manager_id,
      acquisition_channel, status, version, created_at, updated_at)
    SELECT 'Account ' || g, 'account ' || g, 'ORGANIZATION',
      CASE WHEN g % 4 = 0 THEN 'CLIENT' ELSE 'CUSTOMER' END,
      CASE WHEN g % 4 = 0 THEN (SELECT min(id) FROM team_members) END,
      'DIRECT', 'ACTIVE', 1, now(), now()
    FROM generate_series(1, $accounts) g"
  psql_ "$db" "INSERT INTO contacts (account_id, first_name, last_name, email, email_key, phones,
      email_consent, tags, custom_fields, search_text, version, created_at, updated_at,
      first_name_key, last_name_key)
    SELECT a.id, 'First' || g, 'Last' || g, 'p' || g || '@example.com', 'p' || g || '@example.com',
      '[]', 'NONE', '[]', '[]', 'first' || g || ' last' || g || ' p' || g || '@example.com',
      1, now(), now(), 'first' || g, 'last' || g
    FROM generate_series(1, $size) g
    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM accounts) a
      ON a.k = g % $accounts"
  psql_ "$db" "VACUUM ANALYZE"
  echo "# $size contacts, $accounts accounts: generated in $((SECONDS - started)) s" >&2
  "$bin" serve >/dev/null 2>&1 &
  servers+=($!)
  for _ in $(seq 150); do
    curl -sf "http://127.0.0.1:$RAPPORT_HTTP__PORT/healthz" >/dev/null && break
    sleep 0.2
  done
  tokens[$size]="$("$bin" token)"
done

page='contacts(first: 50) { edges { node { id firstName lastName email } } }'
filter='filter: {search: "first12", account: {relationshipType: CLIENT}}'
filtered="contacts(first: 50, $filter) { edges { node { id firstName } } }"
queries=(
  "page|{ $page }"
  "page+totalCount|{ c: contacts { totalCount } $page }"
  "page+totalCount by COUNT(*)|{ c: contacts(filter: {search: \" \"}) { totalCount } $page }"
  "page+CLIENT totalCount|{ c: contacts(filter: {account: {relationshipType: CLIENT}}) { totalCount } $page }"
  "filtered|{ $filtered }"
  "filtered+totalCount|{ c: contacts($filter) { totalCount } $filtered }"
  "filtered+totalCount(exact:false)|{ c: contacts($filter) { totalCount(exact: false) } $filtered }"
)
# The COUNT(*) row reproduces the count as it ran before the maintained counts: a blank
# search matches every row but is not "no filter", so the store counts the rows.
for round in $(seq "$ROUNDS"); do
  for q in "${queries[@]}"; do
    for size in "${sizes[@]}"; do
      python3 "$here/latency.py" "http://127.0.0.1:$(port_of "$size")/graphql" "${tokens[$size]}" \
        "$N" 10 "$round	$size	${q%%|*}" "${q#*|}" | tee -a "$out"
    done
  done
done

python3 - "$out" "${sizes[0]}" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
counts = {}
for line in open(sys.argv[1]):
    rnd, size, query, p50, p90, n, count = line.rstrip("\n").split("\t")
    rows[(query, int(size))].append(float(p50.split("=")[1]))
    counts[(query, int(size))] = count.split("=")[1]
base = int(sys.argv[2])
print("\n| query | contacts | p50 ms (median of rounds) | × smallest | rounds' p50 min–max | totalCount |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for (query, size), ps in rows.items():
    med = statistics.median(ps)
    ratio = med / statistics.median(rows[(query, base)])
    print(f"| {query} | {size:,} | {med:.2f} | {ratio:.2f} | {min(ps):.2f}–{max(ps):.2f} | {counts[(query, size)]} |")
PY
if [[ "${KEEP:-}" != 1 ]]; then
  cleanup
  sleep 1
  for size in "${sizes[@]}"; do psql_ postgres "DROP DATABASE IF EXISTS rapport_bench_scale_$size"; done
fi
