import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { command } from '../../src/cli/commands/sidecar.js';
import { Capture, REPO as repo } from '../helpers.js';

// A Kubernetes API stand-in over HTTPS for `strata sidecar` (test/sidecar.test.ts and test/e2e/sidecar-chart.test.ts).

export const TOKEN = 'test-token-123';
export const PATCH = { spec: { template: { spec: { containers: [{ name: 'strata', image: 'x' }] } } } };

export interface Recorded {
  method: string;
  path: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Self-signed certificate for 127.0.0.1: made with openssl when present, else the committed test pair. */
export function testCertificate(dir: string): { key: string; cert: string; certFile: string; generated: boolean } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  let generated = true;
  try {
    execFileSync(
      'openssl',
      [
        // P-256: a key in milliseconds (RSA 2048 takes a noticeable share of a second, more on a busy machine).
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-sha256',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    generated = false;
    const fixed = join(repo, 'test/chart/fixtures/tls');
    writeFileSync(keyFile, readFileSync(join(fixed, 'key.pem')));
    writeFileSync(certFile, readFileSync(join(fixed, 'cert.pem')));
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, generated };
}

/** The stock repo-server Deployment as a GET returns it (no owner: installed by manifests or Helm). */
export const PLAIN_DEPLOYMENT = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: { name: 'argocd-repo-server', namespace: 'argocd' },
};

export class StandIn {
  /** PATCH requests (GETs are kept apart in `gets`). */
  readonly requests: Recorded[] = [];
  readonly gets: Recorded[] = [];
  replies: Reply[] = [];
  /** What a GET of the Deployment answers. */
  getReply: Reply = { status: 200, body: PLAIN_DEPLOYMENT };
  private server!: Server;
  url = '';

  async start(tls: { key: string; cert: string }): Promise<void> {
    this.server = createServer(tls, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec = {
          method: req.method ?? '',
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          authorization: req.headers.authorization,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const isGet = rec.method === 'GET';
        (isGet ? this.gets : this.requests).push(rec);
        const reply = isGet ? this.getReply : (this.replies.shift() ?? { status: 200, body: { kind: 'Deployment' } });
        res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body ?? {}));
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  reset(replies: Reply[], getReply: Reply = { status: 200, body: PLAIN_DEPLOYMENT }): void {
    this.requests.length = 0;
    this.gets.length = 0;
    this.replies = replies;
    this.getReply = getReply;
  }

  stop(): Promise<void> {
    return new Promise((ok) => this.server.close(() => ok()));
  }
}

/**
 * Inside a describe: a stand-in API server with a token and a CA file for the suite (started before, stopped
 * after), and `run`, the sidecar command against it in process.
 */
export function sidecarStandIn() {
  const dir = mkdtempSync(join(tmpdir(), 'strata-sidecar-'));
  const api = new StandIn();
  let env: Record<string, string>;
  const patchFile = join(dir, 'patch.json');

  before(async () => {
    const tls = testCertificate(dir);
    await api.start(tls);
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(patchFile, JSON.stringify(PATCH, null, 2));
    env = {
      STRATA_KUBE_API_SERVER: api.url,
      STRATA_KUBE_TOKEN_FILE: join(dir, 'token'),
      STRATA_KUBE_CA_FILE: tls.certFile,
    };
  });
  after(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(argv: string[], extraEnv: Record<string, string> = {}) {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await command.run({ argv, env: { ...env, ...extraEnv }, cwd: dir, stdout, stderr });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }
  return { dir, api, patchFile, run };
}
