import type { Finding, Origin } from './types.js';

/**
 * The few error types strata raises. Entry points map them to exit codes (CLI) or HTTP statuses (server)
 * in one place each; everything else is an internal error.
 *
 * Messages never quote source lines: a values file may hold a secret, and the message reaches Argo CD's UI.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  /** Where the problem is, printed before the message: `file:line:col .yaml.path`. */
  readonly where?: Origin & { path?: string; template?: string };
  /** The message without its detail lines; `message` is the two joined, for callers that read it. */
  readonly head: string;
  /** Lines listed under the message (one per finding or failure), each printed as one line of its own. */
  readonly details: readonly string[];

  constructor(message: string, where?: UserError['where'], options?: { cause?: unknown; details?: readonly string[] }) {
    const details = options?.details ?? [];
    super(
      details.length ? [message, ...details].join('\n') : message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.where = where;
    this.head = message;
    this.details = details;
  }

  /**
   * `helm/applications/plate-api/values-prod.yaml:12:5 .image.tag: expected a string`, then one line per
   * detail. Every part is passed through oneLine: names in a message (a parameter, an environment, a file
   * of the repository) are hostile, and a newline in one must not print a line of its own.
   */
  override toString(): string {
    const loc = oneLine(formatWhere(this.where));
    const head = oneLine(this.head);
    return [loc ? `${loc}: ${head}` : head, ...this.details.map(oneLine)].join('\n');
  }
}

/**
 * Characters that end a line somewhere (a terminal, Argo CD's UI, a log viewer), rewrite one (CR, ESC
 * sequences) or reorder what is shown (bidirectional overrides): C0 and C1 controls, DEL, U+2028/U+2029,
 * U+202A-U+202E and U+2066-U+2069.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text made printable on one line: each control character becomes a visible escape (`\n`, `\x1b`,
 * `\u2028`). The one place every message goes through before it is printed (UserError.toString,
 * describeError, formatFinding, and main's stderr for warnings and template logs).
 */
export function oneLine(text: string): string {
  return text.replace(
    CONTROL,
    (c) =>
      NAMED[c] ??
      (c.charCodeAt(0) < 0x100
        ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
        : `\\u${c.charCodeAt(0).toString(16)}`),
  );
}

/**
 * For a catch that reports a user's mistake and carries on (the next app, the next file): a UserError passes, to
 * be reported; anything else (a bug, a budget, a usage error) is thrown on unchanged.
 */
export function rethrowUnlessUser(e: unknown): asserts e is UserError {
  if (!(e instanceof UserError)) throw e;
}

/** Bad command-line usage (unknown flag, missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Validation or policy failed: carries every finding so all of them are reported at once. */
export class FindingsError extends UserError {
  override readonly name = 'FindingsError';
  readonly findings: Finding[];

  constructor(findings: Finding[]) {
    const errors = findings.filter((f) => f.severity === 'error');
    // One error stays on one line (Argo CD's UI shows the first line of a failed generate); several are listed.
    if (errors.length === 1) super(`1 error found: ${summarize([formatFinding(errors[0])])[0]}`);
    else
      super(`${errors.length} errors found:`, undefined, {
        details: summarize(errors.map((f) => '  ' + formatFinding(f))),
      });
    this.findings = findings;
  }
}

/** Bounds of a FindingsError message: Argo CD shows it in its UI, and 20k findings made a 4 MB message. */
export const MESSAGE_LIMITS = { lines: 50, lineChars: 1_000, chars: 16_000 };

/** The first lines in order, each cut at `lineChars`, until `lines` or `chars`; then `and N more`. */
export function summarizeLines(lines: readonly string[], limits = MESSAGE_LIMITS): string {
  return summarize(lines, limits).join('\n');
}

function summarize(lines: readonly string[], limits = MESSAGE_LIMITS): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const line of lines) {
    const cut = line.length > limits.lineChars ? line.slice(0, limits.lineChars - 1) + '…' : line;
    if (out.length >= limits.lines || (out.length > 0 && chars + cut.length + 1 > limits.chars)) break;
    out.push(cut);
    chars += cut.length + 1;
  }
  const more = lines.length - out.length;
  if (more > 0) out.push(`  and ${more.toLocaleString('en-US')} more`);
  return out;
}

/**
 * Where a value came from, for messages: `file:line:col`, or the flag with its value left out
 * (`--set password=…`): messages reach Argo CD's UI. `values --explain` prints the whole flag (explain.ts).
 */
export function formatOrigin(o: Origin | undefined): string {
  if (!o) return '';
  if (o.flag) return redactFlag(o.flag);
  if (!o.file) return '';
  return o.line ? `${o.file}:${o.line}${o.column ? `:${o.column}` : ''}` : o.file;
}

/**
 * `--set a.b=secret,c=1` -> `--set a.b=…`: the keys of the first assignment, no value. `--set-file k=PATH`
 * keeps its path: a file name the user typed is what they need to see, and the file's content is never shown.
 */
export function redactFlag(flag: string): string {
  if (flag.startsWith('--set-file ')) return shorten(flag, 200);
  const m = /^(--set(?:-string|-json)? [^=]*)=/.exec(flag);
  return m ? `${shorten(m[1], 200)}=…` : shorten(flag, 200);
}

/** A path or flag of hostile length (a 60,000-level `--set`) stays readable: its start, then `…`. */
function shorten(s: string, max: number): string {
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

function formatWhere(w: UserError['where']): string {
  if (!w) return '';
  const parts = [formatOrigin(w)];
  if (w.path) parts.push(shorten(w.path, 300));
  return parts.filter(Boolean).join(' ');
}

/** `error image-tag-pinned Deployment/plate/plate-api .spec...image (templates/deployment.yaml.hbs; set at values-prod.yaml:12:5): message` */
export function formatFinding(f: Finding): string {
  const subject = [f.object, f.path].filter(Boolean).join(' ');
  const whereBits = [f.template, f.origin ? `set at ${formatOrigin(f.origin)}` : ''].filter(Boolean).join('; ');
  return oneLine(
    `${f.severity} ${f.rule}${subject ? ' ' + subject : ''}${whereBits ? ` (${whereBits})` : ''}: ${f.message}`,
  );
}

/**
 * An error as printed: UserErrors with their location and detail lines, each line escaped (oneLine); any
 * other error on one escaped line.
 */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.toString();
  if (err instanceof Error) return oneLine(err.message);
  return oneLine(String(err));
}

/**
 * The failures of a batch (`render --all`, `--output-dir`) as detail lines of one error: each failure indented
 * under the head, its own detail lines kept as lines (describeError keeps only intended line breaks).
 */
export function failureLines(failures: readonly string[]): string[] {
  return failures
    .map((f) => '  ' + f)
    .join('\n')
    .split('\n');
}
