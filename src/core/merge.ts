import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, limitHint } from './limits.js';
import { childPath, FORBIDDEN_KEYS, formatPath, pathSteps, type Segment } from './paths.js';
import type { MergedValues, Origin, Provenance, ProvenanceEntry, Value, Values } from './types.js';
import { isPlainMap } from './guards.js';

// Merges values layers with strata's semantics (docs/values.md):
// maps deep-merge; lists replace unless a list rule says append or merge-by-key; a later scalar replaces a
// map and vice versa; `null` deletes the key from everything merged before it and never stays as a value.
// Every node remembers the step that set it and the steps it overrode. The merge never mutates its inputs,
// so parsed layers can be cached and shared between renders.
//
// deepmerge is not used here: it concatenates lists, cannot delete with null, drops keys that exist on
// Object.prototype and cannot record provenance (see docs/design.md).

export type ListStrategy = 'replace' | 'append' | 'mergeByKey';

export interface ListRule {
  /** Canonical value path of the list, e.g. `.extraEnv` or `.containers`. */
  path: string;
  strategy: ListStrategy;
  /** With mergeByKey: the field that identifies an element (e.g. `name`). */
  key?: string;
}

/** Where each node of one layer came from. */
export type OriginOf = (path: string) => Origin;

/** Marker stored in history for containers: the explain output prints `{…}` / `[…]`. */
function summary(v: Value): Value {
  if (Array.isArray(v)) return [];
  return isPlainMap(v) ? {} : v;
}

export class ValuesBuilder {
  private readonly values: Values = {};
  private readonly provenance: Provenance = new Map();
  private readonly deleted: Provenance = new Map();
  private readonly listRules: ReadonlyMap<string, ListRule>;
  /** Step numbers of the last put (whole-subtree set) and of each deletion, by path: see result(). */
  private seq = 0;
  private readonly setAt = new Map<string, number>();
  private readonly deletedAt = new Map<string, number>();

  /** `maxDepth`: the nesting cap (limits.nestingDepth) for what `setPath` builds; files are capped by their loader. */
  constructor(
    listRules: readonly ListRule[] = [],
    private readonly maxDepth: number = DEFAULT_RENDER_LIMITS.nestingDepth,
  ) {
    this.listRules = new Map(listRules.map((r) => [r.path, r]));
  }

  /** Merge a whole layer (a parsed values file or an inline YAML parameter). */
  mergeLayer(layer: Values | undefined, originOf: OriginOf): void {
    if (layer) this.mergeMap(this.values, layer, '', originOf);
  }

  /**
   * Set one path (the `--set` family). An index edits the existing list element; missing maps and lists on the
   * way are created; a map value (from --set-json) merges into an existing map like a layer would.
   */
  setPath(segments: readonly Segment[], value: Value, origin: Origin): void {
    // Every entry point (--set family, Argo CD parameters) passes here; the copy below recurses per level.
    if (segments.length + depthBeyond(value, this.maxDepth - segments.length) > this.maxDepth) {
      throw new UserError(`nesting deeper than ${this.maxDepth} levels (${limitHint('nestingDepth')})`, { ...origin });
    }
    const originOf: OriginOf = () => origin;
    let container: Values | Value[] = this.values;
    let path = '';
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i];
      const wantList = typeof segments[i + 1] === 'number';
      const childP = childPath(path, seg);
      let child = this.slot(container, seg, path, origin);
      if (child === undefined || child === null) {
        this.put(container, seg, wantList ? [] : {}, childP, originOf);
        child = (container as Record<string | number, Value>)[seg]!; // put stores a copy
      } else if (wantList ? !Array.isArray(child) : !isPlainMap(child)) {
        throw new UserError(
          `cannot set ${formatPath(segments)}: ${childP} is ${describe(child)}, not a ${wantList ? 'list' : 'map'}`,
          { ...origin, path: childP },
        );
      }
      container = child as Values | Value[];
      path = childP;
    }
    const last = segments[segments.length - 1];
    this.slot(container, last, path, origin);
    this.assign(container, last, value, path, originOf);
  }

  result(): MergedValues {
    // A deletion that a later step undid (the key, or a map above it, was set again) is history, not state.
    for (const [p, at] of this.deletedAt) {
      if (prefixesOf(p).some((q) => (this.setAt.get(q) ?? 0) > at)) {
        this.deleted.delete(p);
        this.deletedAt.delete(p);
      }
    }
    return { values: this.values, provenance: this.provenance, deleted: this.deleted };
  }

  /** Read container[seg], checking that the container has the right shape for the segment. */
  private slot(container: Values | Value[], seg: Segment, path: string, origin: Origin): Value | undefined {
    if (typeof seg === 'number') {
      if (!Array.isArray(container))
        throw new UserError(`cannot index ${path || '.'} with [${seg}]: it is a map`, { ...origin, path: path || '.' });
      if (seg > container.length) {
        // Helm pads with nulls; we refuse: a hole in a list of containers or env entries is never what was meant.
        throw new UserError(`index [${seg}] is past the end of ${path || '.'} (length ${container.length})`, {
          ...origin,
          path: path || '.',
        });
      }
      return container[seg];
    }
    if (Array.isArray(container))
      throw new UserError(`cannot set key "${seg}" in ${path || '.'}: it is a list`, { ...origin, path: path || '.' });
    if (FORBIDDEN_KEYS.has(seg))
      throw new UserError(`the key "${seg}" is not allowed in values`, { ...origin, path: childPath(path, seg) });
    return Object.hasOwn(container, seg) ? container[seg] : undefined;
  }

  private mergeMap(target: Values, src: Values, path: string, originOf: OriginOf): void {
    for (const key of Object.keys(src)) {
      refuseKey(key, path, originOf);
      this.assign(target, key, src[key], path, originOf);
    }
  }

  /** Apply one value from a layer at target[key], with strata's merge rules. */
  private assign(target: Values | Value[], key: Segment, sv: Value, parentPath: string, originOf: OriginOf): void {
    const p = childPath(parentPath, key);
    const has = typeof key === 'number' ? key < (target as Value[]).length : Object.hasOwn(target, key);
    const tv = has ? (target as Record<string | number, Value>)[key] : undefined;
    if (sv === null && typeof key === 'string') {
      if (!has) return; // nothing to delete: a null never stays as a value
      this.drop(tv!, p);
      delete (target as Values)[key];
      this.deleted.set(p, { origin: originOf(p), value: null, deleted: true, previous: this.provenance.get(p) });
      this.deletedAt.set(p, ++this.seq);
      this.provenance.delete(p);
      return;
    }
    if (isPlainMap(sv) && isPlainMap(tv)) {
      this.mergeMap(tv, sv, p, originOf);
      this.record(p, sv, originOf);
      return;
    }
    const rule = this.listRules.get(p);
    if (rule && rule.strategy !== 'replace' && Array.isArray(sv) && Array.isArray(tv)) {
      this.mergeList(tv, sv, p, rule, originOf);
      this.record(p, sv, originOf);
      return;
    }
    if (tv !== undefined) this.drop(tv, p);
    this.put(target, key, sv, p, originOf);
  }

  private mergeList(tv: Value[], sv: Value[], p: string, rule: ListRule, originOf: OriginOf): void {
    for (let i = 0; i < sv.length; i++) {
      const item = sv[i]!;
      const k = rule.strategy === 'mergeByKey' && isPlainMap(item) ? item[rule.key!] : undefined;
      const found = k === undefined ? -1 : tv.findIndex((t) => isPlainMap(t) && t[rule.key!] === k);
      const at = found < 0 ? tv.length : found;
      // Positions are recorded under the source index; the merged element lives at the target index.
      const targetPrefix = childPath(p, at).length;
      const srcOrigin: OriginOf = (q) => originOf(childPath(p, i) + q.slice(targetPrefix));
      if (found >= 0) this.assign(tv, at, item, p, srcOrigin);
      else this.put(tv, at, item, childPath(p, at), srcOrigin);
    }
  }

  /** Insert a copy of a layer's subtree (nulls in maps removed) and record every node's origin. */
  private put(target: Values | Value[], key: Segment, v: Value, p: string, originOf: OriginOf): void {
    (target as Record<string | number, Value>)[key] = this.copy(v, p, originOf);
    if (this.deletedAt.size) this.setAt.set(p, ++this.seq); // only a set after a deletion can undo it
    this.record(p, v, originOf);
  }

  private copy(v: Value, p: string, originOf: OriginOf): Value {
    if (Array.isArray(v)) {
      return v.map((item, i) => {
        const q = childPath(p, i);
        this.record(q, item, originOf);
        return this.copy(item, q, originOf);
      });
    }
    if (isPlainMap(v)) {
      const out: Values = {};
      for (const k of Object.keys(v)) {
        const item = v[k]!;
        refuseKey(k, p, originOf);
        if (item === null) continue;
        const q = childPath(p, k);
        this.record(q, item, originOf);
        out[k] = this.copy(item, q, originOf);
      }
      return out;
    }
    return v;
  }

  private record(p: string, v: Value, originOf: OriginOf): void {
    const previous = this.provenance.get(p);
    const entry: ProvenanceEntry = { origin: originOf(p), value: summary(v) };
    if (previous) entry.previous = previous;
    this.provenance.set(p, entry);
  }

  /** Forget the provenance of a subtree that is being replaced or deleted (its history stays on its root). */
  private drop(v: Value, p: string): void {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.dropNode(v[i], childPath(p, i));
    } else if (isPlainMap(v)) {
      for (const k of Object.keys(v)) this.dropNode(v[k], childPath(p, k));
    }
  }

  private dropNode(v: Value, p: string): void {
    this.provenance.delete(p);
    this.drop(v, p);
  }
}

/**
 * Loaders refuse these keys already; the merge refuses them too, whatever built the layer (`JSON.parse` keeps
 * `__proto__` as an own key, and `out.__proto__ = x` would set the merged object's prototype).
 */
function refuseKey(key: string, parentPath: string, originOf: OriginOf): void {
  if (FORBIDDEN_KEYS.has(key)) {
    const p = childPath(parentPath, key);
    const o = originOf(p); // line and column may be getters (FileOrigin): read them, a spread would not
    throw new UserError(`the key "${key}" is not allowed in values (it could reach JavaScript's Object.prototype)`, {
      ...(o.flag ? { flag: o.flag } : {}),
      ...(o.file ? { file: o.file, line: o.line, column: o.column } : {}),
      path: p,
    });
  }
}

/**
 * Levels of containers in `v` (a scalar is 0, `{a: 1}` is 1), counted without recursion and only up to
 * `limit + 1`: the value may be deeper than the stack.
 */
export function depthBeyond(v: Value, limit: number): number {
  let max = 0;
  const stack: [Value, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > limit) return max;
    if (Array.isArray(x)) for (const item of x) stack.push([item, d + 1]);
    else if (isPlainMap(x)) for (const k of Object.keys(x)) stack.push([x[k]!, d + 1]);
  }
  return max;
}

/** `.a.b[0]` -> [`.a`, `.a.b`, `.a.b[0]`]: the path and every path above it. */
function prefixesOf(path: string): string[] {
  const out: string[] = [];
  let acc = '';
  for (const step of pathSteps(path)) out.push((acc += step));
  return out;
}

function describe(v: Value): string {
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return 'a string';
  return `a ${typeof v}`;
}
