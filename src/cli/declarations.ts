import { declare, type CommandDecl, type Parsed } from './declare.js';

// Every command's declaration, without its run code: main lists and helps from this table and loads only the
// module of the command it runs (cold start matters inside Argo CD). Each command module parses with its entry.

const LAYER_OPTIONS = {
  values: {
    type: 'string',
    short: 'f',
    multiple: true,
    layer: true,
    arg: 'FILE',
    help: "extra values file, after the app's layers (repeatable)",
  },
  set: {
    type: 'string',
    multiple: true,
    layer: true,
    arg: 'K=V',
    help: 'set a value, Helm syntax (repeatable; flags apply in command-line order)',
  },
  'set-string': { type: 'string', multiple: true, layer: true, arg: 'K=V', help: 'set a value as a string' },
  'set-json': { type: 'string', multiple: true, layer: true, arg: 'K=JSON', help: 'set a value from JSON' },
  'set-file': { type: 'string', multiple: true, layer: true, arg: 'K=PATH', help: "set a value to a file's contents" },
} as const;

const REPO_ROOT = {
  'repo-root': { type: 'string', arg: 'DIR', help: 'repository root (default: nearest directory holding .git)' },
} as const;

const RELEASE_OPTIONS = {
  revision: { type: 'string', arg: 'SHA', help: 'fill release.revision and the revision annotation, as Argo CD would' },
  'repo-url': { type: 'string', arg: 'URL', help: 'fill release.repoURL and the source annotation' },
  'target-revision': { type: 'string', arg: 'REF', help: 'fill release.targetRevision' },
  'kube-version': { type: 'string', arg: 'V', help: 'capabilities.kubeVersion (e.g. 1.31.0)' },
  'api-versions': { type: 'string', arg: 'LIST', help: 'capabilities.apiVersions, comma-separated' },
} as const;

export const RENDER = declare({
  name: 'render',
  summary: 'render an app for an environment',
  usage: [
    '[APP_DIR] --env ENV [options]',
    '--all --env ENV [ROOT] [options]',
    '--application FILE [--name NAME] [--revision SHA] [--kube-version V]',
  ],
  description: "Render an app's manifests for one environment and print them to stdout (nothing else ever goes there).",
  maxPositionals: 1,
  options: {
    env: { type: 'string', short: 'e', arg: 'ENV', help: "environment (one of the app's spec.environments)" },
    ...LAYER_OPTIONS,
    output: { type: 'string', short: 'o', arg: 'yaml|json', help: 'output format (default yaml)' },
    namespace: {
      type: 'string',
      short: 'n',
      arg: 'NS',
      help: 'namespace for namespaced objects without one (over spec.namespace)',
    },
    ...REPO_ROOT,
    ...RELEASE_OPTIONS,
    application: {
      type: 'string',
      arg: 'FILE',
      help: 'render an Argo CD Application\'s plugin source exactly as the sidecar would\n(same environment, parameters and code path as "strata generate")',
    },
    name: { type: 'string', arg: 'NAME', help: 'with --application: which Application, when the file holds several' },
    'controller-namespace': {
      type: 'string',
      arg: 'NS',
      help: "with --application: Argo CD's namespace (default argocd); Applications\nelsewhere get release.name <namespace>_<name>",
    },
    all: {
      type: 'boolean',
      help: 'render every app under ROOT that declares ENV, in one process; any\nfailure fails the whole run (all failures are listed, stdout stays empty)',
    },
    'output-dir': {
      type: 'string',
      arg: 'DIR',
      help: 'with --all: write DIR/<env>/<app dir>/manifests.yaml instead (every env\nwhen --env is absent), removing files an earlier run wrote that are stale',
    },
    check: { type: 'boolean', help: 'with --output-dir: write nothing; list out-of-date files, exit 1 if any' },
    'show-only': {
      type: 'string',
      multiple: true,
      arg: 'PATH',
      help: 'print only the objects of this template (path relative to the app\ndirectory, e.g. templates/deployment.yaml.hbs; repeatable)',
    },
    debug: {
      type: 'boolean',
      help: "when a template's output is not valid YAML (or fails the raw-value\ncheck), print its rendered text with line numbers to stderr",
    },
  },
});

export type RenderArgs = Parsed<(typeof RENDER)['options']>;

export const VALUES = declare({
  name: 'values',
  summary: 'print merged values; --explain shows where each came from',
  usage: ['[APP_DIR] --env ENV [options]'],
  description: "Print the merged values for an environment: the app's layers, then -f files and --set flags in order.",
  maxPositionals: 1,
  options: {
    env: { type: 'string', short: 'e', arg: 'ENV', help: 'environment (default: spec.defaultEnvironment)' },
    ...LAYER_OPTIONS,
    explain: { type: 'boolean', help: 'every leaf with the file:line (or flag) that set it and what it overrode' },
    output: { type: 'string', short: 'o', arg: 'yaml|json', help: 'output format (default yaml)' },
    'show-secrets': {
      type: 'boolean',
      help: 'print values decrypted from SOPS layers as they are (default: masked; local use only)',
    },
    ...REPO_ROOT,
  },
});

export const ENVS = declare({
  name: 'envs',
  summary: "list an app's environments",
  usage: ['[APP_DIR | ROOT] [--repo-root DIR] [-o text|json]'],
  description:
    'List the environments an app declares (spec.environments), the default one marked with *. Given a folder that is\nnot an app, list every app below it with its environments.',
  maxPositionals: 1,
  options: {
    output: { type: 'string', short: 'o', arg: 'text|json', help: 'output format (default text)' },
    ...REPO_ROOT,
  },
});

export const GENERATE = declare({
  name: 'generate',
  summary: 'render the app in the working directory for Argo CD (plugin generate command)',
  usage: [''],
  description: `What Argo CD runs (plugin.yaml generate.command): renders the app in the working directory from Argo CD's
build environment (ARGOCD_APP_*, ARGOCD_ENV_*, ARGOCD_APP_PARAMETERS, KUBE_*) and prints manifests on
stdout. Any failure: non-zero exit, nothing on stdout, the reason on stderr. See docs/argocd.md.
To reproduce locally from an Application manifest: strata render --application FILE.`,
  maxPositionals: 0,
  options: {},
});

export const PARAMETERS = declare({
  name: 'parameters',
  summary: 'print the Argo CD parameter announcements for the app in the working directory',
  usage: [''],
  description: `What Argo CD runs for plugin.yaml parameters.dynamic: prints only a JSON array of parameter announcements
for the app in the working directory (env, valueFiles, values, set, setString). Needs only the reduced
environment Argo CD gives it (no revision, namespace or KUBE_*) and no init.`,
  maxPositionals: 0,
  options: {},
});

export const LINT = declare({
  name: 'lint',
  summary: 'print validation and policy findings; exit 1 on any error',
  usage: ['[APP_DIR] --env ENV [options]', '--all --env ENV [ROOT] [options]', '--application FILE [--repo-root DIR]'],
  description: `Render an app for an environment and print every finding of the values schema, the Kubernetes schemas and
the environment's policy (docs/policy.md, docs/validation.md). Exit 1 when any finding is an error.`,
  maxPositionals: 1,
  options: {
    env: {
      type: 'string',
      short: 'e',
      arg: 'ENV',
      help: 'environment (default: spec.defaultEnvironment; required with --all)',
    },
    ...LAYER_OPTIONS,
    output: { type: 'string', short: 'o', arg: 'text|json', help: 'output format (default text)' },
    all: { type: 'boolean', help: 'lint every app under ROOT that declares ENV (apps without it are skipped)' },
    application: {
      type: 'string',
      arg: 'FILE',
      help: 'check an Application: its manifest-generate-paths annotation against every input of its strata source (docs/argocd.md)',
    },
    ...REPO_ROOT,
  },
});

export const DIFF = declare({
  name: 'diff',
  summary: 'diff two environments, the working tree against a git revision, or the render against any manifests',
  errorExitCode: 2,
  usage: [
    '[APP_DIR] --env ENV --against OTHER_ENV [options]',
    '[APP_DIR] --env ENV --against-ref REV [options]',
    '[APP_DIR] --env ENV --against-manifests FILE|- [--compare-all] [options]',
    '--all --against-ref REV [ROOT] [--env ENV ...] [options]',
  ],
  description: `Render the app twice and print a per-object, field-level diff (docs/diff.md). The --against side is the
"before" (---), the --env render of the working tree is the "after" (+++). strata's revision annotation is
ignored. Secret data/stringData values are masked (a key changed, never its value). Exit 0 when the renders
are the same, 1 when they differ, 2 on an error (as diff(1)).

With --against-manifests: the "before" side is a manifest stream (\`helm template\` output, \`argocd app
manifests\`, a saved render; - reads standard input), matched object by object by group, kind, namespace and
name. strata's own labels and annotations and Helm's bookkeeping (helm.sh/chart, app.kubernetes.io/managed-by:
Helm) are left out, and a namespaced object without a namespace gets the app's, as Argo CD would; --compare-all
compares everything as given.

With --all: every app x environment under ROOT (default: the current directory), working tree against REV.
A pair whose inputs (strata.yaml, layers, templates, policy file) are the same at both is "unchanged"
without rendering; the others are "added", "removed", "changed" or "error" (a render that fails now).
Exit 2 when any pair is an error.`,
  maxPositionals: 1,
  options: {
    env: {
      type: 'string',
      short: 'e',
      multiple: true,
      arg: 'ENV',
      help: 'environment to render (default: spec.defaultEnvironment; with --all: only these, repeatable)',
    },
    against: { type: 'string', arg: 'ENV', help: 'compare with another environment of the same app' },
    'against-ref': {
      type: 'string',
      arg: 'REV',
      help: 'compare with the app as it is at a git revision (read from git, no checkout)',
    },
    'against-manifests': {
      type: 'string',
      arg: 'FILE|-',
      help: 'compare with a manifest stream (helm template output, argocd app manifests;\n- reads standard input)',
    },
    'compare-all': {
      type: 'boolean',
      help: "with --against-manifests: also compare strata's and Helm's bookkeeping\nlabels and annotations, and namespaces as given",
    },
    all: { type: 'boolean', help: 'every app under ROOT (needs --against-ref)' },
    ...LAYER_OPTIONS,
    output: { type: 'string', short: 'o', arg: 'FORMAT', help: 'text, json or markdown (a pull-request comment)' },
    color: {
      type: 'string',
      arg: 'auto|always|never',
      help: 'colour the text diff (auto: when stdout is a terminal and NO_COLOR is unset)',
    },
    'show-secrets': {
      type: 'boolean',
      help: 'print Secret values as they are (local use only: never in CI logs or comments)',
    },
    ...REPO_ROOT,
  },
  notes: '-f and --set* flags apply to both sides.',
});

export const SERVE = declare({
  name: 'serve',
  summary: 'preview apps in a browser: manifests, values provenance, findings, diffs',
  usage: ['[ROOT] [--port 7420] [--host 127.0.0.1]'],
  description: `Serve a local preview of the apps under ROOT (default: the working directory): a web page and a JSON API
for rendered manifests, merged values with provenance, policy findings and diffs between environments.
Read-only: it renders from the files under ROOT's repository and never writes. Runs until interrupted.`,
  maxPositionals: 1,
  options: {
    port: {
      type: 'string',
      short: 'p',
      arg: 'N',
      default: '7420',
      help: 'port to listen on (default 7420; 0 picks a free one)',
    },
    host: {
      type: 'string',
      arg: 'ADDR',
      default: '127.0.0.1',
      help: 'address to bind (default 127.0.0.1, loopback only; anything else exposes your files)',
    },
  },
  notes: 'Request logs go to stderr as JSON lines (STRATA_LOG_LEVEL, default info for serve). See docs/serve.md.',
});

export const SIDECAR = declare({
  name: 'sidecar',
  summary: "add or remove the strata sidecar on Argo CD's repo-server (chart hook Jobs)",
  usage: ['<patch|unpatch> --patch-file FILE [options]'],
  description: `Adds the strata sidecar to Argo CD's repo-server Deployment, or removes it, from inside the cluster.
Run by the Helm chart's hook Jobs (helm/strata, mode "patch"); FILE is the strategic-merge patch the chart
renders (patch.json / unpatch.json). Uses the pod's service account; logs go to stderr, stdout stays empty.`,
  maxPositionals: 1,
  options: {
    'patch-file': { type: 'string', arg: 'FILE', help: 'strategic-merge patch, JSON (required)' },
    namespace: { type: 'string', arg: 'NS', default: 'argocd', help: 'namespace of the Deployment (default: argocd)' },
    deployment: {
      type: 'string',
      arg: 'NAME',
      default: 'argocd-repo-server',
      help: 'the repo-server Deployment (default: argocd-repo-server)',
    },
    'ignore-missing': {
      type: 'boolean',
      help: "a missing Deployment is not an error (the chart's pre-delete Job uses it)",
    },
    'dry-run': { type: 'boolean', help: 'ask the API server to validate the patch without saving it (dryRun=All)' },
    'api-server': {
      type: 'string',
      arg: 'URL',
      help: 'API server (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,\nor $STRATA_KUBE_API_SERVER)',
    },
    'token-file': {
      type: 'string',
      arg: 'FILE',
      help: "bearer token (default: the service account's token, or $STRATA_KUBE_TOKEN_FILE)",
    },
    'ca-file': {
      type: 'string',
      arg: 'FILE',
      help: "CA bundle of the API server (default: the service account's ca.crt,\nor $STRATA_KUBE_CA_FILE)",
    },
  },
  notes: `Conflicts (409), throttling (429), server errors (5xx) and network errors are retried with backoff,
6 attempts in all. A missing Deployment exits 1: "Deployment NS/NAME not found: is Argo CD installed in NS?"
patch reads the Deployment first and refuses one owned by an argocd-operator ArgoCD resource: the operator
resets the repo-server's containers and volumes, so the sidecar goes in the ArgoCD resource instead.`,
});

export const WARM_SERVER = declare({
  name: 'warm-server',
  summary: 'internal: the warm renderer behind `strata generate`',
  hidden: true,
  usage: ['--socket PATH'],
  description: `Internal: the warm renderer that \`strata generate\` starts on its first run and then talks to (see
docs/performance.md). Serves only \`generate\`, each request in a renderer process of the request's tenant
(Argo CD project and repository), and exits after STRATA_WARM_IDLE_MS (default 15 minutes) without a request.
Never run it by hand; STRATA_WARM=off turns the mechanism off.`,
  maxPositionals: 0,
  options: {
    socket: { type: 'string', arg: 'PATH', help: 'Unix socket to listen on (absolute path; required)' },
  },
});

/** In `strata --help` order. */
export const WARM_RENDERER = declare({
  name: 'warm-renderer',
  summary: 'internal: one renderer process of the warm renderer',
  hidden: true,
  usage: [''],
  description:
    'Internal: a renderer process the warm renderer forks for one tenant, with an IPC channel. Never run it by hand.',
  maxPositionals: 0,
  options: {},
});

export const IMPORT = declare({
  name: 'import',
  summary: 'import a Helm chart as a strata app (import helm CHART_DIR --out DIR)',
  usage: [
    'helm CHART_DIR --out DIR [--name RELEASE] [--namespace NS] [--env NAME=FILE ...] [--kube-version V] [--force]',
  ],
  description: `Translate a Helm chart into a strata app in DIR: strata.yaml, the chart's values.yaml as the base layer,
values.schema.json when the chart has one, one values-NAME.yaml per --env, and every template parsed as a Go
template and written as strata Handlebars (_helpers.tpl defines as inline partials). What has no strata
equivalent fails at that place in the template and is listed, with the chart file and line, in DIR/IMPORT.md
and on stderr. DIR is written whole or not at all; a non-empty DIR is replaced only with --force.`,
  maxPositionals: 2,
  options: {
    out: { type: 'string', arg: 'DIR', help: 'the app directory to write (required)' },
    name: { type: 'string', arg: 'RELEASE', help: "the app's name, Helm's release name (default: the chart's name)" },
    namespace: { type: 'string', short: 'n', arg: 'NS', help: 'spec.namespace (Helm: --namespace)' },
    env: {
      type: 'string',
      multiple: true,
      arg: 'NAME=FILE',
      help: 'an environment and its values file, copied to values-NAME.yaml (repeatable;\nnone: one environment "default")',
    },
    'kube-version': {
      type: 'string',
      arg: 'V',
      help: "the Kubernetes version to render with, written into IMPORT.md's commands",
    },
    force: { type: 'boolean', help: 'replace a non-empty DIR' },
  },
});

export type ImportArgs = Parsed<(typeof IMPORT)['options']>;

export const DECLARATIONS: readonly CommandDecl[] = [
  RENDER,
  VALUES,
  ENVS,
  GENERATE,
  PARAMETERS,
  LINT,
  DIFF,
  IMPORT,
  SERVE,
  SIDECAR,
  WARM_SERVER,
  WARM_RENDERER,
];
