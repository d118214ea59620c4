import { join } from 'node:path';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import { main } from '../../src/cli/main.js';

// The V8 startup snapshot experiment (issue 14 step 2, docs/performance.md): the whole CLI in one bundle
// (bench/snapshot/run.ts builds it), warmed at snapshot-build time by one in-memory `generate` of the
// plate example so the blob holds strata's real state: loaded modules, the CEL engine, the kubernetes-models
// validators, compiled helpers. The process started from the blob runs main() with its own argv and env.

class Sink extends Writable {
  override _write(_c: unknown, _e: BufferEncoding, cb: () => void): void {
    cb();
  }
}

const warmDir = process.env.STRATA_SNAPSHOT_WARM_DIR;
if (warmDir) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    STRATA_CACHE_DIR: 'off',
    ARGOCD_APP_NAME: 'plate-api-prod',
    ARGOCD_APP_NAMESPACE: 'plate',
    ARGOCD_APP_PROJECT_NAME: 'default',
    ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
    ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/plate.git',
    ARGOCD_APP_SOURCE_PATH: 'helm/applications/plate-api',
    ARGOCD_APP_SOURCE_TARGET_REVISION: 'HEAD',
    ARGOCD_APP_PARAMETERS: '[{"name":"env","string":"prod"}]',
    KUBE_VERSION: '1.30.11',
    KUBE_API_VERSIONS: 'apps/v1,autoscaling/v2,networking.k8s.io/v1,policy/v1,v1',
  };
  void main({
    argv: ['generate'],
    env,
    cwd: join(warmDir, 'helm/applications/plate-api'),
    stdout: new Sink(),
    stderr: new Sink(),
    embedded: true,
  }).then((code) => {
    if (code !== 0) throw new Error(`warm-up generate exited ${code}`);
  });
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  main({
    argv: process.argv.slice(1),
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`strata: internal error: ${String(e)}\n`);
      process.exitCode = 3;
    },
  );
});
