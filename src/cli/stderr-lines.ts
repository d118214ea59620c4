import { Writable } from 'node:stream';
import { oneLine } from '../core/errors.js';

// Every write a command makes to stderr is one message (`strata: warning: …`, `strata: template log: …`, a
// finding, a pino JSON line), and a message is one line: what a repository or an Application controls (a file
// name, a plugin.env name, a template's `log` text) must not start a line of its own in Argo CD's UI, nor send
// a terminal escape. Commands write through this stream; main prints errors through describeError, which
// escapes the same way.

/** The `--debug` listing (render.ts `numbered`): numbered lines of a template's output, asked for by the user. */
const DEBUG_LISTING = 'strata: --debug: ';

export class OneLineStderr extends Writable {
  constructor(private readonly inner: Writable) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const end = text.endsWith('\n') ? '\n' : '';
    const body = end ? text.slice(0, -1) : text;
    // The listing keeps its line breaks (each line starts with strata's own line number), nothing else.
    const safe = body.startsWith(DEBUG_LISTING) ? body.split('\n').map(oneLine).join('\n') : oneLine(body);
    this.inner.write(safe + end);
    cb();
  }
}
