#!/usr/bin/env bash
# A Rapport fleet on one machine: three `rapport serve` and two `rapport worker` processes on
# one fresh PostgreSQL database, sharing RAPPORT_JWT__SECRET, driven round-robin, with one
# server and one worker SIGKILLed mid-load (tests/fleet/main.rs says what is checked).
#
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bash tests/fleet/run.sh
#
# The build comes first and is not timed; the run itself must end within FLEET_TIMEOUT_SECS
# (default 240). The output, with the requests each server answered, is kept in
# $FLEET_LOG (default target dir's fleet-run.log).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
timeout_secs="${FLEET_TIMEOUT_SECS:-240}"
target="${CARGO_TARGET_DIR:-$root/target}"
log="${FLEET_LOG:-$target/fleet-run.log}"

if ! command -v pg_isready >/dev/null 2>&1 || ! pg_isready -q -d "$TEST_DATABASE_URL"; then
  printf 'fleet: PostgreSQL at %s is not accepting connections; the fleet needs it\n' "$TEST_DATABASE_URL" >&2
  exit 1
fi

# Databases left by earlier fleet runs (each run makes its own).
if command -v psql >/dev/null 2>&1; then
  while IFS= read -r db; do
    [[ -n "$db" ]] || continue
    psql -q -d "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null || true
  done < <(psql -At -d "$TEST_DATABASE_URL" \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'rapport\_test\_fleet\_%'" 2>/dev/null || true)
fi

printf 'fleet: building the test and rapport-harness\n'
cargo test --locked -p rapport-tests --test fleet --no-run

mkdir -p "$(dirname "$log")"
printf 'fleet: running (at most %ss); output in %s\n' "$timeout_secs" "$log"
status=0
timeout --kill-after=10 "$timeout_secs" \
  cargo test --locked -p rapport-tests --test fleet -- --ignored --nocapture --test-threads 1 \
  2>&1 | tee "$log" || status=$?
if ((status == 124)); then
  printf 'fleet: timed out after %ss\n' "$timeout_secs" >&2
fi
exit "$status"
