#!/usr/bin/env bash
# List latency against data size, PostgreSQL: the first page of contacts with and without
# totalCount, and a filtered list (contacts of CLIENT accounts whose name contains a prefix).
#
#   bash tests/benches/list_scale/run.sh [RAPPORT_BINARY] [SIZES...]
#
# For each size (contacts; one account per 50 contacts, one in four a client) it creates a
# database `rapport_bench_scale_<size>` on PG_URL (default postgres://postgres@127.0.0.1:5432),
# migrates it with `rapport migrate`, fills it with `generate_series` (seconds, not the API),
# runs ANALYZE, starts `rapport serve` on it and times sequential requests over one
# keep-alive connection (latency.py: 30 warm-up requests, then N timed), p50 and p90.
# Databases are dropped at the end unless KEEP=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${1:-target/release/rapport}"
shift || true
sizes=("${@:-10000 100000 1000000}")
read -r -a sizes <<<"${sizes[*]}"
PG="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
N="${N:-200}"
port=18431
psql_() { psql -q -v ON_ERROR_STOP=1 "$PG/$1" -c "$2"; }

for size in "${sizes[@]}"; do
  db="rapport_bench_scale_$size"
  accounts=$((size / 50))
  psql_ postgres "DROP DATABASE IF EXISTS $db"
  psql_ postgres "CREATE DATABASE $db"
  export DATABASE_URL="$PG/$db" RAPPORT_DATA_DIR="$(mktemp -d)"
  export RAPPORT_LOG__FILTER=warn RAPPORT_RATE_LIMIT__ENABLED=false RAPPORT_HTTP__PORT=$port
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
  echo "# $size contacts, $accounts accounts: generated in $((SECONDS - started)) s"
  "$bin" serve >/dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  token="$("$bin" token)"
  url="http://127.0.0.1:$port/graphql"
  page='contacts(first: 50) { edges { node { id firstName lastName email } } }'
  filtered='contacts(first: 50, filter: {search: "first12", account: {relationshipType: CLIENT}}) { edges { node { id firstName } } }'
  run() { python3 "$here/latency.py" "$url" "$token" "$N" 30 "$size	$1" "$2"; }
  run "page" "{ $page }"
  run "page+totalCount" "{ c: contacts { totalCount } $page }"
  run "page+clients totalCount" "{ c: contacts(filter: {account: {relationshipType: CLIENT}}) { totalCount } $page }"
  run "filtered" "{ $filtered }"
  run "filtered+totalCount" "{ c: contacts(filter: {search: \"first12\", account: {relationshipType: CLIENT}}) { totalCount } $filtered }"
  run "filtered+totalCount(exact:false)" "{ c: contacts(filter: {search: \"first12\", account: {relationshipType: CLIENT}}) { totalCount(exact: false) } $filtered }"
  kill "$server"; wait "$server" 2>/dev/null || true
  trap - EXIT
  [[ "${KEEP:-}" == 1 ]] || psql_ postgres "DROP DATABASE $db"
done
