#!/usr/bin/env bash
# The Go side of the helper cross-check, for .ci/run: renders test/sprig/cases.json with Go text/template and
# Debian's sprig (GOPATH mode), requires the result to equal the committed test/sprig/expected.json, then runs
# the node comparison of strata's helpers with it. Never skips: CI installs Go first.
#   bash test/sprig/run.sh            check
#   bash test/sprig/run.sh --update   rewrite expected.json from Go (review the diff), then check
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v go >/dev/null; then
  echo "test/sprig: go is required: apt-get install golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev" >&2
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
GO111MODULE=off GOPATH=/usr/share/gocode:$PWD/test/go go run ./test/sprig test/sprig/cases.json >"$out"
if [ "${1:-}" = "--update" ]; then cp "$out" test/sprig/expected.json; fi
diff -u test/sprig/expected.json "$out"
echo "test/sprig: Go gives the committed results for $(grep -c '^"' "$out") cases"
node --import tsx --test test/helpers-sprig.test.ts
