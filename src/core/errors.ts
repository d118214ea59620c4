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
    super(`${errors.length} error${errors.length === 1 ? '' : 's'} found:\n${errors.map((f) => '  ' + formatFinding(f)).join('\n')}`);
    this.findings = findings;
  }
}

export function formatOrigin(o: Origin | undefined): string {
  if (!o) return '';
  if (o.flag) return o.flag;
  if (!o.file) return '';
  return o.line ? `${o.file}:${o.line}${o.column ? `:${o.column}` : ''}` : o.file;
}

function formatWhere(w: UserError['where']): string {
  if (!w) return '';
  const parts = [formatOrigin(w)];
  if (w.path) parts.push(w.path);
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
