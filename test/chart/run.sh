#!/usr/bin/env bash
# Chart tests for helm/strata without helm or a cluster (called from .ci/run):
#   - renders the chart with a Go stand-in for `helm template` (test/chart/render, sprig from Debian),
#   - applies the rendered sidecar patches to the stock argocd-repo-server Deployment with
#     `kubectl patch --local`, and checks the result against the Argo CD CMP contract,
#   - checks plugin.yaml and argo-cd-values.yaml stay in step with the chart.
# Installs its Debian packages when missing. Prints `chart test: N passed, M failed`; exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export STRATA_SHARED_DIR="${STRATA_SHARED_DIR:-$(cd "$here/../../../shared" 2>/dev/null && pwd || echo "$repo/../shared")}"

need_pkgs=()
command -v go >/dev/null || need_pkgs+=(golang-go)
[[ -d /usr/share/gocode/src/github.com/Masterminds/sprig ]] || need_pkgs+=(golang-github-masterminds-sprig-dev)
[[ -d /usr/share/gocode/src/gopkg.in/yaml.v3 ]] || need_pkgs+=(golang-gopkg-yaml.v3-dev)
[[ -d /usr/share/gocode/src/gopkg.in/yaml.v2 ]] || need_pkgs+=(golang-gopkg-yaml.v2-dev)
if ((${#need_pkgs[@]})); then
  echo "chart test: installing ${need_pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need_pkgs[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q "${need_pkgs[@]}" >/dev/null; }
fi
if ! command -v kubectl >/dev/null; then
  echo "chart test: kubectl not found (needed for kubectl patch --local)" >&2
  echo "chart test: 0 passed, 1 failed"
  exit 1
fi
[[ -d "$repo/node_modules/yaml" && -d "$repo/node_modules/ajv" ]] || (cd "$repo" && npm ci --no-audit --no-fund >/dev/null)

# Build the renderer up front so a compile error is reported as such.
if ! "$here/render.sh" --show-values "$repo/helm/strata" >/dev/null; then
  echo "chart test: the Go renderer (test/chart/render) does not build or run" >&2
  echo "chart test: 0 passed, 1 failed"
  exit 1
fi
exec node "$here/checks.mjs"
