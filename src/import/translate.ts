// Go text/template (Helm) -> strata Handlebars, construct by construct, from the tree of go-template/parser.ts.
//
// How the Go model maps onto strata's (docs/from-helm.md, "Import a chart", has the table):
// - Dot. Go's `.` is the root object {Values, Release, Chart...} at a template's top and changes inside
//   `range`/`with`. Every `range`/`with` becomes `#each`/`#with` with a block parameter, and `.` inside is that
//   parameter; the template root is `@root` once inside a block (bare `values.x` at the top). Inside a
//   `define`, `.` and `$` are the partial's argument: `this` at the top, `_dot` inside blocks (the body is
//   then wrapped in `{{#each (list this) as |_dot|}}`, which runs once whatever the argument is).
// - Variables. Handlebars has none; strata's helpers are pure, so `$x := pipeline` is replaced at each use by
//   the pipeline itself, translated in the scope it was declared in. A `$x = …` inside `range`, or a use
//   after a reassignment inside a nested block, cannot be expressed that way and is left (see below).
// - Pipelines `a | f b` are calls with the piped value last: `(f b a)`.
// - Trim markers are applied by the parser (Go's output text), so the output has no `~`; an empty comment
//   `{{!}}` after a block tag keeps Handlebars from removing a line Go would keep ("standalone" lines).
// - What has no equivalent becomes `(fail "…")` at that place, so the template fails only when it gets
//   there, and is listed (file, line, what, why) for IMPORT.md and stderr.

import { makeHelpers, REFUSED_HELPERS } from '../core/helpers.js';
import { DEFAULT_RENDER_LIMITS } from '../core/limits.js';
import type {
  CommandNode,
  DefineNode,
  IfNode,
  Node,
  Operand,
  PipeNode,
  RangeNode,
  TemplateNode,
  WithNode,
} from './go-template/ast.js';

/** A place the import could not translate: the template fails there, and IMPORT.md lists it. */
export interface Place {
  readonly file: string;
  readonly line: number;
  readonly construct: string;
  readonly reason: string;
}

/** What the translator knows about the chart. */
export interface ChartInfo {
  readonly name: string;
  /** Chart.yaml's fields, as read (`name`, `version`, `appVersion`...). */
  readonly meta: Readonly<Record<string, unknown>>;
  /** Every `define` name in the chart. */
  readonly defines: ReadonlySet<string>;
  /** Template paths (`templates/x.yaml`) that exist, for `include (print $.Template.BasePath "/x.yaml")`. */
  readonly templates: ReadonlySet<string>;
}

export interface TranslateResult {
  readonly text: string;
  readonly places: Place[];
  /** Go constructs translated, by name (`if`, `range`, `include`, `pipeline`…), for IMPORT.md. */
  readonly constructs: Map<string, number>;
  /** Template files included by path (`include (print $.Template.BasePath "/x.yaml") .`): they must be partials too. */
  readonly templateIncludes: Set<string>;
  /** Chart files read with `.Files.Get "literal"`: copied into the app. */
  readonly files: Set<string>;
  /** Places that translate but need a look (tpl over values written for Go). */
  readonly reviews: Place[];
}

/** The partial name under which a whole template file is available to `include` (Helm's path for it). */
export function templatePartialName(chart: string, file: string): string {
  return `${chart}/${file}`;
}

const ENGINE_HELPERS = ['tpl', 'file', 'log'];
// The helper table itself (core's HELPER_NAMES tests names with `in`, which drops `toString`).
const HELPER_NAMES = Object.keys(makeHelpers({ renderPartial: () => '', limits: () => DEFAULT_RENDER_LIMITS }));
const refused = (n: string): boolean => Object.hasOwn(REFUSED_HELPERS, n);
const KNOWN = new Set([...HELPER_NAMES, ...ENGINE_HELPERS].filter((n) => !refused(n)));
/** Names a block parameter must not take: they would shadow a helper or a root field. */
const RESERVED = new Set([
  ...HELPER_NAMES,
  ...ENGINE_HELPERS,
  'values',
  'app',
  'env',
  'release',
  'capabilities',
  'this',
  'true',
  'false',
  'null',
  'undefined',
  'else',
  'as',
  'if',
  'each',
  'with',
  'unless',
  'lookup',
  '_dot',
]);
/** sprig helpers that change their arguments in place; strata's return new values. */
const MUTATING = new Set(['set', 'unset', 'merge', 'mergeOverwrite', 'mustMerge', 'mustMergeOverwrite']);

type Ref = { kind: 'root' } | { kind: 'param'; name: string } | { kind: 'entry' };

type Binding =
  { kind: 'expr'; pipe: PipeNode; scope: Scope } | { kind: 'ref'; ref: Ref } | { kind: 'poisoned'; why: string };

interface Scope {
  readonly dot: Ref;
  readonly dollar: Ref;
  /** How many context-changing blocks (`#each`, `#with`) enclose this point. */
  readonly depth: number;
  readonly vars: Map<string, Binding>;
  readonly inRange: boolean;
  /** Variables declared inside the innermost range body (reassigning those is fine). */
  readonly rangeVars: ReadonlySet<string>;
  /** Block parameter names in use. */
  readonly params: ReadonlySet<string>;
}

/** A Handlebars expression. */
type H =
  | { k: 'path'; text: string }
  | { k: 'lit'; value: string | number | boolean | null }
  | { k: 'call'; name: string; args: H[] };

type Piece = { t: 'text'; s: string } | { t: 'tag'; s: string; block: boolean };

const fail = (msg: string): H => ({ k: 'call', name: 'fail', args: [{ k: 'lit', value: msg }] });

export class Translator {
  readonly places: Place[] = [];
  readonly reviews: Place[] = [];
  readonly constructs = new Map<string, number>();
  readonly templateIncludes = new Set<string>();
  readonly files = new Set<string>();
  private file = '';
  private needEntry = false;
  /** Per enclosing branch: the variables reassigned in it. */
  private readonly assigned: Set<string>[] = [];

  constructor(private readonly chart: ChartInfo) {}

  /** A template file's top-level nodes (its defines are translated separately with `define`). */
  template(file: string, list: Node[]): string {
    this.file = file;
    const scope: Scope = {
      dot: { kind: 'root' },
      dollar: { kind: 'root' },
      depth: 0,
      vars: new Map(),
      inRange: false,
      rangeVars: new Set(),
      params: new Set(),
    };
    return assemble(this.list(list, scope));
  }

  /** A `define` as an inline partial. */
  define(file: string, def: DefineNode): string {
    this.file = file;
    this.needEntry = false;
    const scope: Scope = {
      dot: { kind: 'entry' },
      dollar: { kind: 'entry' },
      depth: 0,
      vars: new Map(),
      inRange: false,
      rangeVars: new Set(),
      params: new Set(),
    };
    let body = this.list(def.list, scope);
    if (this.needEntry) {
      body = [
        { t: 'tag', s: '{{#each (list this) as |_dot|}}', block: true },
        ...body,
        { t: 'tag', s: '{{/each}}', block: true },
      ];
    }
    this.count('define');
    return assemble([
      { t: 'tag', s: `{{#*inline ${str(def.name)}}}`, block: true },
      ...body,
      { t: 'tag', s: '{{/inline}}', block: true },
    ]);
  }

  result(text: string): TranslateResult {
    return {
      text,
      places: this.places,
      constructs: this.constructs,
      templateIncludes: this.templateIncludes,
      files: this.files,
      reviews: this.reviews,
    };
  }

  private count(what: string): void {
    this.constructs.set(what, (this.constructs.get(what) ?? 0) + 1);
  }

  private leave(line: number, construct: string, reason: string): H {
    // A variable's pipeline is translated at each use: list its places once.
    if (!this.places.some((p) => p.file === this.file && p.line === line && p.construct === construct))
      this.places.push({ file: this.file, line, construct, reason });
    return fail(
      `strata import: ${construct} at ${this.file}:${line} has no strata equivalent (${reason}); see IMPORT.md`,
    );
  }

  // --- statements ---

  private list(nodes: Node[], scope0: Scope): Piece[] {
    const out: Piece[] = [];
    let scope = scope0;
    for (const n of nodes) {
      switch (n.type) {
        case 'text':
          out.push({ t: 'text', s: n.text });
          break;
        case 'comment': {
          this.count('comment');
          const body = n.text.trim();
          const safe = !/\{\{|\}\}|--|(^|[\s(])\.[A-Za-z]|\$|\|/.test(body);
          out.push({
            t: 'tag',
            s: `{{!-- ${safe ? body : 'Helm comment (not copied: it holds template syntax)'} --}}`,
            block: true,
          });
          break;
        }
        case 'action':
          scope = this.action(n.pipe, scope, out);
          break;
        case 'if':
          scope = this.ifNode(n, scope, out);
          break;
        case 'with':
          scope = this.withNode(n, scope, out);
          break;
        case 'range':
          scope = this.rangeNode(n, scope, out);
          break;
        case 'template':
          out.push(this.mustache(this.templateCall(n, scope)));
          break;
        case 'break':
        case 'continue':
          out.push(
            this.mustache(
              this.leave(n.line, `{{${n.type}}}`, 'Handlebars loops cannot stop early: filter the list first'),
            ),
          );
          break;
      }
    }
    return out;
  }

  /** `{{ pipeline }}`: prints, or declares/assigns a variable. Returns the scope for what follows. */
  private action(pipe: PipeNode, scope: Scope, out: Piece[]): Scope {
    if (pipe.decl.length === 0) {
      this.countPipe(pipe);
      out.push(this.mustache(this.pipe(pipe, scope)));
      return scope;
    }
    const name = pipe.decl[0];
    const vars = new Map(scope.vars);
    const expr: Binding = { kind: 'expr', pipe: { ...pipe, decl: [], isAssign: false }, scope };
    if (pipe.isAssign) {
      this.count('$x = (reassignment)');
      if (!scope.vars.has(name)) {
        out.push(this.mustache(this.leave(pipe.line, `$${name} =`, 'the variable is not declared here')));
        return scope;
      }
      this.assigned[this.assigned.length - 1]?.add(name);
      if (scope.inRange && !scope.rangeVars.has(name)) {
        out.push(
          this.mustache(
            this.leave(
              pipe.line,
              `$${name} = inside range`,
              'a value carried from one iteration to the next (Handlebars has no variables)',
            ),
          ),
        );
        vars.set(name, { kind: 'poisoned', why: `$${name} is reassigned inside range` });
        return { ...scope, vars };
      }
    } else this.count('$x := (variable)');
    const stage = pipe.cmds[pipe.cmds.length - 1];
    const head = stage.args[0];
    if (name === '_' && head.type === 'identifier' && MUTATING.has(head.name)) {
      out.push(
        this.mustache(
          this.leave(
            pipe.line,
            head.name,
            `sprig's ${head.name} changes its argument in place; strata's returns a new value (use the result)`,
          ),
        ),
      );
      return scope;
    }
    // Side effects at the declaration (`$_ := required "…" .Values.x`): evaluate it once here, print nothing.
    if (this.hasEffect(pipe))
      out.push({ t: 'tag', s: `{{#if ${this.arg(this.pipe(expr.pipe, scope))}}}{{/if}}`, block: false });
    vars.set(name, expr);
    const rangeVars = scope.inRange && !pipe.isAssign ? new Set([...scope.rangeVars, name]) : scope.rangeVars;
    return { ...scope, vars, rangeVars };
  }

  private hasEffect(pipe: PipeNode): boolean {
    let found = false;
    const walk = (o: Operand): void => {
      if (o.type === 'identifier' && (o.name === 'required' || o.name === 'fail')) found = true;
      else if (o.type === 'pipe') o.cmds.forEach((c) => c.args.forEach(walk));
      else if (o.type === 'chain') walk(o.node);
    };
    pipe.cmds.forEach((c) => c.args.forEach(walk));
    return found;
  }

  private ifNode(n: IfNode, scope: Scope, out: Piece[]): Scope {
    this.count(n.elseChained || n.elseList ? 'if/else' : 'if');
    let cur: IfNode | undefined = n;
    let first = true;
    const assignedAll = new Set<string>();
    while (cur) {
      const inner = this.declScope(cur.pipe, scope);
      this.countPipe(cur.pipe);
      const cond = this.arg(this.pipe({ ...cur.pipe, decl: [], isAssign: false }, scope));
      out.push({ t: 'tag', s: first ? `{{#if ${cond}}}` : `{{else if ${cond}}}`, block: true });
      first = false;
      this.branch(cur.list, inner, out, assignedAll);
      if (cur.elseChained) {
        cur = cur.elseList![0] as IfNode;
        continue;
      }
      if (cur.elseList) {
        out.push({ t: 'tag', s: '{{else}}', block: true });
        this.branch(cur.elseList, scope, out, assignedAll);
      }
      cur = undefined;
    }
    out.push({ t: 'tag', s: '{{/if}}', block: true });
    return this.poison(scope, assignedAll, 'if');
  }

  private withNode(n: WithNode, scope: Scope, out: Piece[]): Scope {
    this.count('with');
    let cur: WithNode | undefined = n;
    let first = true;
    const assignedAll = new Set<string>();
    while (cur) {
      this.countPipe(cur.pipe);
      const value = this.arg(this.pipe({ ...cur.pipe, decl: [], isAssign: false }, scope));
      const name = this.paramName(cur.pipe.decl[0] ?? 'with', scope);
      out.push({ t: 'tag', s: `{{${first ? '#with' : 'else with'} ${value} as |${name}|}}`, block: true });
      first = false;
      const ref: Ref = { kind: 'param', name };
      const vars = new Map(scope.vars);
      if (cur.pipe.decl[0]) vars.set(cur.pipe.decl[0], { kind: 'ref', ref });
      const inner: Scope = {
        ...scope,
        dot: ref,
        depth: scope.depth + 1,
        vars,
        params: new Set([...scope.params, name]),
      };
      this.branch(cur.list, inner, out, assignedAll);
      if (cur.elseChained) {
        cur = cur.elseList![0] as WithNode;
        continue;
      }
      if (cur.elseList) {
        out.push({ t: 'tag', s: '{{else}}', block: true });
        this.branch(cur.elseList, scope, out, assignedAll);
      }
      cur = undefined;
    }
    out.push({ t: 'tag', s: '{{/with}}', block: true });
    return this.poison(scope, assignedAll, 'with');
  }

  private rangeNode(n: RangeNode, scope: Scope, out: Piece[]): Scope {
    this.count(n.pipe.decl.length === 2 ? 'range $k, $v' : 'range');
    this.countPipe(n.pipe);
    const source = this.pipe({ ...n.pipe, decl: [], isAssign: false }, scope);
    // Go 1.22 ranges over an integer: 0..n-1.
    const over =
      source.k === 'lit' && typeof source.value === 'number'
        ? { k: 'call' as const, name: 'until', args: [source] }
        : source;
    const [kVar, vVar] = n.pipe.decl.length === 2 ? n.pipe.decl : [undefined, n.pipe.decl[0]];
    const item = this.paramName(vVar ?? 'item', scope);
    const params = new Set([...scope.params, item]);
    const key = kVar !== undefined ? this.paramName(kVar, { ...scope, params }) : undefined;
    if (key) params.add(key);
    out.push({ t: 'tag', s: `{{#each ${this.arg(over)} as |${item}${key ? ` ${key}` : ''}|}}`, block: true });
    const ref: Ref = { kind: 'param', name: item };
    const vars = new Map(scope.vars);
    if (vVar !== undefined) vars.set(vVar, { kind: 'ref', ref });
    if (kVar !== undefined && key) vars.set(kVar, { kind: 'ref', ref: { kind: 'param', name: key } });
    const inner: Scope = {
      ...scope,
      dot: ref,
      depth: scope.depth + 1,
      vars,
      inRange: true,
      params,
      rangeVars: new Set(n.pipe.decl),
    };
    const assignedAll = new Set<string>();
    this.branch(n.list, inner, out, assignedAll);
    if (n.elseList) {
      out.push({ t: 'tag', s: '{{else}}', block: true });
      this.branch(n.elseList, scope, out, assignedAll);
    }
    out.push({ t: 'tag', s: '{{/each}}', block: true });
    return this.poison(scope, assignedAll, 'range');
  }

  /** Translate a branch; collect the outer variables it reassigns (also into the enclosing branch's set). */
  private branch(list: Node[], scope: Scope, out: Piece[], assigned: Set<string>): void {
    const mine = new Set<string>();
    this.assigned.push(mine);
    try {
      out.push(...this.list(list, scope));
    } finally {
      this.assigned.pop();
    }
    for (const name of mine) {
      if (!scope.vars.has(name)) continue;
      assigned.add(name);
      this.assigned[this.assigned.length - 1]?.add(name);
    }
  }

  /** After a block that reassigned outer variables, later uses cannot know which value they hold. */
  private poison(scope: Scope, assigned: Set<string>, block: string): Scope {
    if (assigned.size === 0) return scope;
    const vars = new Map(scope.vars);
    for (const name of assigned)
      vars.set(name, { kind: 'poisoned', why: `$${name} is reassigned inside {{${block}}} and used after it` });
    return { ...scope, vars };
  }

  /** The scope inside an `if` whose pipeline declares a variable (`{{ if $x := … }}`). */
  private declScope(pipe: PipeNode, scope: Scope): Scope {
    if (pipe.decl.length === 0 || pipe.isAssign) return scope;
    const vars = new Map(scope.vars);
    vars.set(pipe.decl[0], { kind: 'expr', pipe: { ...pipe, decl: [], isAssign: false }, scope });
    return { ...scope, vars };
  }

  private paramName(goName: string, scope: Scope): string {
    let base = /^[A-Za-z_][A-Za-z0-9_]*$/.test(goName) && goName !== '_' ? goName : 'item';
    if (RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let i = 2; scope.params.has(name); i++) name = `${base}${i}`;
    return name;
  }

  private templateCall(n: TemplateNode, scope: Scope): H {
    this.count(n.block ? 'block' : 'template');
    if (!this.chart.defines.has(n.name))
      return this.leave(
        n.line,
        `template ${JSON.stringify(n.name)}`,
        'no define of that name in the chart (library charts are not imported)',
      );
    const ctx = n.pipe ? this.pipe(n.pipe, scope) : ({ k: 'lit', value: null } as H);
    return { k: 'call', name: 'include', args: [{ k: 'lit', value: n.name }, ctx] };
  }

  private countPipe(pipe: PipeNode): void {
    if (pipe.cmds.length > 1) this.count('pipeline a | f');
  }

  // --- expressions ---

  private pipe(pipe: PipeNode, scope: Scope): H {
    let acc: H | undefined;
    for (const cmd of pipe.cmds) acc = this.command(cmd, scope, acc);
    return acc!;
  }

  private command(cmd: CommandNode, scope: Scope, piped: H | undefined): H {
    const [head, ...rest] = cmd.args;
    const args = (): H[] => [...rest.map((a) => this.operand(a, scope)), ...(piped ? [piped] : [])];
    if (head.type === 'identifier') return this.func(head.name, rest, args, scope, cmd.line);
    // A method call: a field path given arguments.
    if ((rest.length > 0 || piped) && (head.type === 'field' || head.type === 'variable'))
      return this.method(head.path, args(), cmd.line);
    if (rest.length > 0 || piped) return this.leave(cmd.line, 'arguments to a non-function', 'Go fails here too');
    return this.operand(head, scope);
  }

  private func(name: string, rest: Operand[], args: () => H[], scope: Scope, line: number): H {
    if (refused(name)) {
      const why =
        name === 'lookup'
          ? 'a render never queries the cluster (under Argo CD, helm template returns an empty map here)'
          : `strata refuses it: it ${REFUSED_HELPERS[name]}`;
      return this.leave(line, name, why);
    }
    if (!KNOWN.has(name)) return this.leave(line, name, 'no strata helper of that name (docs/helpers.md)');
    this.count(name);
    if (name === 'include') {
      const a = args();
      const target = a[0];
      if (target?.k === 'lit' && typeof target.value === 'string') {
        const t = target.value;
        const prefix = `${this.chart.name}/`;
        if (!this.chart.defines.has(t)) {
          if (t.startsWith(prefix) && this.chart.templates.has(t.slice(prefix.length)))
            this.templateIncludes.add(t.slice(prefix.length));
          else
            return this.leave(
              line,
              `include ${JSON.stringify(t)}`,
              'no define of that name in the chart (library charts are not imported)',
            );
        }
      }
      return { k: 'call', name, args: a };
    }
    if (name === 'tpl') {
      this.reviews.push({
        file: this.file,
        line,
        construct: 'tpl',
        reason:
          'strata renders the text as a strata (Handlebars) template: values written in Go template syntax must be rewritten',
      });
    }
    if (name === 'print' || name === 'printf') {
      // Constant folding, so `include (print $.Template.BasePath "/x.yaml")` names a known template.
      const a = args();
      if (
        a.every((x) => x.k === 'lit' && typeof x.value === 'string') &&
        (name === 'print' || !/%[^s%]/.test(String((a[0] as { value: string }).value)))
      ) {
        const parts = a.map((x) => String((x as { value: string }).value));
        if (name === 'print') return { k: 'lit', value: parts.join('') };
        let i = 1;
        const text = parts[0].replace(/%[s%]/g, (m) => (m === '%%' ? '%' : (parts[i++] ?? '')));
        if (i === parts.length) return { k: 'lit', value: text };
      }
      return { k: 'call', name, args: a };
    }
    void rest;
    void scope;
    return { k: 'call', name, args: args() };
  }

  private method(path: string[], args: H[], line: number): H {
    const at = path.findIndex((p) => p === 'Capabilities' || p === 'Files');
    const tail = at >= 0 ? path.slice(at).join('.') : path.join('.');
    if (tail === 'Capabilities.APIVersions.Has') {
      this.count('.Capabilities.APIVersions.Has');
      return { k: 'call', name: 'apiVersionAvailable', args };
    }
    if (tail === 'Files.Get') {
      this.count('.Files.Get');
      if (args[0]?.k === 'lit' && typeof args[0].value === 'string') this.files.add(args[0].value);
      else
        this.reviews.push({
          file: this.file,
          line,
          construct: '.Files.Get',
          reason: 'the path is computed: copy the files it reads into the app',
        });
      return { k: 'call', name: 'file', args };
    }
    return this.leave(
      line,
      `.${tail}`,
      tail.startsWith('Files.')
        ? 'strata reads single files only (file "path"); globbing and AsConfig/AsSecrets have no equivalent'
        : 'a method call',
    );
  }

  private operand(o: Operand, scope: Scope): H {
    switch (o.type) {
      case 'string':
        return { k: 'lit', value: o.value };
      case 'number':
        return { k: 'lit', value: o.value };
      case 'bool':
        return { k: 'lit', value: o.value };
      case 'nil':
        return { k: 'lit', value: null };
      case 'dot':
        return this.refPath(scope.dot, scope, []);
      case 'field':
        return this.fields(scope.dot, scope, o.path, o.line);
      case 'variable': {
        // `$` is the template's argument, unless the template declared its own (`{{ $ := .root }}`).
        if (o.name === '' && !scope.vars.has('')) return this.fields(scope.dollar, scope, o.path, o.line);
        const b = scope.vars.get(o.name);
        if (!b) return this.leave(o.line, `$${o.name}`, 'the variable is declared in another branch');
        if (b.kind === 'poisoned') return this.leave(o.line, `$${o.name}`, b.why);
        if (b.kind === 'ref') return this.fields(b.ref, scope, o.path, o.line);
        // Re-translate the declaration where it is used: same dot and variables, the current block depth.
        const value = this.pipe(b.pipe, { ...b.scope, depth: scope.depth, params: scope.params });
        return this.chainOn(value, o.path, o.line, scope);
      }
      case 'identifier':
        return this.func(o.name, [], () => [], scope, o.line);
      case 'pipe':
        return this.pipe(o, scope);
      case 'chain':
        return this.chainOn(this.operand(o.node, scope), o.path, o.line, scope);
    }
  }

  /** Fields on a computed value: a path stays a path, anything else goes through `index`. */
  private chainOn(value: H, path: string[], line: number, scope: Scope): H {
    if (path.length === 0) return value;
    if (value.k === 'path') return this.mapFields(value.text, path, line, scope);
    this.count('(x).Field');
    const keys: H[] = path.map((p) => ({ k: 'lit', value: p }));
    return { k: 'call', name: 'index', args: [value, ...keys] };
  }

  /** `.A.B` on a reference (dot, `$`, a block parameter). */
  private fields(ref: Ref, scope: Scope, path: string[], line: number): H {
    if (path.length === 0) return this.refPath(ref, scope, []);
    return this.mapFields(this.refBase(ref, scope), path, line, scope);
  }

  private refBase(ref: Ref, scope: Scope): string {
    if (ref.kind === 'param') return ref.name;
    if (scope.depth === 0) return '';
    if (ref.kind === 'root') return '@root';
    this.needEntry = true;
    return '_dot';
  }

  private refPath(ref: Ref, scope: Scope, segs: string[]): H {
    const base = this.refBase(ref, scope);
    if (segs.length === 0) return { k: 'path', text: base || 'this' };
    return { k: 'path', text: joinPath(base, segs) };
  }

  /** Map Helm's built-in objects (`.Values`, `.Release.Name`, `.Chart.Version`, `.Capabilities…`) on a path. */
  private mapFields(base: string, path: string[], line: number, scope: Scope): H {
    const i = path.findIndex(
      (p) =>
        p === 'Values' || p === 'Release' || p === 'Chart' || p === 'Capabilities' || p === 'Template' || p === 'Files',
    );
    if (i < 0) return { k: 'path', text: joinPath(base, path) };
    const before = path.slice(0, i);
    const on = (segs: string[]): H => ({ k: 'path', text: joinPath(base, [...before, ...segs]) });
    const [obj, field, ...more] = path.slice(i);
    const done = (h: H, used: number, segs?: string[]): H => {
      const left = path.slice(i + used);
      if (segs) return { k: 'path', text: joinPath(base, [...before, ...segs, ...left]) };
      if (left.length === 0) return h;
      return this.leave(line, `.${path.slice(i).join('.')}`, 'a field of a value strata computes');
    };
    void scope;
    switch (obj) {
      case 'Values':
        this.count('.Values');
        return done(on(['values']), 1, ['values']);
      case 'Release':
        this.count(`.Release.${field ?? ''}`);
        if (field === 'Name') return done(on(['app', 'name']), 2, ['app', 'name']);
        if (field === 'Namespace') return done(on(['app', 'namespace']), 2, ['app', 'namespace']);
        if (field === 'Service') return done({ k: 'lit', value: 'Helm' }, 2);
        if (field === 'Revision') return done({ k: 'lit', value: 1 }, 2);
        if (field === 'IsInstall') return done({ k: 'lit', value: true }, 2);
        if (field === 'IsUpgrade') return done({ k: 'lit', value: false }, 2);
        return this.leave(line, `.Release${field ? `.${field}` : ''}`, 'strata has app.name and app.namespace only');
      case 'Chart': {
        if (field === undefined) return this.leave(line, '.Chart', 'chart metadata is imported field by field');
        this.count(`.Chart.${field}`);
        const key = field[0].toLowerCase() + field.slice(1);
        const v = this.chart.meta[key === 'apiVersion' ? 'apiVersion' : key];
        const value = v === undefined || v === null ? '' : typeof v === 'object' ? undefined : v;
        if (value === undefined) return this.leave(line, `.Chart.${field}`, 'not a single value');
        return done(
          {
            k: 'lit',
            value: typeof value === 'boolean' || typeof value === 'number' ? String(value) : (value as string),
          },
          2,
        );
      }
      case 'Capabilities': {
        this.count('.Capabilities');
        const kv = on(['capabilities', 'kubeVersion']);
        if (field === 'KubeVersion') {
          const sub = more[0];
          // Helm's KubeVersion.Version and .GitVersion start with "v"; strata's kubeVersion may not.
          const version: H = {
            k: 'call',
            name: 'print',
            args: [
              { k: 'lit', value: 'v' },
              { k: 'call', name: 'trimPrefix', args: [{ k: 'lit', value: 'v' }, kv] },
            ],
          };
          if (sub === undefined || sub === 'Version' || sub === 'GitVersion')
            return done(version, sub === undefined ? 2 : 3);
          if (sub === 'Major' || sub === 'Minor') {
            const parts: H = {
              k: 'call',
              name: 'splitList',
              args: [
                { k: 'lit', value: '.' },
                { k: 'call', name: 'trimPrefix', args: [{ k: 'lit', value: 'v' }, kv] },
              ],
            };
            return done({ k: 'call', name: 'index', args: [parts, { k: 'lit', value: sub === 'Major' ? 0 : 1 }] }, 3);
          }
        }
        if (field === 'APIVersions' && more.length === 0) return on(['capabilities', 'apiVersions']);
        return this.leave(
          line,
          `.Capabilities.${[field, ...more].join('.')}`,
          'strata has capabilities.kubeVersion and capabilities.apiVersions',
        );
      }
      case 'Template':
        this.count(`.Template.${field ?? ''}`);
        if (field === 'Name') return done({ k: 'lit', value: `${this.chart.name}/${this.file}` }, 2);
        if (field === 'BasePath') return done({ k: 'lit', value: `${this.chart.name}/templates` }, 2);
        return this.leave(line, `.Template${field ? `.${field}` : ''}`, 'strata has no template object');
      default:
        return this.leave(line, `.Files${field ? `.${field}` : ''}`, 'strata reads single files only (file "path")');
    }
  }

  // --- output ---

  private mustache(h: H): Piece {
    if (h.k === 'lit') return { t: 'text', s: h.value === null ? '' : String(h.value) };
    if (h.k === 'path') return { t: 'tag', s: `{{${h.text}}}`, block: false };
    return { t: 'tag', s: `{{${call(h)}}}`, block: false };
  }

  /** An expression as a helper argument. */
  private arg(h: H): string {
    return argText(h);
  }
}

function joinPath(base: string, segs: string[]): string {
  const parts = segs.map((s) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !['true', 'false', 'null', 'undefined', 'this'].includes(s) ? s : `[${s}]`,
  );
  if (!base) {
    // A bare one-step path named like a helper would call the helper.
    if (parts.length === 1 && RESERVED.has(parts[0])) return `this.${parts[0]}`;
    return parts.join('.');
  }
  return [base, ...parts].join('.');
}

function call(h: H & { k: 'call' }): string {
  return [h.name, ...h.args.map(argText)].join(' ');
}

function argText(h: H): string {
  if (h.k === 'path') return h.text;
  if (h.k === 'call') return `(${call(h)})`;
  const v = h.value;
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return numberText(v);
  return str(v);
}

function numberText(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return BigInt(v).toString();
  const s = String(v);
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(s)) return s;
  return v.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** A Handlebars string literal: only `\"` is an escape inside double quotes (docs/helpers.md). */
export function str(v: string): string {
  if (v.endsWith('\\')) {
    const head = v.replace(/\\+$/, '');
    const tail = v.length - head.length;
    return `(printf "%s${'%c'.repeat(tail)}" ${str(head)}${' 92'.repeat(tail)})`;
  }
  return `"${v.replace(/"/g, '\\"')}"`;
}

/** Join pieces into template text: escape text Handlebars would read, and keep Go's blank lines. */
export function assemble(pieces: Piece[]): string {
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p.t === 'text') {
      let s = p.s.replace(/\{\{/g, '\\{{');
      // A backslash right before a tag would escape it.
      if (pieces[i + 1]?.t === 'tag' && s.endsWith('\\')) s += '\\';
      out += s;
      continue;
    }
    out += p.s;
    if (p.block) {
      // Handlebars drops a line holding only a block tag ("standalone"); Go keeps it. An empty comment right
      // after the tag makes it not standalone.
      const before = /(^|\n)[ \t]*$/.test(out.slice(0, out.length - p.s.length));
      const next = pieces[i + 1];
      const after = next === undefined ? true : next.t === 'text' && /^[ \t]*\r?\n/.test(next.s);
      // Inside `{{#*inline}}`, strata compiles the body again as a template of its own, where a comment first
      // in the body would be standalone again: an empty print is never standalone.
      if (before && after) out += p.s.startsWith('{{#*inline') ? '{{print}}' : '{{!}}';
    }
  }
  return out;
}
