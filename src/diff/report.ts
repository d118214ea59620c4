import type { DiffAllResult, PairResult, PairStatus } from './all.js';
import { formatDiff, type ObjectDiff } from './diff.js';

// The three outputs of `diff --all` (docs/diff.md): text for a terminal, JSON for programs, markdown for a
// pull-request comment. Pure: results in, text out.

/** GitHub refuses a comment body over 65,536 characters; keep a margin for the marker and the job's own lines. */
export const MARKDOWN_LIMIT = 65_536;
const MARKDOWN_BUDGET = MARKDOWN_LIMIT - 1_536;

/** The hidden marker a CI job looks for to update its comment instead of adding one (docs/ci.md). */
export const COMMENT_MARKER = '<!-- strata-diff -->';

function counts(objects: readonly ObjectDiff[]): Record<'added' | 'removed' | 'changed', number> {
  const c = { added: 0, removed: 0, changed: 0 };
  for (const o of objects) c[o.status]++;
  return c;
}

const ORDER: PairStatus[] = ['error', 'added', 'removed', 'changed', 'unchanged'];

function tally(results: readonly PairResult[]): string {
  const n = (s: PairStatus) => results.filter((r) => r.status === s).length;
  return `${results.length} app x env pair${results.length === 1 ? '' : 's'}: ${ORDER.map((s) => `${n(s)} ${s === 'error' ? (n(s) === 1 ? 'error' : 'errors') : s}`).join(', ')}`;
}

function labels(r: DiffAllResult): readonly [string, string] {
  return [r.against.slice(0, 12), 'working-tree'];
}

/** What a pair's row says beyond the counts: why it failed, or that the revision's side did. */
function note(p: PairResult): string {
  if (p.error) return `error: ${p.error}`;
  if (p.beforeError) return `did not render at the revision: ${p.beforeError}`;
  return '';
}

export interface TextOptions {
  color: boolean;
}

/** A summary table of every pair that is not unchanged, then each pair's field-level diff. */
export function formatText(r: DiffAllResult, opts: TextOptions): string {
  const shown = r.results.filter((p) => p.status !== 'unchanged');
  const rows = [
    ['APP', 'ENV', 'STATUS', '+', '-', '~', 'NOTE'],
    ...shown.map((p) => {
      const c = counts(p.objects);
      return [p.app || '.', p.env || '*', p.status, String(c.added), String(c.removed), String(c.changed), note(p)];
    }),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const out = [`strata diff --all against ${r.against}`];
  if (shown.length)
    out.push(
      ...rows.map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
          .join('  ')
          .trimEnd(),
      ),
    );
  out.push(tally(r.results), '');
  for (const p of shown) {
    if (!p.objects.length) continue;
    out.push(`=== ${p.app || '.'} (${p.env}): ${p.status}`);
    out.push(formatDiff(p.objects, { color: opts.color, labels: labels(r) }));
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

/** Every pair, unchanged included. */
export function formatJson(r: DiffAllResult): string {
  const results = r.results.map((p) => ({
    app: p.app,
    name: p.name,
    env: p.env,
    status: p.status,
    objects: p.objects,
    ...(p.error ? { error: p.error } : {}),
    ...(p.beforeError ? { beforeError: p.beforeError } : {}),
  }));
  return JSON.stringify({ against: r.against, results }, null, 2) + '\n';
}

/** Text that stays literal in a table cell or a `<summary>`: no HTML, no pipes, no code-span breaks. */
function cell(s: string): string {
  return s.replace(/[&<>"|`\\*_[\]]/g, (ch) => `&#${ch.charCodeAt(0)};`).replace(/[\r\n]+/g, ' ');
}

/** A code fence longer than any backtick run in the text, so a diff can never close it early. */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/**
 * A pull-request comment: a summary table (never truncated, unchanged pairs only counted), then one
 * collapsed `<details>` per pair with objects to show and a `diff` block. When the whole would exceed
 * GitHub's limit, the largest diffs are cut first (all to the same length, water-filling) and each cut one
 * says so; if even that cannot fit, the diffs are left out with a note.
 */
export function formatMarkdown(r: DiffAllResult): string {
  const shown = r.results.filter((p) => p.status !== 'unchanged');
  const head = [COMMENT_MARKER, `### strata diff against \`${r.against.slice(0, 12)}\``, '', tally(r.results), ''];
  if (shown.length) {
    head.push('| app | env | status | added | removed | changed | note |', '|---|---|---|---:|---:|---:|---|');
    // The counts line above is always whole; only a table too long for any comment (thousands of changed
    // pairs) loses rows, errors first kept (ORDER), with the number left out.
    let size = head.join('\n').length;
    const rows = [...shown].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
    let listed = 0;
    for (const p of rows) {
      const c = counts(p.objects);
      const row = `| ${cell(p.app || '.')} | ${cell(p.env || '*')} | ${p.status} | ${c.added} | ${c.removed} | ${c.changed} | ${cell(note(p))} |`;
      if (size + row.length + 1 > MARKDOWN_BUDGET - 4_000) break;
      head.push(row);
      size += row.length + 1;
      listed++;
    }
    if (listed < rows.length)
      head.push(
        '',
        `_${rows.length - listed} more pairs are not listed (comment size limit): see \`strata diff --all -o json\`._`,
      );
    head.push('');
  }
  const summary = head.join('\n');

  const blocks = shown
    .filter((p) => p.objects.length)
    .map((p) => ({
      title: `${cell(p.app || '.')} (${cell(p.env)}): ${p.status}`,
      text: formatDiff(p.objects, { color: false, labels: labels(r) }),
    }));
  const wrap = (title: string, text: string, cut: number): string => {
    const f = fence(text);
    const tail = cut
      ? `\n_${cut} more line${cut === 1 ? '' : 's'} cut to fit a comment: run \`strata diff --all\` locally for the whole diff._\n`
      : '';
    return `<details><summary>${title}</summary>\n\n${f}diff\n${text}${f}\n${tail}</details>\n`;
  };
  const full = blocks.map((b) => wrap(b.title, b.text, 0));
  const total = summary.length + 1 + full.reduce((n, s) => n + s.length, 0);
  if (total <= MARKDOWN_BUDGET) return [summary, ...full].join('\n');

  // Water-filling: the largest cap such that every diff cut to it fits in what the summary leaves.
  const overhead = blocks.map((b, i) => full[i].length - b.text.length + 120); // wrapper and the cut note
  const room = MARKDOWN_BUDGET - summary.length - 200 - overhead.reduce((n, x) => n + x, 0);
  if (room < blocks.length * 200) {
    return `${summary}\n_The diffs (${blocks.length} pairs) do not fit in a comment: run \`strata diff --all\` locally, or read the job log._\n`;
  }
  const sizes = blocks.map((b) => b.text.length);
  let lo = 0;
  let hi = Math.max(...sizes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (sizes.reduce((n, s) => n + Math.min(s, mid), 0) <= room) lo = mid;
    else hi = mid - 1;
  }
  const parts = blocks.map((b) => {
    if (b.text.length <= lo) return wrap(b.title, b.text, 0);
    const lines = b.text.split('\n');
    let kept = '';
    let i = 0;
    for (; i < lines.length; i++) {
      const next = kept + lines[i] + '\n';
      if (next.length > lo) break;
      kept = next;
    }
    return wrap(b.title, kept, lines.length - 1 - i);
  });
  return [summary, ...parts].join('\n');
}

/**
 * One comparison (`diff --against`, `--against-ref`, `--against-manifests`) as a pull-request comment: the
 * marker, a heading naming both sides, the object counts, then the diff in a fenced block, cut at the end
 * (with the number of lines cut said) when it would not fit a comment.
 */
export function formatMarkdownDiff(diffs: readonly ObjectDiff[], labels: readonly [string, string]): string {
  const c = counts(diffs);
  const head = [
    COMMENT_MARKER,
    `### strata diff: ${cell(labels[0])} (before) against ${cell(labels[1])} (after)`,
    '',
    diffs.length ? `${c.added} added, ${c.removed} removed, ${c.changed} changed` : 'No differences.',
    '',
  ].join('\n');
  if (!diffs.length) return head;
  const text = formatDiff(diffs, { color: false, labels });
  const room = MARKDOWN_BUDGET - head.length - 400;
  let kept = text;
  let cut = 0;
  if (text.length > room) {
    const lines = text.split('\n');
    let size = 0;
    let i = 0;
    for (; i < lines.length && size + lines[i].length + 1 <= room; i++) size += lines[i].length + 1;
    kept = lines.slice(0, i).join('\n') + '\n';
    cut = lines.length - 1 - i;
  }
  const f = fence(kept);
  const tail = cut
    ? `\n_${cut} more line${cut === 1 ? '' : 's'} cut to fit a comment: run \`strata diff\` locally for the whole diff._\n`
    : '';
  return `${head}\n<details><summary>${diffs.length} object${diffs.length === 1 ? '' : 's'}</summary>\n\n${f}diff\n${kept}${f}\n${tail}</details>\n`;
}
