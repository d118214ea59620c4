import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { UsageError, UserError } from '../../core/errors.js';
import { httpsTransport } from '../../kube/https-transport.js';
import { loadCredentials, resolveClusterSettings } from '../../kube/in-cluster.js';
import { patchDeployment } from '../../kube/patch-deployment.js';
import { targetProblems } from '../../kube/api-requests.js';
import { defineCommand, type CommandContext } from '../command.js';
import { SIDECAR } from '../declarations.js';
import type { Parsed } from '../declare.js';

// main.ts loads this module only for `strata sidecar`, so the Kubernetes code costs the other commands nothing.

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

/** The parsed flags -> options: the action is known, the paths absolute. */
export function sidecarOptions(
  { options: o, positionals }: Parsed<(typeof SIDECAR)['options']>,
  cwd: string,
): SidecarOptions {
  const [action] = positionals;
  if (!action) throw new UsageError('missing action: patch or unpatch');
  if (!isAction(action)) throw new UsageError(`unknown action "${action}": expected patch or unpatch`);
  if (!o.patchFile) throw new UsageError('--patch-file is required');
  const abs = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : resolve(cwd, p));
  return {
    action,
    patchFile: abs(o.patchFile)!,
    namespace: o.namespace,
    deployment: o.deployment,
    ignoreMissing: o.ignoreMissing,
    dryRun: o.dryRun,
    apiServer: o.apiServer,
    tokenFile: abs(o.tokenFile),
    caFile: abs(o.caFile),
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

async function run(ctx: CommandContext, args: Parsed<(typeof SIDECAR)['options']>): Promise<number> {
  const options = sidecarOptions(args, ctx.cwd);
  const target = { namespace: options.namespace, deployment: options.deployment };
  const problems = targetProblems(target);
  if (problems.length) throw new UsageError(problems.join('; '));

  let text: string;
  try {
    text = await readFile(options.patchFile, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read the patch file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      { file: options.patchFile },
      { cause: err },
    );
  }
  const patch = parsePatchDocument(text, options.patchFile);
  const settings = resolveClusterSettings(ctx.env, options);
  const { token, ca } = await loadCredentials(settings);

  const log = (line: string) => ctx.stderr.write(`strata sidecar ${options.action}: ${line}\n`);
  const name = `${target.namespace}/${target.deployment}`;
  log(
    `${options.dryRun ? 'validating' : 'sending'} ${options.patchFile} to Deployment ${name} via ${settings.apiServer}`,
  );
  const result = await patchDeployment(
    {
      target,
      patch,
      token,
      ignoreMissing: options.ignoreMissing,
      dryRun: options.dryRun,
      refuseOperatorOwned: options.action === 'patch',
      orderContainers: options.action === 'patch',
      pruneSidecar: options.action === 'patch',
    },
    { send: httpsTransport({ apiServer: settings.apiServer, ca }), sleep: (ms) => sleep(ms), log },
  );
  if (result === 'patched') {
    const done = options.action === 'patch' ? 'sidecar added (or already there)' : 'sidecar removed (or already gone)';
    log(options.dryRun ? `dry run accepted by the API server, nothing saved` : `Deployment ${name}: ${done}`);
  }
  return 0;
}

export const command = defineCommand(SIDECAR, run);
