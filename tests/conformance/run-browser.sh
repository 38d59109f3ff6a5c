#!/usr/bin/env bash
# Browser checks of Rapport in headless Chromium (Debian's `chromium`, installed
# by this script when missing; driven by puppeteer-core, pinned in browser/):
#
#   - CORS: the server allows one local origin (a node server on another port).
#     A page from that origin calls the API with a bearer token and reads the
#     answer; the same page from a second, not allowed, origin is blocked.
#   - GraphiQL offline: with no network but loopback (every host name fails to
#     resolve, every request is intercepted and must go to 127.0.0.1), the page
#     at /graphql#token=… renders, runs a query, opens the docs pane; the token
#     is not in localStorage; the page's Content-Security-Policy is not violated.
#     A screenshot is saved (BROWSER_ARTIFACTS, default a temp dir; path printed).
#
# GraphiQL's bundles are built first (api/graphiql/build.sh) so that the binary
# serves them itself. Fails, never skips: a missing Chromium, npm or registry
# fails the check, naming what is missing.
#
# Usage (from anywhere): bash tests/conformance/run-browser.sh
# Needs: cargo, node (>= 18), npm (and the npm registry), python3, curl; Chromium
# or the right to install it (root or passwordless sudo, apt-get).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
browser_dir="$here/browser"

LIB_NAME=run-browser
LIB_TMP_NAME=rapport-browser
# shellcheck source=tests/conformance/lib.sh
source "$here/lib.sh"

lib_require_tools cargo node npm python3 curl
lib_scrub_env
lib_ensure_chromium

log "building GraphiQL's bundles for the binary to serve (api/graphiql/build.sh)"
bash api/graphiql/build.sh || die "api/graphiql/build.sh failed"

log "installing puppeteer-core (npm ci in tests/conformance/browser)"
(cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error) \
  || die "'npm ci' failed in $browser_dir (is the npm registry reachable?)"

lib_build

allowed_port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
[[ "$allowed_port" =~ ^[0-9]+$ ]] || die "could not pick a free port for the frontend origin"
allowed_origin="http://127.0.0.1:$allowed_port"
log "the frontend origin the server allows: $allowed_origin"
lib_start_server RAPPORT_HTTP__CORS_ALLOWED_ORIGINS="$allowed_origin"

artifacts="${BROWSER_ARTIFACTS:-$(mktemp -d "${TMPDIR:-/tmp}/rapport-browser-artifacts.XXXXXX")}"
node "$browser_dir/check.mjs" \
  --chromium "$chromium_bin" \
  --api "http://127.0.0.1:$port" \
  --token "$token" \
  --allowed-port "$allowed_port" \
  --artifacts "$artifacts" \
  || die "the browser checks failed (screenshot and details above)"
log "browser checks: ok (artifacts in $artifacts)"
