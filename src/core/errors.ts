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

  constructor(message: string, where?: UserError['where'], options?: { cause?: unknown }) {
    super(message, options);
    this.where = where;
  }

  /** One line: `helm/applications/plate-api/values-prod.yaml:12:5 .image.tag: expected a string`. */
  override toString(): string {
    const loc = formatWhere(this.where);
    return loc ? `${loc}: ${this.message}` : this.message;
  }
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
    super(errors.length === 1 ? `1 error found: ${summarizeLines([formatFinding(errors[0])])}` : `${errors.length} errors found:\n${summarizeLines(errors.map((f) => '  ' + formatFinding(f)))}`);
    this.findings = findings;
  }
}

/** Bounds of a FindingsError message: Argo CD shows it in its UI, and 20k findings made a 4 MB message. */
export const MESSAGE_LIMITS = { lines: 50, lineChars: 1_000, chars: 16_000 };

/** The first lines in order, each cut at `lineChars`, until `lines` or `chars`; then `and N more`. */
export function summarizeLines(lines: readonly string[], limits = MESSAGE_LIMITS): string {
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
  return out.join('\n');
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
  return `${f.severity} ${f.rule}${subject ? ' ' + subject : ''}${whereBits ? ` (${whereBits})` : ''}: ${f.message}`;
}

/** Add context to an error without losing it: UserErrors keep their location, others become the cause. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.toString();
  if (err instanceof Error) return err.message;
  return String(err);
}
