import { createHash } from 'node:crypto';
import type { ReadOnlyFs } from '../core/fs.js';
import { answerNow, isErrorAnswer, RecordingFs, type Read } from '../io/recording-fs.js';

// Results keyed by the content of their inputs. A computation runs against a RecordingFs (io/recording-fs.ts) that
// notes every
// read (file bytes, stat, directory listing) and its outcome; a later request with the same query replays
// those reads and reuses the result only when every one of them still gives the same answer. Editing,
// adding or deleting any file the render looked at (including an optional layer that was absent) is
// therefore a miss, and nothing needs to watch the tree. A hit costs a few small reads and hashes.

function digestBytes(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('base64');
}

function replay(fs: ReadOnlyFs, r: Read): string {
  return answerNow(r, fs, (path) => digestBytes(fs.readFile(path)));
}

/**
 * Drop reads that a later read of the same path implies (a stat before reading the file or listing the
 * directory; repeated reads), so a hit replays each path once.
 */
function compact(reads: readonly Read[]): Read[] {
  const seen = new Set<string>();
  const implied = new Set(
    reads
      .filter((r) => r.op !== 'stat' && !isErrorAnswer(r.answer))
      .map((r) => `${r.op === 'file' ? 'file' : 'dir'}\u0000${r.path}`),
  );
  return reads.filter((r) => {
    const id = `${r.op}\u0000${r.path}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return !(r.op === 'stat' && implied.has(`${r.answer}\u0000${r.path}`));
  });
}

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

export class ResultCache {
  private readonly entries = new Map<string, { reads: Read[]; value: unknown }>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxEntries = 500) {}

  /**
   * The cached value for `key` when its recorded inputs are unchanged in `fs`, else `compute` run against a
   * recording view of `fs`. Only successful results are kept: a failing render is recomputed next time.
   */
  get<T>(fs: ReadOnlyFs, key: string, compute: (fs: ReadOnlyFs) => T): { value: T; hit: boolean } {
    const entry = this.entries.get(key);
    if (entry && entry.reads.every((r) => replay(fs, r) === r.answer)) {
      this.hits++;
      this.entries.delete(key); // refresh its place in the eviction order
      this.entries.set(key, entry);
      return { value: entry.value as T, hit: true };
    }
    this.misses++;
    const rec = new RecordingFs(fs, digestBytes);
    const value = compute(rec);
    this.entries.set(key, { reads: compact(rec.reads), value });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return { value, hit: false };
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.entries.size };
  }
}
