import { Writable } from 'node:stream';

/**
 * A stream that keeps what is written, for output held back until a command has finished: main prints stdout
 * only when the command succeeds (nothing on stdout after an error), and a warm renderer returns each request's
 * stdout and stderr as one answer.
 */
export class ByteSink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
