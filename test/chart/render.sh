#!/usr/bin/env bash
# Render a Helm chart without helm: builds test/chart/render (Go, GOPATH mode against Debian's sprig and
# yaml packages) into test/.out/ once, then runs it with the given arguments (see render/main.go).
#   test/chart/render.sh [--set k=v] [-f values.yaml] [--notes] helm/strata
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../.out"
bin="$out/chart-render"
# Rebuilt when a Go source (the harness or the helmjson package it shares with test/sprig) is newer than it.
if [[ ! -x "$bin" ]] || [[ -n "$(find "$here/render" "$here/../go" -name '*.go' -newer "$bin" 2>/dev/null)" ]]; then
  mkdir -p "$out"
  (cd "$here/render" && GO111MODULE=off GOPATH="/usr/share/gocode:$here/../go" GOCACHE="${GOCACHE:-$out/go-cache}" \
    go build -o "$bin.tmp" . && mv "$bin.tmp" "$bin")
fi
exec "$bin" "$@"
