import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { UsageError, UserError } from '../../core/errors.js';
import { httpsTransport } from '../../kube/https-transport.js';
import { loadCredentials, resolveClusterSettings } from '../../kube/in-cluster.js';
import { patchDeployment } from '../../kube/patch-deployment.js';
import { targetProblems } from '../../kube/strategic-patch.js';
import type { Command, CommandContext } from '../command.js';

// main.ts loads this module only for `strata sidecar`, so the Kubernetes code costs the other commands nothing.

const help = `Usage: strata sidecar <patch|unpatch> --patch-file FILE [options]

Adds the strata sidecar to Argo CD's repo-server Deployment, or removes it, from inside the cluster.
Run by the Helm chart's hook Jobs (helm/strata, mode "patch"); FILE is the strategic-merge patch the chart
renders (patch.json / unpatch.json). Uses the pod's service account; logs go to stderr, stdout stays empty.

Options:
  --patch-file FILE      strategic-merge patch, JSON (required)
  --namespace NS         namespace of the Deployment (default: argocd)
  --deployment NAME      the repo-server Deployment (default: argocd-repo-server)
  --ignore-missing       a missing Deployment is not an error (the chart's pre-delete Job uses it)
  --dry-run              ask the API server to validate the patch without saving it (dryRun=All)
  --api-server URL       API server (default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT,
                         or $STRATA_KUBE_API_SERVER)
  --token-file FILE      bearer token (default: the service account's token, or $STRATA_KUBE_TOKEN_FILE)
  --ca-file FILE         CA bundle of the API server (default: the service account's ca.crt,
                         or $STRATA_KUBE_CA_FILE)
  -h, --help             show this help

Conflicts (409), throttling (429), server errors (5xx) and network errors are retried with backoff,
6 attempts in all. A missing Deployment exits 1: "Deployment NS/NAME not found: is Argo CD installed in NS?"
patch reads the Deployment first and refuses one owned by an argocd-operator ArgoCD resource: the operator
resets the repo-server's containers and volumes, so the sidecar goes in the ArgoCD resource instead.`;

const ACTIONS = ['patch', 'unpatch'] as const;
type Action = (typeof ACTIONS)[number];

interface SidecarOptions {
  readonly action: Action;
  readonly patchFile: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly ignoreMissing: boolean;
  readonly dryRun: boolean;
  readonly apiServer?: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
}

/** argv (after `sidecar`) -> options, or `undefined` for --help. */
export function parseSidecarArgs(argv: readonly string[], cwd: string): SidecarOptions | undefined {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'patch-file': { type: 'string' },
        namespace: { type: 'string', default: 'argocd' },
        deployment: { type: 'string', default: 'argocd-repo-server' },
        'ignore-missing': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        'api-server': { type: 'string' },
        'token-file': { type: 'string' },
        'ca-file': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  const [action, ...extra] = positionals;
  if (!action) throw new UsageError('missing action: patch or unpatch');
  if (!isAction(action)) throw new UsageError(`unknown action "${action}": expected patch or unpatch`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!values['patch-file']) throw new UsageError('--patch-file is required');
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(cwd, p));
  return {
    action,
    patchFile: abs(values['patch-file'])!,
    namespace: values.namespace,
    deployment: values.deployment,
    ignoreMissing: values['ignore-missing'],
    dryRun: values['dry-run'],
    apiServer: values['api-server'],
    tokenFile: abs(values['token-file']),
    caFile: abs(values['ca-file']),
  };
}

function isAction(s: string): s is Action {
  return (ACTIONS as readonly string[]).includes(s);
}

/** The patch must be a JSON object: that is what the chart renders and what the API server expects. */
export function parsePatchDocument(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON: ${(err as Error).message}`, { file }, { cause: err });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new UserError('expected a JSON object (a strategic-merge patch of a Deployment)', { file });
  }
  return doc as Record<string, unknown>;
}

async function run(ctx: CommandContext): Promise<number> {
  const options = parseSidecarArgs(ctx.argv, ctx.cwd);
  if (!options) {
    ctx.stdout.write(`${help}\n`);
    return 0;
  }
  const target = { namespace: options.namespace, deployment: options.deployment };
  const problems = targetProblems(target);
  if (problems.length) throw new UsageError(problems.join('; '));

  let text: string;
  try {
    text = await readFile(options.patchFile, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the patch file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { file: options.patchFile }, { cause: err });
  }
  const patch = parsePatchDocument(text, options.patchFile);
  const settings = resolveClusterSettings(ctx.env, options);
  const { token, ca } = await loadCredentials(settings);

  const log = (line: string) => ctx.stderr.write(`strata sidecar ${options.action}: ${line}\n`);
  const name = `${target.namespace}/${target.deployment}`;
  log(`${options.dryRun ? 'validating' : 'sending'} ${options.patchFile} to Deployment ${name} via ${settings.apiServer}`);
  const result = await patchDeployment(
    { target, patch, token, ignoreMissing: options.ignoreMissing, dryRun: options.dryRun, refuseOperatorOwned: options.action === 'patch' },
    { send: httpsTransport({ apiServer: settings.apiServer, ca }), sleep: (ms) => sleep(ms), log },
  );
  if (result === 'patched') {
    const done = options.action === 'patch' ? 'sidecar added (or already there)' : 'sidecar removed (or already gone)';
    log(options.dryRun ? `dry run accepted by the API server, nothing saved` : `Deployment ${name}: ${done}`);
  }
  return 0;
}

export const command: Command = {
  name: 'sidecar',
  summary: "Add or remove the strata sidecar on Argo CD's repo-server (used by the Helm chart's hook Jobs)",
  help,
  run,
};
