// `strata import helm`: a Helm chart directory -> the files of a strata app (strata.yaml, values layers,
// translated templates, IMPORT.md). Pure with respect to the output: this module builds a map of relative
// path -> text; writing it (atomically, inside DIR only) is write.ts's job.

import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../core/errors.js';
import type { DefineNode, ParsedFile } from '../core/go-template/ast.js';
import { GoTemplateError, parseGoTemplate } from '../core/go-template/parser.js';
import {
  chartFieldPartials,
  templatePartialName,
  TranslationTooLarge,
  Translator,
  type Place,
} from '../core/go-template/translate.js';

export interface ImportOptions {
  readonly chartDir: string;
  /** Release name (default: the chart's name): strata.yaml metadata.name, `.Release.Name`. */
  readonly name?: string;
  readonly namespace?: string;
  /** Environments: name -> values file path (read as is). None: one environment `default`. */
  readonly envs: readonly { name: string; file: string }[];
  readonly kubeVersion?: string;
}

export interface ImportResult {
  /** Relative path -> contents, every file of the app. */
  readonly files: Map<string, string | Buffer>;
  readonly places: Place[];
  readonly reviews: Place[];
  readonly constructs: Map<string, number>;
  readonly templates: number;
  readonly chartName: string;
}

const MAX_FILE = 4 * 1024 * 1024;
const ENV_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function readText(path: string, what: string): string {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    throw new UserError(`${what}: no such file`);
  }
  if (!st.isFile()) throw new UserError(`${what}: not a regular file`);
  if (st.size > MAX_FILE) throw new UserError(`${what}: larger than ${MAX_FILE} bytes`);
  return readFileSync(path, 'utf8');
}

/** Template files under templates/, relative to the chart (`templates/x.yaml`), sorted; symlinks are skipped. */
function listTemplates(chartDir: string, skipped: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(chartDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = posix.join(rel, e.name);
      if (e.isSymbolicLink()) skipped.push(`${r} (a symbolic link)`);
      else if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('templates');
  return out.sort();
}

/** A translation that passes the translator's work bound fails naming the chart file. */
function bounded<T>(file: string, translate: () => T): T {
  try {
    return translate();
  } catch (e) {
    if (e instanceof TranslationTooLarge) throw new UserError(`${file}: ${e.message}`);
    throw e;
  }
}

export function importHelm(o: ImportOptions): ImportResult {
  const chartYaml = readText(join(o.chartDir, 'Chart.yaml'), 'Chart.yaml');
  let meta: Record<string, unknown>;
  try {
    meta = (parseYaml(chartYaml) ?? {}) as Record<string, unknown>;
  } catch {
    throw new UserError('Chart.yaml: not valid YAML');
  }
  const chartName = typeof meta.name === 'string' && meta.name ? meta.name : undefined;
  if (!chartName) throw new UserError('Chart.yaml: no name');
  const appName = o.name ?? chartName;
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(appName) || appName.length > 253)
    throw new UserError('--name: expected a DNS name (lowercase letters, digits, "-", ".")');
  if (o.namespace !== undefined && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(o.namespace))
    throw new UserError('--namespace: expected a namespace name (lowercase letters, digits, "-")');
  for (const e of o.envs)
    if (!ENV_NAME.test(e.name))
      throw new UserError('--env: expected NAME=FILE with NAME of lowercase letters, digits and "-"');
  if (new Set(o.envs.map((e) => e.name)).size !== o.envs.length)
    throw new UserError('--env: the same environment is given twice');

  const files = new Map<string, string | Buffer>();
  const notes: string[] = [];
  const skipped: string[] = [];
  const templates = listTemplates(o.chartDir, skipped);
  if (Array.isArray(meta.dependencies) && meta.dependencies.length)
    notes.push(
      'Chart.yaml lists dependencies (subcharts): they are not imported; import each one as its own app or port what you use.',
    );
  try {
    if (lstatSync(join(o.chartDir, 'charts')).isDirectory()) notes.push('charts/ (subcharts) is not imported.');
  } catch {
    // no subcharts
  }

  // Parse every template first: defines are shared by the whole chart.
  const parsed = new Map<string, ParsedFile>();
  const skippedTests: string[] = [];
  const places: Place[] = [];
  for (const t of templates) {
    if (t.startsWith('templates/tests/')) {
      skippedTests.push(t);
      continue;
    }
    if (posix.basename(t) === 'NOTES.txt') {
      notes.push(`${t} is not imported: strata prints no release notes (keep it as documentation).`);
      continue;
    }
    const text = readText(join(o.chartDir, t), t);
    try {
      parsed.set(t, parseGoTemplate(text));
    } catch (e) {
      if (!(e instanceof GoTemplateError)) throw e;
      places.push({ file: t, line: e.line, construct: 'syntax', reason: `not a valid Go template: ${e.message}` });
    }
  }
  const defines = new Map<string, { file: string; def: DefineNode }>();
  for (const [file, p] of parsed) {
    for (const def of p.defines) {
      if (defines.has(def.name))
        notes.push(
          `define "${def.name}" appears more than once (${defines.get(def.name)!.file}, ${file}); the last one is kept, as Helm does.`,
        );
      defines.set(def.name, { file, def });
    }
  }
  const isPartialFile = (t: string): boolean => posix.basename(t).startsWith('_');
  const renderable = [...parsed.keys()].filter((t) => !isPartialFile(t));
  const tr = new Translator({
    name: chartName,
    meta,
    defines: new Set(defines.keys()),
    templates: new Set(renderable),
  });

  // Templates (their top level); defines are translated after, into partial files.
  const bodies = new Map<string, string>();
  for (const t of renderable)
    bodies.set(
      t,
      bounded(t, () => tr.template(t, parsed.get(t)!.list)),
    );
  // Defines, grouped by the file they came from: `_helpers.tpl` -> `templates/_helpers.hbs`; defines written
  // in an ordinary template go to `templates/_defines.hbs`.
  const partialFiles = new Map<string, string[]>();
  for (const { file, def } of defines.values()) {
    const target = isPartialFile(file) ? file.replace(/\.[^./]+$/, '') + '.hbs' : 'templates/_defines.hbs';
    if (!partialFiles.has(target)) partialFiles.set(target, []);
    partialFiles.get(target)!.push(bounded(file, () => tr.define(file, def)));
  }
  // Templates included by path (`include (print $.Template.BasePath "/config.yaml") .`) become partials named
  // by that path, and the template file prints the partial.
  for (const t of tr.templateIncludes) {
    const name = templatePartialName(chartName, t);
    if (!partialFiles.has('templates/_templates.hbs')) partialFiles.set('templates/_templates.hbs', []);
    partialFiles.get('templates/_templates.hbs')!.push(`{{#*inline "${name}"}}${bodies.get(t)!}{{/inline}}`);
    bodies.set(t, `{{include "${name}" this}}`);
  }
  for (const [t, body] of bodies) files.set(outName(t), body);
  for (const [t, defs] of partialFiles) files.set(t, defs.join('\n') + '\n');

  // Files read with .Files.Get "literal".
  for (const f of tr.files) {
    const clean = posix.normalize(f);
    if (clean.startsWith('..') || posix.isAbsolute(clean) || clean.startsWith('templates/')) {
      notes.push(`.Files.Get of a path outside the chart or under templates/ is not copied.`);
      continue;
    }
    try {
      const st = lstatSync(join(o.chartDir, clean));
      if (st.isFile() && st.size <= MAX_FILE) files.set(clean, readFileSync(join(o.chartDir, clean)));
      else notes.push(`${clean} (read with .Files.Get) is not a regular file here; not copied.`);
    } catch {
      notes.push(`${clean} (read with .Files.Get) does not exist in the chart; not copied.`);
    }
  }

  // Values layers and the app.
  let values: string;
  try {
    values = readText(join(o.chartDir, 'values.yaml'), 'values.yaml');
  } catch {
    values = '{}\n';
    notes.push('The chart has no values.yaml; the base layer is empty.');
  }
  files.set('values.yaml', values);
  try {
    files.set('values.schema.json', readText(join(o.chartDir, 'values.schema.json'), 'values.schema.json'));
  } catch {
    // no schema
  }
  const envs = o.envs.length ? o.envs.map((e) => e.name) : ['default'];
  for (const e of o.envs) files.set(`values-${e.name}.yaml`, readText(e.file, `--env ${e.name}`));
  files.set('strata.yaml', strataYaml(appName, chartName, meta, envs, o.namespace));
  // What `.Chart.X` in a `tpl` value reads at render time (the templates themselves get constants).
  files.set('templates/_strata-chart.hbs', chartFieldPartials(meta));

  const allPlaces = [...places, ...tr.places].sort((a, b) =>
    a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1,
  );
  for (const s of skipped) notes.push(`${s} is skipped.`);
  if (skippedTests.length) {
    notes.push(
      `templates/tests/ (${skippedTests.length} files) is not imported: \`helm test\` Pods have no counterpart in a strata render (use an Argo CD hook on a plain manifest if you need one).`,
    );
  }
  files.set(
    'IMPORT.md',
    importMd({
      appName,
      chartName,
      meta,
      envs,
      templates: renderable,
      partials: [...partialFiles.keys()],
      places: allPlaces,
      reviews: tr.reviews,
      constructs: tr.constructs,
      notes,
      kubeVersion: o.kubeVersion,
      namespace: o.namespace,
    }),
  );
  return {
    files,
    places: allPlaces,
    reviews: tr.reviews,
    constructs: tr.constructs,
    templates: renderable.length,
    chartName,
  };
}

/** `templates/deployment.yaml` -> `templates/deployment.yaml.hbs` (`.yml`, `.json`, others: `.yaml.hbs`). */
function outName(t: string): string {
  return t.replace(/\.(yaml|yml|json|txt|tpl)$/i, '') + '.yaml.hbs';
}

function strataYaml(
  app: string,
  chart: string,
  meta: Record<string, unknown>,
  envs: string[],
  namespace: string | undefined,
): string {
  const version =
    typeof meta.version === 'string' || typeof meta.version === 'number' ? ` ${String(meta.version)}` : '';
  return [
    `# Imported from the Helm chart ${chart}${version} by \`strata import helm\` (IMPORT.md lists what to check).`,
    'apiVersion: strata.dev/v1',
    'kind: App',
    'metadata:',
    `  name: ${app}`,
    'spec:',
    `  environments: [${envs.join(', ')}]`,
    `  defaultEnvironment: ${envs[0]}`,
    '  layers:',
    '    - values.yaml',
    '    - path: values-{env}.yaml',
    '      optional: true',
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    "  # Helm's template engine: a missing value is empty (nil), text prints as is, tpl reads Go template",
    "  # text and toYaml writes Helm's layout (docs/config.md). Delete this line for strata's strict checks:",
    '  # `strata render` then names each missing value and unsafe raw print to fix.',
    '  semantics: helm',
    '',
  ].join('\n');
}

interface MdInput {
  appName: string;
  chartName: string;
  meta: Record<string, unknown>;
  envs: string[];
  templates: string[];
  partials: string[];
  places: Place[];
  reviews: Place[];
  constructs: Map<string, number>;
  notes: string[];
  kubeVersion?: string;
  namespace?: string;
}

function importMd(m: MdInput): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const kube = m.kubeVersion ? ` --kube-version ${m.kubeVersion}` : '';
  const lines = [
    `# Import of the Helm chart ${m.chartName}${typeof m.meta.version === 'string' || typeof m.meta.version === 'number' ? ` ${m.meta.version}` : ''}`,
    '',
    `\`strata import helm\` wrote this app: \`strata.yaml\` (app \`${m.appName}\`, environments ${m.envs.map((e) => `\`${e}\``).join(', ')}),`,
    "`values.yaml` (the chart's, as the base layer), one `values-<env>.yaml` per `--env`, and the templates translated",
    `to strata's Handlebars (${m.templates.length} templates; partials in ${m.partials.map((p) => `\`${p}\``).join(', ') || 'none'}).`,
    '',
    'Check it:',
    '',
    '```sh',
    `strata render . --env ${m.envs[0]}${kube}`,
    '```',
    '',
    '## Places left',
    '',
  ];
  if (m.places.length === 0) lines.push('None: every construct was translated.');
  else {
    lines.push(
      'Each of these has no strata equivalent. The template fails there (`fail`) with this message, so a render that',
    );
    lines.push('reaches it stops; rewrite each by hand (docs/from-helm.md).', '');
    lines.push('| file | line | construct | why |', '|---|---|---|---|');
    for (const p of m.places)
      lines.push(`| ${cell(p.file)} | ${p.line} | \`${cell(p.construct)}\` | ${cell(p.reason)} |`);
  }
  lines.push('', '## To review', '');
  const review = [...m.reviews.map((r) => `${r.file}:${r.line}: \`${r.construct}\`: ${r.reason}`), ...m.notes];
  review.push(
    "`semantics: helm` in strata.yaml keeps Helm's engine rules (a missing value prints empty, text prints as is, `tpl` reads Go syntax, Helm's `toYaml` layout); delete it to have `strata render` name each missing value and unsafe raw print (docs/config.md).",
  );
  for (const r of review) lines.push(`- ${r}`);
  lines.push('', '## Constructs translated', '', '| construct | count |', '|---|---|');
  for (const [k, v] of [...m.constructs].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    lines.push(`| \`${cell(k)}\` | ${v} |`);
  lines.push('');
  return lines.join('\n');
}
