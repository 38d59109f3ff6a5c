#!/usr/bin/env bash
# Builds the `rapport` binary, starts it on a fresh SQLite database in a temp
# directory on a free port, and runs the GraphQL-over-HTTP audit (audit.mjs)
# against it. Exits non-zero when a MUST audit fails; prints the server log then.
#
# Usage (from anywhere): bash tests/conformance/run-audit.sh
# Needs: cargo, node (>= 18), npm, python3, curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

HEALTH_TIMEOUT_SECS="${AUDIT_HEALTH_TIMEOUT_SECS:-60}"
SERVER_LOG_LINES=300

log() { printf 'run-audit: %s\n' "$*"; }
die() { printf 'run-audit: error: %s\n' "$*" >&2; exit 1; }

for tool in cargo node npm python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed or not on PATH"
done

# The server must run on the temp database and nothing else: settings left in
# the caller's environment (a developer's RAPPORT_DATABASE__URL, say) would
# otherwise point the audit, and `migrate`, at a real database.
while IFS= read -r name; do
  log "ignoring $name from the environment"
  unset "$name"
done < <(compgen -e | grep '^RAPPORT_' || true)

log "building the rapport binary"
cargo build --locked -p rapport-api --bin rapport

target_dir="${CARGO_TARGET_DIR:-target}"
[[ "$target_dir" = /* ]] || target_dir="$root/$target_dir"
bin="$target_dir/debug/rapport"
[[ -x "$bin" ]] || die "built binary not found at $bin"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/rapport-audit.XXXXXX")"
server_log="$(mktemp "${TMPDIR:-/tmp}/rapport-audit-server.XXXXXX.log")"
server_pid=""

show_server_log() {
  [[ -s "$server_log" ]] || { log "the server wrote no log"; return 0; }
  local total
  total="$(wc -l <"$server_log")"
  if ((total > SERVER_LOG_LINES)); then
    log "server log (last $SERVER_LOG_LINES of $total lines, migrate and token included):"
  else
    log "server log (migrate and token included):"
  fi
  tail -n "$SERVER_LOG_LINES" "$server_log" | sed 's/^/  | /'
}

stop_server() {
  [[ -n "$server_pid" ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # Give graceful shutdown ten seconds, then insist.
    for _ in $(seq 1 20); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      log "server did not stop on TERM; killing it"
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

cleanup() {
  local status=$?
  stop_server
  if [[ $status -ne 0 ]]; then
    show_server_log
  fi
  rm -rf "$tmp" "$server_log"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
[[ "$port" =~ ^[0-9]+$ ]] || die "could not pick a free port (got '$port')"
log "data dir $tmp, port $port"

log "migrating a fresh database"
RAPPORT_DATA_DIR="$tmp" RAPPORT_HTTP__PORT="$port" "$bin" migrate >>"$server_log" 2>&1 \
  || die "'rapport migrate' failed"

log "minting a token for bootstrap-admin"
# stdout carries only the JWT; anything the command logs goes to the log file.
token="$(RAPPORT_DATA_DIR="$tmp" "$bin" token --subject bootstrap-admin 2>>"$server_log")" \
  || die "'rapport token --subject bootstrap-admin' failed"
token="$(printf '%s' "$token" | tr -d '[:space:]')"
[[ "$token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$ ]] \
  || die "'rapport token' did not print a JWT on stdout (got ${#token} characters)"

log "starting the server"
RAPPORT_DATA_DIR="$tmp" RAPPORT_HTTP__PORT="$port" "$bin" serve >>"$server_log" 2>&1 &
server_pid=$!

health_url="http://127.0.0.1:$port/healthz"
deadline=$((SECONDS + HEALTH_TIMEOUT_SECS))
until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$health_url" || true)" == "200" ]]; do
  kill -0 "$server_pid" 2>/dev/null || die "the server exited before $health_url answered 200"
  ((SECONDS < deadline)) || die "$health_url did not answer 200 within ${HEALTH_TIMEOUT_SECS}s"
  sleep 0.5
done
log "server is up"

if [[ ! -d "$here/node_modules/graphql-http" ]]; then
  log "installing the audit's npm packages (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund)
fi

log "running the audit"
node "$here/audit.mjs" "http://127.0.0.1:$port/graphql" "$token"
