import type { ErrorObject, ValidateFunction } from 'ajv';
import type AjvCore from 'ajv/dist/core.js';
import vm from 'node:vm';
import { UserError } from '../core/errors.js';
import { resolvePath } from '../core/fs.js';
import { DEFAULT_RENDER_LIMITS, limitHint } from '../core/limits.js';
import { valueAt } from '../core/paths.js';
import type { Check, CheckInput } from '../core/render.js';
import type { Finding, Value } from '../core/types.js';
import { decodeUtf8 } from '../core/yaml-load.js';
import { ajvMessage, ajvPath } from './ajv-errors.js';
import { isPlainMap, toText } from '../core/guards.js';

// The app's values.schema.json against the merged values (docs/validation.md). Helm >= 3.18.5 semantics:
// JSON Schema 2020-12 unless `$schema` names another draft; every error at once; no remote or file `$ref`
// (Ajv never fetches by itself: without `loadSchema` an unknown `$ref` is a compile error, which we report).

type AjvClass = new (opts: Record<string, unknown>) => AjvCore;

// Loaded on first use: an app without a schema never pays for Ajv at start-up.

const ajvClass = {
  draft7: (): AjvClass => (require('ajv') as { default: AjvClass }).default,
  '2019': (): AjvClass => (require('ajv/dist/2019.js') as { default: AjvClass }).default,
  '2020': (): AjvClass => (require('ajv/dist/2020.js') as { default: AjvClass }).default,
};

function ajvClassFor(schema: unknown, file: string): AjvClass {
  const id = typeof schema === 'object' && schema !== null ? (schema as Record<string, unknown>).$schema : undefined;
  if (id === undefined) return ajvClass['2020']();
  const s = toText(id);
  if (s.includes('2020-12')) return ajvClass['2020']();
  if (s.includes('2019-09')) return ajvClass['2019']();
  if (/draft-0[67]/.test(s)) return ajvClass.draft7();
  // "the newest draft": Helm's validator (santhosh-tekuri/jsonschema v6, draft.go draftFromURL, used by helm
  // pkg/chart/common/util/jsonschema.go) maps json-schema.org/schema to draftLatest, which is 2020-12.
  if (/^https?:\/\/json-schema\.org\/schema#?$/.test(s)) return ajvClass['2020']();
  throw new UserError(
    `unsupported $schema ${JSON.stringify(s)}: use JSON Schema 2020-12, 2019-09, draft-07 or draft-06`,
    { file, path: '.$schema' },
  );
}

// Compiled validators by schema text: an unchanged schema compiles once per process (render --all, server).
const compiled = new Map<string, ValidateFunction>();

/**
 * Compile budget of a values schema, checked before Ajv sees it: Ajv's compile time and memory grow with the
 * number of subschemas (a 30,000-property schema took 17 s and 1.1 GB). Real charts' schemas have a few
 * thousand at most. A deadline backs the count up, for shapes that are costly without being many.
 */
export const SCHEMA_MAX_NODES = 10_000;
export const SCHEMA_COMPILE_DEADLINE_MS = 15_000;

/** Objects and arrays in a parsed schema, counted without recursion, stopping past `max`. */
export function schemaNodeCount(schema: unknown, max: number): number {
  let n = 0;
  const stack: unknown[] = [schema];
  while (stack.length && n <= max) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    n++;
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return n;
}

export interface SchemaLimits {
  /** Largest schema file (limits.schemaBytes). */
  schemaBytes: number;
}

/**
 * Compile a values or CRD schema (JSON text) with Ajv, once per process per text. Ajv generates a JavaScript
 * validator from the schema; it quotes every schema value it puts in that code (ajv
 * lib/compile/codegen/code.ts safeStringify, getProperty), which test/fuzz-codegen.test.ts exercises. What it
 * does not quote is the `/*# sourceURL=<$id> *\/` comment it adds when `code.source` or `code.process` is on
 * (lib/compile/validate/index.ts funcSourceUrl; JSON quoting leaves `*\/` as is), so a `$id` could close the
 * comment and run (issue 21 §1). Neither option is ever set here, and the generated code is never written to
 * the compile store: it would carry repository text into every later process (docs/security.md "Code
 * generation"). A cold process pays Ajv's compile instead (docs/performance.md).
 */
export function compileValuesSchema(
  text: string,
  file: string,
  limits: SchemaLimits = DEFAULT_RENDER_LIMITS,
): ValidateFunction {
  const hit = compiled.get(text);
  if (hit) return hit;
  if (Buffer.byteLength(text) > limits.schemaBytes) {
    throw new UserError(
      `the values schema is over the ${limits.schemaBytes}-byte limit (${limitHint('schemaBytes')})`,
      { file },
    );
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  if (!isPlainMap(schema)) {
    if (typeof schema !== 'boolean') throw new UserError('a JSON Schema must be an object or a boolean', { file });
  }
  if (schemaNodeCount(schema, SCHEMA_MAX_NODES) > SCHEMA_MAX_NODES) {
    throw new UserError(
      `the values schema has over ${SCHEMA_MAX_NODES.toLocaleString('en-US')} subschemas and values, the compile budget of a values schema`,
      { file },
    );
  }
  const Cls = ajvClassFor(schema, file);
  const ajv = new Cls(AJV_OPTIONS);
  let validate: ValidateFunction;
  try {
    validate = runWithDeadline(() => ajv.compile(schema), SCHEMA_COMPILE_DEADLINE_MS) as ValidateFunction;
  } catch (e) {
    if (isTimeout(e)) {
      throw new UserError(
        `compiling the values schema took over ${SCHEMA_COMPILE_DEADLINE_MS} ms, the compile budget of a values schema`,
        { file },
      );
    }
    // Typically a `$ref` to another file or URL: we never load those.
    throw new UserError(
      `cannot compile the values schema: ${(e as Error).message} (remote and file $refs are not loaded)`,
      { file },
      { cause: e },
    );
  }
  if (compiled.size > 256) compiled.clear();
  compiled.set(text, validate);
  return validate;
}

/**
 * Ajv's options for repository schemas. validateSchema: false skips checking the schema against the JSON
 * Schema meta-schema (~100 ms of a cold render); a broken schema still fails, when it is compiled.
 * ownProperties: `required: [constructor]` must not be met by Object.prototype, nor `properties` see it.
 * `code` is left at Ajv's defaults on purpose: `source` and `process` put the unescaped `$id` in the code (see
 * compileValuesSchema). Frozen, so no caller can turn them on for a schema compiled here.
 */
export const AJV_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({
  allErrors: true,
  strict: false,
  validateFormats: false,
  validateSchema: false,
  ownProperties: true,
});

/** Ajv errors as findings at strata value paths, each with the origin of the value concerned. */
export function valuesSchemaFindings(
  errors: readonly ErrorObject[],
  values: Value,
  input: Pick<CheckInput, 'merged'>,
  schemaFile: string,
): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const { path } = ajvPath(e, (prefix) => Array.isArray(valueAt(values, prefix)));
    const message = ajvMessage(e);
    // oneOf/anyOf repeat their branches' errors; keep one line per path and message.
    const key = `${path}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = input.merged.provenance.get(path);
    out.push({
      severity: 'error',
      rule: 'values-schema',
      message: `${message} (${schemaFile})`,
      path,
      ...(entry ? { origin: entry.origin } : {}),
    });
  }
  return out;
}

// A schema comes from the repository, and a `pattern` like `^(a|a)+$` backtracks exponentially on the wrong
// value: run validation under a deadline (V8 interrupts a running regular expression) so a render fails in
// seconds with a clear message instead of holding a sidecar core until Argo CD's timeout. A shorter render
// budget (limits.renderMs) shortens it too.
export const SCHEMA_DEADLINE_MS = 2000;
let sandbox: { context: vm.Context; script: vm.Script } | undefined;

/** Run `fn` so that V8 interrupts it after `ms` (a timeout error, see isTimeout), even inside a regex. */
function runWithDeadline(fn: () => unknown, ms: number): unknown {
  sandbox ??= { context: vm.createContext({}), script: new vm.Script('fn()') };
  sandbox.context.fn = fn;
  try {
    return sandbox.script.runInContext(sandbox.context, { timeout: ms });
  } finally {
    sandbox.context.fn = undefined;
  }
}

function isTimeout(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

/** `limit`: what bounds the validation, as the error says it (its own deadline, or what is left of the render's). */
function validateWithDeadline(
  validate: ValidateFunction,
  values: Value,
  file: string,
  ms: number,
  limit: string,
): boolean {
  try {
    return runWithDeadline(() => validate(values), ms) as boolean;
  } catch (e) {
    if (isTimeout(e)) {
      // Either a `pattern` that backtracks on these values or a schema too costly to apply: say both.
      throw new UserError(
        `validating the values took over ${limit}: a "pattern" in the schema backtracks on these values, or the schema is too large`,
        { file },
      );
    }
    throw e;
  }
}

/** The values schema check: a no-op when the app has no schema file. Bounded by the render's own limits. */
export function valuesSchemaCheck(): Check {
  return (input) => {
    const limits = input.limits;
    const file = resolvePath(input.config.dir, input.config.valuesSchema, input.config.file);
    if (input.fs.stat(file) !== 'file') return [];
    const bytes = input.fs.readFile(file);
    if (bytes.length > limits.schemaBytes) {
      throw new UserError(
        `the values schema is ${bytes.length} bytes, over the ${limits.schemaBytes}-byte limit (${limitHint('schemaBytes')})`,
        { file },
      );
    }
    const validate = compileValuesSchema(decodeUtf8(bytes, file), file, limits);
    // The render's one clock: a render already past its budget stops here; otherwise validation gets what is left.
    input.deadline.check(file);
    const left = Math.max(1, input.deadline.remainingMs());
    const limit =
      left < SCHEMA_DEADLINE_MS
        ? `the render budget of ${input.limits.renderMs} ms (${limitHint('renderMs')})`
        : `${SCHEMA_DEADLINE_MS} ms`;
    if (validateWithDeadline(validate, input.merged.values, file, Math.min(SCHEMA_DEADLINE_MS, left), limit)) return [];
    return valuesSchemaFindings(validate.errors ?? [], input.merged.values, input, file);
  };
}
