# Shared by run-audit.sh and run-tooling.sh: builds the `rapport` binary, starts
# it on a fresh SQLite database in a temp directory on a free port with a token
# for bootstrap-admin, and stops it cleanly on exit (printing the server log
# when the script fails).
#
# Source it after setting:
#   LIB_NAME      the prefix of every log line (the script's name)
#   LIB_TMP_NAME  the prefix of the temp directory and log file
#   root          the repository root (the current directory)
# then call, in order: lib_require_tools TOOL..., lib_scrub_env, lib_build,
# lib_start_server [NAME=VALUE...]. lib_start_server sets `port`, `token` and
# `server_pid`; extra NAME=VALUE pairs go to `rapport serve` only.
# shellcheck shell=bash

HEALTH_TIMEOUT_SECS="${AUDIT_HEALTH_TIMEOUT_SECS:-60}"
SERVER_LOG_LINES=300

log() { printf '%s: %s\n' "$LIB_NAME" "$*"; }
die() { printf '%s: error: %s\n' "$LIB_NAME" "$*" >&2; exit 1; }

lib_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed or not on PATH"
  done
}

# The server must run on the temp database and nothing else: settings left in
# the caller's environment (a developer's RAPPORT_DATABASE__URL, say) would
# otherwise point the checks, and `migrate`, at a real database.
lib_scrub_env() {
  local name
  while IFS= read -r name; do
    log "ignoring $name from the environment"
    unset "$name"
  done < <(compgen -e | grep '^RAPPORT_' || true)
}

lib_build() {
  log "building the rapport binary"
  cargo build --locked -p rapport-api --bin rapport

  local target_dir="${CARGO_TARGET_DIR:-target}"
  [[ "$target_dir" = /* ]] || target_dir="$root/$target_dir"
  bin="$target_dir/debug/rapport"
  [[ -x "$bin" ]] || die "built binary not found at $bin"
}

tmp="$(mktemp -d "${TMPDIR:-/tmp}/$LIB_TMP_NAME.XXXXXX")"
server_log="$(mktemp "${TMPDIR:-/tmp}/$LIB_TMP_NAME-server.XXXXXX.log")"
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

lib_start_server() {
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
  env "$@" RAPPORT_DATA_DIR="$tmp" RAPPORT_HTTP__PORT="$port" "$bin" serve >>"$server_log" 2>&1 &
  server_pid=$!

  local health_url="http://127.0.0.1:$port/healthz"
  local deadline=$((SECONDS + HEALTH_TIMEOUT_SECS))
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$health_url" || true)" == "200" ]]; do
    kill -0 "$server_pid" 2>/dev/null || die "the server exited before $health_url answered 200"
    ((SECONDS < deadline)) || die "$health_url did not answer 200 within ${HEALTH_TIMEOUT_SECS}s"
    sleep 0.5
  done
  log "server is up"
}

# Browser checks (CORS, GraphiQL) drive Debian's Chromium headless. Sets
# `chromium_bin`. Installs the `chromium` package when it is missing and this
# user may (root, or passwordless sudo); otherwise, or when the install fails,
# the check fails naming what is missing. Never skips.
lib_ensure_chromium() {
  chromium_bin="${CHROMIUM_BIN:-$(command -v chromium || true)}"
  if [[ -z "$chromium_bin" ]]; then
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then
      sudo -n true 2>/dev/null || die "Chromium is not installed and this user cannot install it: run 'apt-get install chromium' (Debian) or set CHROMIUM_BIN"
      sudo=(sudo -n)
    fi
    log "Chromium is missing: installing Debian's chromium package"
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$server_log" 2>&1; then
      "${sudo[@]}" apt-get update >>"$server_log" 2>&1 || true
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$server_log" 2>&1 \
        || die "could not install Debian's chromium package (apt-get failed; its output is in the server log below)"
    fi
    chromium_bin="$(command -v chromium || true)"
    [[ -n "$chromium_bin" ]] || die "the chromium package installed but no 'chromium' is on PATH"
  fi
  "$chromium_bin" --version >/dev/null 2>&1 || die "$chromium_bin does not run ('$chromium_bin --version' failed)"
  log "browser: $("$chromium_bin" --version 2>/dev/null)"
}
