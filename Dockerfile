# strata: Argo CD Config Management Plugin (CMP v2) sidecar image.
#
# Build:  docker build -t strata .
#         (behind a TLS-intercepting proxy, pass the extra CA only to the build stage:
#          buildah bud -v "$NODE_EXTRA_CA_CERTS:/run/extra-ca.crt:ro" \
#            --build-arg NODE_EXTRA_CA_CERTS=/run/extra-ca.crt -t strata .)
#
# Both stages use the same pinned base. test/image/run.sh parses the FROM lines
# of this file to build a local stand-in with that exact name: keep them equal.

############################ build stage ############################
FROM docker.io/library/node:24.21.0-bookworm-slim AS build

# Only for npm in this stage; an ARG never reaches the final image.
ARG NODE_EXTRA_CA_CERTS

WORKDIR /src
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependencies first so this layer is reused while only the sources change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build \
 && test -f dist/strata.js \
 && test -f bin/strata \
 && test -f plugin.yaml \
 && chmod 0755 bin/strata \
 && chmod -R a+rX,go-w dist plugin.yaml

############################ runtime stage ############################
FROM docker.io/library/node:24.21.0-bookworm-slim

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="strata" \
      org.opencontainers.image.description="Argo CD Config Management Plugin (CMP v2) sidecar: renders Kubernetes manifests from layered values" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"

# No package manager at runtime: the bundle in dist/ carries its dependencies.
# Removing npm/npx/corepack/yarn removes attack surface (the base layer still
# holds the bytes, so this does not make the image smaller).
RUN rm -rf /usr/local/lib/node_modules \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v* \
           /usr/local/include/node /usr/local/share/doc/node \
 && mkdir -p /opt/strata/bin /home/argocd/cmp-server/config \
 && ln -s /opt/strata/bin/strata /usr/local/bin/strata

COPY --from=build /src/dist /opt/strata/dist
COPY --from=build /src/bin/strata /opt/strata/bin/strata
COPY --from=build /src/package.json /opt/strata/package.json
COPY --from=build /src/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml

# UID 999 matches the Argo CD repo-server (needed to reach the plugin socket)
# and has no passwd entry here: HOME must point at something writable. With a
# read-only root filesystem only /tmp (an emptyDir in the pod) is writable.
ENV HOME=/tmp \
    NODE_ENV=production \
    TMPDIR=/tmp
WORKDIR /tmp
USER 999:999

# Argo CD starts the sidecar with command: [/var/run/argocd/argocd-cmp-server],
# which replaces this entrypoint; it is only for `docker run IMAGE <args>`.
ENTRYPOINT ["/usr/local/bin/strata"]
CMD ["--help"]
