# strata: Argo CD Config Management Plugin (CMP v2) sidecar image.
#
# Build:  docker build -t strata .      (or: buildah bud --pull=never -t strata .)
#
# When npm needs extra CA certificates (NODE_EXTRA_CA_CERTS set on the build
# host), hand them to `npm ci` alone as a build secret; they are mounted for
# that one RUN and never written to any layer:
#   docker build --secret id=extra-ca,src="$NODE_EXTRA_CA_CERTS" \
#     --build-arg NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca -t strata .
#   (buildah bud takes the same --secret and --build-arg flags)
# (A `-v` bind mount was avoided: buildah applies it to every RUN of every
# stage and leaves an empty mount-point file in the final image.)
#
# Both stages use the same pinned base. test/image/run.sh parses the FROM lines
# of this file to build a local stand-in with that exact name: keep them equal.

############################ build stage ############################
FROM docker.io/library/node:24.21.0-bookworm-slim AS build

# Only for npm in this stage; an ARG never reaches the final image. Empty
# (the default) means no extra certificates.
ARG NODE_EXTRA_CA_CERTS

WORKDIR /src
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependencies first so this layer is reused while only the sources change.
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=extra-ca,target=/run/secrets/extra-ca \
    npm ci --no-audit --no-fund

COPY . .
# Source maps are only read with --enable-source-maps and would add ~5 MB;
# the *.LEGAL.txt files (licences of bundled packages) stay.
RUN npm run build \
 && test -f dist/strata.js \
 && test -f bin/strata \
 && test -f plugin.yaml \
 && find dist -name '*.map' -delete \
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

# git: Argo CD sends the checkout's .git, and the strata.dev/revision annotation names the last commit
# that changed the app's own inputs (docs/argocd.md); without git it falls back to the repo revision.
# No package manager at runtime: the bundle in dist/ carries its dependencies.
# Removing npm/npx/corepack/yarn removes attack surface (the base layer still
# holds the bytes, so this does not make the image smaller).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && rm -rf /usr/local/lib/node_modules \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v* \
           /usr/local/include/node /usr/local/share/doc/node \
 && mkdir -p /opt/strata/bin /home/argocd/cmp-server/config \
 && ln -s /opt/strata/bin/strata /usr/local/bin/strata

COPY --from=build /src/dist /opt/strata/dist
COPY --from=build /src/bin/strata /opt/strata/bin/strata
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
