# strata: Argo CD Config Management Plugin (CMP v2) sidecar image.
#
# Build:  docker build -t strata .      (or: buildah bud --pull=never -t strata .)
# Multi-arch (what .github/workflows/release.yml does):
#         docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/strata:VERSION .
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
#
# Size: the runtime stage trims its file system (npm, perl, curl, docs, git's
# network helpers) and the final stage copies the result onto `scratch` as one
# layer, so what is deleted is really gone (a deletion in a later layer of the
# same base would only hide the bytes). docs/install.md has the numbers.

############################ build stage ############################
# The bundle in dist/ is plain JavaScript: build it once on the build machine's
# own platform (no emulation for npm ci and esbuild in a multi-arch build).
FROM --platform=$BUILDPLATFORM docker.io/library/node:24.21.0-bookworm-slim AS build

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
 && test -f scripts/image-entrypoint.sh \
 && find dist -name '*.map' -delete \
 && chmod 0755 bin/strata scripts/image-entrypoint.sh \
 && chmod -R a+rX,go-w dist plugin.yaml

############################ runtime file system ############################
FROM docker.io/library/node:24.21.0-bookworm-slim AS runtime

# git: Argo CD sends the checkout's .git, and the strata.dev/revision annotation names the last commit
# that changed the app's own inputs (docs/argocd.md). strata runs only git builtins (log, rev-parse,
# ls-tree, cat-file: src/io/git.ts, src/io/git-fs.ts), which live in /usr/bin/git itself, so what Debian's
# git drags in for other commands goes: perl (send-email, svn, ...), libcurl and its Kerberos/LDAP/SSH
# libraries (http(s) remotes), git's separate helper programs, its translations; git-core's second copy of
# the git binary becomes a link to the first. `dpkg --purge` keeps the
# package database true to the file system, so an SBOM or scanner reads what is really in the image.
# binutils is here only to strip the Node.js binary's symbols (17 MiB of 121; stack traces of JavaScript are
# unaffected), then purged with everything it pulled in.
# tini (Debian's, /usr/bin/tini, needs only libc) is the sidecar's init: the documented container command is
# `/usr/bin/tini -s -- /var/run/argocd/argocd-cmp-server`, because argocd-cmp-server as PID 1 never reaps the
# processes it did not start (argo-cd issue 29349) and every warm renderer that exits (a `generate` starts it
# detached) would stay a zombie until the pod restarts. Its statically linked twin tini-static goes.
# No package manager at runtime: the bundle in dist/ carries its dependencies; npm, npx, corepack and
# yarn go (attack surface and bytes), as do headers, docs, man pages and locales (copyright files stay).
RUN set -eux \
 && dpkg-query -W -f '${Package}\n' | sort >/tmp/pkgs-base \
 && apt-get update \
 && apt-get install -y --no-install-recommends git tini binutils \
 && strip /usr/local/bin/node \
 && node --version \
 && tini --version \
 && keep=$(ldd /usr/bin/git | awk '$2 == "=>" { print $3 }' | xargs -r dpkg -S 2>/dev/null | cut -d: -f1 | sort -u) \
 && dpkg-query -W -f '${Package}\n' | sort | comm -13 /tmp/pkgs-base - \
      | grep -vxF -e git -e tini $(printf -- ' -e %s' $keep) | xargs -r dpkg --purge --force-depends \
 && rm -f /usr/bin/tini-static \
 && find /usr/lib/git-core -mindepth 1 -maxdepth 1 -type f ! -name git -delete \
 && ln -sf ../../bin/git /usr/lib/git-core/git \
 && rm -rf /usr/bin/git-shell /usr/bin/scalar /usr/share/gitweb /usr/share/perl5 /usr/share/git-core/contrib \
           /etc/bash_completion.d /usr/share/bash-completion /tmp/pkgs-base \
 && find -L /usr/lib/git-core /usr/bin -maxdepth 1 -type l -exec rm -f {} + \
 && git init -q /tmp/g && git -C /tmp/g -c user.name=s -c user.email=s@s.invalid commit -q --allow-empty -m s \
 && git -C /tmp/g --literal-pathspecs log -1 --format=%H -- . && rm -rf /tmp/g \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/cache/debconf/*-old /var/log/* \
 && rm -rf /usr/local/lib/node_modules \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
           /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-v* \
           /usr/local/include/node /usr/local/share/doc/node /usr/local/share/man \
           /usr/share/man/* /usr/share/info/* /usr/share/locale/* /usr/share/lintian \
 && find /usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete \
 && find /usr/share/doc -mindepth 1 -type d -empty -delete \
 && find / -xdev -type f -perm /6000 -exec chmod a-s {} + \
 && mkdir -p /opt/strata/bin /home/argocd/cmp-server/config \
 && ln -s /opt/strata/bin/strata /usr/local/bin/strata

COPY --from=build /src/dist /opt/strata/dist
COPY --from=build /src/bin/strata /opt/strata/bin/strata
COPY --from=build /src/scripts/image-entrypoint.sh /opt/strata/bin/image-entrypoint
COPY --from=build /src/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml

############################ image ############################
# One layer: the trimmed file system above.
FROM scratch
COPY --from=runtime / /

ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="strata" \
      org.opencontainers.image.description="Argo CD Config Management Plugin (CMP v2) sidecar: renders Kubernetes manifests from layered values" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"

# UID 999 matches the Argo CD repo-server (needed to reach the plugin socket)
# and has no passwd entry here: HOME must point at something writable. With a
# read-only root filesystem only /tmp (an emptyDir in the pod) is writable.
# (`scratch` has no environment: PATH is the node image's.)
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/tmp \
    NODE_ENV=production \
    TMPDIR=/tmp
WORKDIR /tmp
USER 999:999

# The sidecar's spec sets command: [/usr/bin/tini, -s, --, /var/run/argocd/argocd-cmp-server] (the chart, its
# argo-cd-values.yaml and argocd-operator.yaml; docs/install.md, "Why tini"), which replaces the entrypoint.
# `docker run IMAGE ARGS...` runs `strata ARGS...` under tini too (signals reach Node.js, which as PID 1 would
# ignore a SIGTERM it has no handler for; orphans are reaped; -s keeps that when a runtime's own init is PID 1).
# With no arguments (a sidecar spec that forgot `command:`) the entrypoint exits 2 with a hint on stderr
# instead of printing help and exiting 0; tini passes the status on.
ENTRYPOINT ["/usr/bin/tini", "-s", "--", "/opt/strata/bin/image-entrypoint"]
