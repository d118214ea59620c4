// What the warm client (src/cli/warm-client.cjs) and the warm renderer's supervisor say to each other over
// the unix socket: one JSON request line, then one JSON head line followed by the raw stdout bytes.

export interface WarmRequest {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface WarmAnswer {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Parse and check a request: only `generate` with no arguments, an absolute cwd and string env values. */
export function parseRequest(text: string): WarmRequest | undefined {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof r !== 'object' || r === null) return undefined;
  const { v, argv, cwd, env } = r as Record<string, unknown>;
  if (v !== 1 || !Array.isArray(argv) || argv.length !== 1 || argv[0] !== 'generate') return undefined;
  if (typeof cwd !== 'string' || !cwd.startsWith('/')) return undefined;
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return undefined;
  const clean: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(env)) {
    if (typeof val !== 'string') return undefined;
    clean[k] = val;
  }
  return { argv: ['generate'], cwd, env: { ...clean } };
}

export function encodeAnswer(a: WarmAnswer | 'fallback'): Buffer {
  if (a === 'fallback') return Buffer.from(JSON.stringify({ v: 1, fallback: true }) + '\n');
  return Buffer.concat([Buffer.from(JSON.stringify({ v: 1, code: a.code, stderr: a.stderr }) + '\n'), a.stdout]);
}
