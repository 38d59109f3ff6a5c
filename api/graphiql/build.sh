#!/usr/bin/env bash
# Builds GraphiQL's browser bundles for the rapport binary to embed: installs the
# pinned npm packages of package.json exactly as package-lock.json locks them
# (`npm ci`, which checks every tarball's integrity), and copies the four browser
# files into dist/, which is never committed. The next `cargo build` of
# rapport-api embeds them (api/build.rs); without them the binary still builds and
# its GraphiQL page loads the same pinned files from a CDN.
#
# Usage (from anywhere): bash api/graphiql/build.sh
# Needs: node (>= 18) and npm, and the npm registry.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

die() { printf 'graphiql/build.sh: error: %s\n' "$*" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || die "npm is not installed or not on PATH"

npm ci --no-audit --no-fund --loglevel=error \
  || die "'npm ci' failed in $here (is the npm registry reachable?)"

mkdir -p dist
for pair in \
  "node_modules/react/umd/react.production.min.js:react.production.min.js" \
  "node_modules/react-dom/umd/react-dom.production.min.js:react-dom.production.min.js" \
  "node_modules/graphiql/graphiql.min.js:graphiql.min.js" \
  "node_modules/graphiql/graphiql.min.css:graphiql.min.css"; do
  from="${pair%%:*}"
  to="dist/${pair##*:}"
  [[ -s "$from" ]] || die "$from is missing from the installed packages"
  # A plain copy (new modification time): cargo notices and rebuilds rapport-api.
  cp "$from" "$to.tmp" && mv "$to.tmp" "$to"
done
for pkg in graphiql react react-dom; do
  cp "node_modules/$pkg/LICENSE" "dist/LICENSE.$pkg"
done
printf 'graphiql/build.sh: GraphiQL bundles in %s/dist (%s); now cargo build embeds them\n' \
  "$here" "$(du -sh dist | cut -f1)"
