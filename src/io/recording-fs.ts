import type { ReadOnlyFs } from '../core/fs.js';

// A view of a file system that notes every read (file bytes, stat, directory listing) and its answer, so the
// reads of a computation can be checked again later or elsewhere without redoing it: the server's
// content-keyed result cache (server/cache.ts) replays them against the same tree, `diff --all`
// (diff/inputs.ts) against the other revision. A file's answer is what `fileAnswer` makes of its bytes
// (a digest or a git blob id); a failed read's answer starts with `error:`. The encoding lives here only: the
// recorder writes it and `answerNow` is the one way to ask a tree the same question again.

export interface Read {
  op: 'file' | 'stat' | 'dir';
  path: string;
  answer: string;
}

export class RecordingFs implements ReadOnlyFs {
  readonly reads: Read[] = [];
  constructor(
    private readonly inner: ReadOnlyFs,
    private readonly fileAnswer: (bytes: Uint8Array) => string,
  ) {}

  readFile(path: string): Uint8Array {
    return this.note('file', path, () => this.inner.readFile(path), this.fileAnswer);
  }
  stat(path: string): 'file' | 'dir' | undefined {
    return this.note('stat', path, () => this.inner.stat(path), statAnswer);
  }
  readDir(path: string): string[] {
    return this.note('dir', path, () => this.inner.readDir(path), dirAnswer);
  }
  /** Not recorded: it only lets a walk skip a directory it has already seen (discover.ts). */
  identity(path: string): string | undefined {
    return this.inner.identity ? this.inner.identity(path) : path;
  }

  private note<T>(op: Read['op'], path: string, read: () => T, answer: (v: T) => string): T {
    try {
      const v = read();
      this.reads.push({ op, path, answer: answer(v) });
      return v;
    } catch (e) {
      this.reads.push({ op, path, answer: errorAnswer(e) });
      throw e;
    }
  }
}

const statAnswer = (kind: 'file' | 'dir' | undefined): string => String(kind);
const dirAnswer = (names: string[]): string => names.join('\u0000');
const errorAnswer = (e: unknown): string => `error:${(e as Error).message}`;

/** Whether a recorded answer is a failed read's. */
export function isErrorAnswer(answer: string): boolean {
  return answer.startsWith('error:');
}

/**
 * The answer `fs` gives now to the read `r` recorded, in the recorder's encoding; `file` answers a file read
 * (the caller's content id: a digest of the bytes, or an id known without reading them; undefined: no readable
 * file, a failed read).
 */
export function answerNow(
  r: Read,
  fs: Pick<ReadOnlyFs, 'stat' | 'readDir'>,
  file: (path: string) => string | undefined,
): string {
  try {
    if (r.op === 'file') return file(r.path) ?? errorAnswer(new Error('no readable file'));
    if (r.op === 'stat') return statAnswer(fs.stat(r.path));
    return dirAnswer(fs.readDir(r.path));
  } catch (e) {
    return errorAnswer(e);
  }
}
