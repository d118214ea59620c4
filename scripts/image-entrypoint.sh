#!/bin/sh
# ENTRYPOINT of the strata image (Dockerfile). `docker run IMAGE ARGS...` runs `strata ARGS...`.
#
# Started with no arguments, the container was almost certainly meant to be the Argo CD sidecar and its spec
# lacks `command:`; running `strata --help` and exiting 0 there would leave a sidecar that silently restarts
# and a repo-server that never finds the plugin socket. So: fail, with a hint, on stderr.
if [ "$#" -eq 0 ]; then
  cat >&2 <<'EOF'
strata image: no command given. As the Argo CD plugin sidecar this container must be started by Argo CD's
CMP server: set `command: [/usr/bin/tini, -s, --, /var/run/argocd/argocd-cmp-server]` in its container spec (the strata Helm chart
and helm/strata/argo-cd-values.yaml do; see docs/install.md). To run the CLI: `docker run IMAGE --help`.
EOF
  exit 2
fi
exec /usr/local/bin/strata "$@"
