import { resolve } from 'node:path';
import { UsageError, UserError } from '../core/errors.js';
import { DEFAULT_RENDER_LIMITS, limitHint, type Limits } from '../core/limits.js';
import { decodeUtf8 } from '../core/yaml-load.js';
import { BoundedReadError, readBounded } from '../io/bounded-read.js';

// The manifest stream `diff --against-manifests FILE|-` compares with: a file named on the command line (the
// user's choice, like `-f`) or standard input (`helm template . | strata diff ... --against-manifests -`).
// Either is bounded by the render output cap (limits.outputBytes): the stream stands for a render's output.

/** What the process entry hands a command as standard input (absent: the command has none, e.g. in the warm renderer). */
export type StdinSource = AsyncIterable<Buffer | string>;

export interface ManifestsInput {
  text: string;
  /** How errors name it: the path as given, or `<stdin>`. */
  source: string;
}

export async function readManifestsInput(
  arg: string,
  cwd: string,
  stdin: StdinSource | undefined,
  limits: Pick<Limits, 'outputBytes'> = DEFAULT_RENDER_LIMITS,
): Promise<ManifestsInput> {
  const max = limits.outputBytes;
  if (arg === '-') {
    if (!stdin) throw new UsageError('--against-manifests -: this command has no standard input here; name a file');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdin) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += b.length;
      // Stop reading at the cap: a producer that never ends must not grow the heap.
      if (size > max)
        throw new UserError(`standard input is over the ${max}-byte limit (${limitHint('outputBytes')})`, {
          flag: '--against-manifests -',
        });
      chunks.push(b);
    }
    return { text: decodeUtf8(Buffer.concat(chunks), '<stdin>'), source: '<stdin>' };
  }
  let bytes: Buffer;
  try {
    bytes = readBounded(resolve(cwd, arg), max);
  } catch (e) {
    if (e instanceof BoundedReadError) {
      const msg =
        e.refusal.reason === 'too-large'
          ? `file is ${e.refusal.size} bytes, over the ${max}-byte limit (${limitHint('outputBytes')})`
          : e.message;
      throw new UserError(msg, { file: arg }, { cause: e });
    }
    throw new UserError(
      `cannot read the manifest stream: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file: arg },
    );
  }
  return { text: decodeUtf8(bytes, arg), source: arg };
}
