#!/usr/bin/env bash
# Reads measured against PostGraphile 4 on the same PostgreSQL and the same data.
#
#   bench/peer/run.sh --contacts 10000 [--rounds 5 --secs 15 --conns 32] [--previous <git ref>]
#   bench/peer/run.sh --contacts 10000 --pool-sizes 4,8,16,24,32   # Rapport's pool, list page
#
# Builds Rapport (release), installs PostGraphile 4 from npm into ~/.cache/rapport-bench (once),
# then hands over to peer.py. Every other option is passed through (see `peer.py --help`):
# --pg URL (default postgres://postgres@127.0.0.1:5432), --pg-log PATH, --accounts N,
# --pool-size N, --cold-starts N, --out FILE, --keep. RAPPORT_BIN=path skips the build;
# PREVIOUS_BIN=path (with --previous <name>) takes an already built previous release.
# See bench/peer/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rapport-bench"

missing=()
for tool in wrk psql node npm python3 cargo git; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
    echo "missing: ${missing[*]}" >&2
    echo "on Debian/Ubuntu: apt-get install wrk postgresql-client nodejs npm python3" >&2
    exit 1
fi

previous=""
pass=()
while (($#)); do
    case "$1" in
        --previous) previous="${2:?--previous needs a git ref}"; shift 2 ;;
        *) pass+=("$1"); shift ;;
    esac
done

if [ -n "${RAPPORT_BIN:-}" ]; then
    bin="$RAPPORT_BIN" # a binary built elsewhere (it should be a release build)
else
    target="${CARGO_TARGET_DIR:-$root/target}"
    echo "[peer] building Rapport (release) in $target" >&2
    (cd "$root" && cargo build --release --quiet -p rapport-api --bin rapport)
    bin="$target/release/rapport"
fi

pgdir="$cache/postgraphile4"
if [ ! -x "$pgdir/node_modules/.bin/postgraphile" ]; then
    echo "[peer] installing postgraphile@4 into $pgdir" >&2
    mkdir -p "$pgdir"
    npm install --prefix "$pgdir" --no-audit --no-fund --loglevel=error postgraphile@4 >&2
fi

prev_args=()
if [ -n "$previous" ] && [ -n "${PREVIOUS_BIN:-}" ]; then
    prev_args=(--previous-bin "$PREVIOUS_BIN" --previous-ref "$previous")
elif [ -n "$previous" ]; then
    rev="$(git -C "$root" rev-parse --verify "$previous^{commit}")"
    tree="$cache/previous-$rev"
    if [ ! -d "$tree" ]; then
        git -C "$root" worktree add --detach "$tree" "$rev" >&2
    fi
    echo "[peer] building the previous release $previous ($rev) in its own target" >&2
    (cd "$tree" && CARGO_TARGET_DIR="$cache/target-previous" \
        cargo build --release --quiet -p rapport-api --bin rapport)
    prev_args=(--previous-bin "$cache/target-previous/release/rapport" --previous-ref "$previous")
fi

exec python3 "$here/peer.py" --bin "$bin" \
    --postgraphile "$pgdir/node_modules/.bin/postgraphile" \
    "${prev_args[@]}" "${pass[@]}"
