#!/usr/bin/env bash
# Contract test of the Mailchimp provider: starts a Prism mock of Mailchimp's
# Marketing API spec on a free local port (Prism pinned by package-lock.json
# beside this script), runs the provider's real requests through it with the
# test required to run, and stops Prism. Exits non-zero on any violation, and
# when the spec, node or Prism is missing: the contract never passes unrun.
#
# Usage (from anywhere): bash integrations/mailchimp/contract/run.sh
# Needs: cargo, node (>= 18), npm, python3, curl, and the spec at
# ../shared/specs/mailchimp/ beside the repository (or MAILCHIMP_SPEC=<file>).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cd "$root"

PRISM_VERSION=5.16.0
START_TIMEOUT_SECS="${PRISM_START_TIMEOUT_SECS:-90}"
spec="${MAILCHIMP_SPEC:-$root/../shared/specs/mailchimp/marketing-api-3.0.85.openapi.json}"

log() { printf 'mailchimp-contract: %s\n' "$*"; }
die() { printf 'mailchimp-contract: error: %s\n' "$*" >&2; exit 1; }

for tool in cargo node npm python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "contract test cannot run: '$tool' is not installed or not on PATH"
done
[[ -f "$spec" ]] || die "contract test cannot run: the Mailchimp spec is missing at $spec"

# Prism's dependencies include a telemetry postinstall script: install without scripts.
export SCARF_ANALYTICS=false DO_NOT_TRACK=1
prism="$here/node_modules/.bin/prism"
if [[ ! -x "$prism" ]] || [[ "$("$prism" --version 2>/dev/null)" != "$PRISM_VERSION" ]]; then
  log "installing @stoplight/prism-cli $PRISM_VERSION (npm ci)"
  npm ci --prefix "$here" --ignore-scripts --no-audit --no-fund
fi
[[ "$("$prism" --version)" == "$PRISM_VERSION" ]] || die "Prism $PRISM_VERSION did not install"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
prism_log="$(mktemp "${TMPDIR:-/tmp}/mailchimp-prism.XXXXXX.log")"
prism_pid=""

cleanup() {
  local status=$?
  if [[ -n "$prism_pid" ]] && kill -0 "$prism_pid" 2>/dev/null; then
    kill -TERM "$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -s "$prism_log" ]]; then
    log "Prism log (last 60 lines):"
    tail -n 60 "$prism_log" | sed 's/^/  | /'
  fi
  rm -f "$prism_log"
}
trap cleanup EXIT

log "starting Prism $PRISM_VERSION on 127.0.0.1:$port with $spec"
"$prism" mock -h 127.0.0.1 -p "$port" --errors "$spec" >"$prism_log" 2>&1 &
prism_pid=$!

# Any HTTP answer (Prism says 404 to `/`) means it is listening.
deadline=$((SECONDS + START_TIMEOUT_SECS))
until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
  kill -0 "$prism_pid" 2>/dev/null || die "Prism exited before listening"
  ((SECONDS < deadline)) || die "Prism did not listen within ${START_TIMEOUT_SECS}s"
  sleep 0.5
done
log "Prism is up"

MAILCHIMP_PRISM_URL="http://127.0.0.1:$port" MAILCHIMP_CONTRACT_REQUIRED=1 \
  cargo test --locked -p rapport-mailchimp --test contract -- --include-ignored
