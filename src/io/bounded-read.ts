import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { DEFAULT_RENDER_LIMITS, limitHint } from '../core/limits.js';

// Reading a file named by hostile input (a repository, a flag, a parameter) without trusting it: open with
// O_NONBLOCK (opening a FIFO with no writer would otherwise block forever), fstat the open descriptor (no
// race with a rename between stat and read), refuse anything that is not a regular file (FIFOs, /dev/zero,
// sockets) and anything over the cap, all before reading a byte; then read exactly the stat'ed size and stop,
// so a file that grows while we read cannot take more. A 1.5 GB sparse file fails on its size alone.

export type ReadRefusal = { reason: 'not-regular'; kind: string } | { reason: 'too-large'; size: number; max: number };

/** Thrown by readBounded; callers turn it into a UserError naming the file (and the limit). */
export class BoundedReadError extends Error {
  constructor(readonly refusal: ReadRefusal) {
    super(describeRefusal(refusal));
  }
}

export function describeRefusal(r: ReadRefusal): string {
  if (r.reason === 'not-regular') return `is a ${r.kind}, not a regular file; refusing to read it`;
  return `file is ${r.size} bytes, over the ${r.max}-byte limit (${limitHint('fileBytes')})`;
}

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  if (st.isDirectory()) return 'directory';
  return 'special file';
}

/** Bytes of the regular file at `path`, at most `maxBytes`; errno errors (ENOENT, EACCES) pass through. */
export function readBounded(path: string, maxBytes: number = DEFAULT_RENDER_LIMITS.fileBytes): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new BoundedReadError({ reason: 'not-regular', kind: kindOf(st) });
    if (st.size > maxBytes) throw new BoundedReadError({ reason: 'too-large', size: st.size, max: maxBytes });
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break; // the file shrank: return what is there
      off += n;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}
