// Go text/template (Helm) -> strata Handlebars, construct by construct, from the tree of go-template/parser.ts.
//
// How the Go model maps onto strata's (docs/from-helm.md, "Import a chart", has the table):
// - Dot. Go's `.` is the root object {Values, Release, Chart...} at a template's top and changes inside
//   `range`/`with`. Every `range`/`with` becomes `#each`/`#with` with a block parameter, and `.` inside is that
//   parameter; the template root is `@root` once inside a block (bare `values.x` at the top). Inside a
//   `define`, `.` and `$` are the partial's argument: `this` at the top, `_dot` inside blocks (the body is
//   then wrapped in `{{#each (list this) as |_dot|}}`, which runs once whatever the argument is).
// - Variables. Handlebars has none; strata's helpers are pure, so `$x := pipeline` is replaced at each use by
//   the pipeline itself, translated in the scope it was declared in. `$x = B` in the same list rebinds it.
//   After an `if`/`else if`/`else`/`with` whose arms reassign `$x`, `$x` is a choice ("B if C else A", arms in
//   order, nested blocks nested; a `with` arm's B reads the with value as its dot). At a use it becomes
//   `(ternary B A C)` when that eager form computes nothing Go would not: the outermost C and the value before
//   the block (Go computed both on every path to the use) or anything `total` (literals, paths, helpers that
//   never fail). Otherwise, in a printed action, the action is written once per arm inside
//   `{{#if C}}…{{else}}…{{/if}}` / `{{#with W as |p|}}`, as lazy as Go; inside an expression it is left.
//   `$_ := set/unset/merge/mergeOverwrite $d …`, where `$d` holds a map the template made (`dict`, `fromYaml`…)
//   and no other variable holds it, is `$d = set $d …` (sprig changes `$d` in place; strata returns a new map).
//   A `$x = …` inside `range` carries a value across iterations: left (see below).
// - Pipelines `a | f b` are calls with the piped value last: `(f b a)`.
// - Trim markers are applied by the parser (Go's output text), so the output has no `~`; an empty comment
//   `{{!}}` after a block tag keeps Handlebars from removing a line Go would keep ("standalone" lines).
// - What has no equivalent becomes `(fail "…")` at that place, so the template fails only when it gets
//   there, and is listed (file, line, what, why) for IMPORT.md and stderr.

import { makeHelpers, REFUSED_HELPERS } from '../helpers.js';
import { DEFAULT_RENDER_LIMITS } from '../limits.js';
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
} from './ast.js';

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
  /**
   * `.Chart.Field` reads the partial `Chart.Field` (chartFieldPartials) instead of a constant from `meta`: a `tpl`
   * text is translated at render time, where Chart.yaml is not read, but the imported app has those partials.
   */
  readonly chartFromPartials?: boolean;
}

/** Chart.yaml's scalar fields under the names templates use (`.Chart.AppVersion`), for the fields partials. */
const CHART_FIELDS: Readonly<Record<string, string>> = {
  Name: 'name',
  Version: 'version',
  AppVersion: 'appVersion',
  APIVersion: 'apiVersion',
  Description: 'description',
  Type: 'type',
  Home: 'home',
  Icon: 'icon',
  KubeVersion: 'kubeVersion',
  Deprecated: 'deprecated',
  Condition: 'condition',
  Tags: 'tags',
};

/**
 * `templates/_strata-chart.hbs` of an imported app: one inline partial per scalar Chart.yaml field (`Chart.AppVersion`),
 * what `.Chart.AppVersion` in a `tpl` text reads at render time.
 */
export function chartFieldPartials(meta: Readonly<Record<string, unknown>>): string {
  const lines = Object.entries(CHART_FIELDS).map(([field, key]) => {
    const v = meta[key];
    const text = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
    // A string literal (str), never template text: a value holding `{{` or backslashes stays text.
    return `{{#*inline "Chart.${field}"}}${text ? `{{print ${str(text)}}}` : ''}{{/inline}}`;
  });
  return `${lines.join('\n')}\n`;
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

/** Helpers whose result is a new map only this template holds (so sprig's in-place changes reach nothing else). */
const FRESH_MAP = new Set(['dict', 'fromYaml', 'fromJson', 'deepCopy', 'mustDeepCopy']);
/** Helpers that never fail, whatever their arguments: a choice between such values may be computed eagerly. */
const TOTAL = new Set(['default', 'empty', 'coalesce', 'all', 'any', 'ternary', 'and', 'or', 'not', 'list']);
/** How many `{{#if}}` arms one printed action may be expanded into (each reassigned variable doubles them). */
const MAX_ARMS = 64;

/**
 * A block parameter (`#each`/`#with`). `id` tells it apart from a later block reusing the name; `value` is the
 * `with` pipeline, for uses after the block (a value assigned inside `with` that read its dot).
 */
interface ParamRef {
  kind: 'param';
  name: string;
  id: number;
  value?: { pipe: PipeNode; scope: Scope };
}
type Ref = { kind: 'root' } | ParamRef | { kind: 'entry' };

/** What chooses between a variable's values after a block: an `if` condition or a `with` value (its dot). */
type Test =
  { kind: 'if'; pipe: PipeNode; scope: Scope } | { kind: 'with'; pipe: PipeNode; scope: Scope; ref: ParamRef };
interface Choice {
  kind: 'choice';
  test: Test;
  then: Binding;
  else: Binding;
  /** The variable's value before the block (Go computed it before the block, on every path through it). */
  before: Binding;
  /** The line of the block, for messages. */
  line: number;
}
type Binding =
  | { kind: 'expr'; pipe: PipeNode; scope: Scope }
  | { kind: 'ref'; ref: Ref }
  | { kind: 'poisoned'; why: string }
  | Choice;

/** A declared variable: `id` survives reassignment, a `:=` of the same name declares another. */
interface Var {
  readonly id: number;
  readonly b: Binding;
}

/** Thrown while translating a printed action that reads a choice which must be made lazily (see `hoisted`). */
class Hoist extends Error {
  constructor(readonly choice: Choice) {
    super('strata import: internal: a choice to make lazily');
  }
}

interface Scope {
  readonly dot: Ref;
  readonly dollar: Ref;
  /** How many context-changing blocks (`#each`, `#with`) enclose this point. */
  readonly depth: number;
  readonly vars: Map<string, Var>;
  /** Inside a range body: variables with an id below this were declared outside it. */
  readonly rangeFloor?: number;
  /** Block parameter names in use. */
  readonly params: ReadonlySet<string>;
}

/**
 * `{{continue}}` as the last statement of an arm of an `if` at the top of a range body, the common "skip this
 * item" idiom, moves what follows the `if` into the other arm, which is the same program: `if C { A; continue };
 * B` runs `A` or `B`, as `if C { A } else { B }` does (statements after `continue` in its arm never run). A
 * `continue` anywhere else (deeper in an arm, under `else if`, in `with`) and every `break` stay places.
 * Returns `list` itself when there is nothing to fold.
 */
export function foldContinue(list: Node[]): Node[] {
  const cut = (arm: Node[] | undefined): Node[] | undefined => {
    const i = arm?.findIndex((n) => n.type === 'continue') ?? -1;
    return i < 0 ? undefined : arm!.slice(0, i);
  };
  for (let i = 0; i < list.length; i++) {
    const n = list[i];
    if (n.type !== 'if') continue;
    const thenCut = cut(n.list);
    const elseCut = n.elseChained ? undefined : cut(n.elseList);
    if (!thenCut && !elseCut) continue;
    const rest = foldContinue(list.slice(i + 1));
    const folded: IfNode = {
      ...n,
      list: thenCut ?? [...n.list, ...rest],
      elseList: elseCut ?? [...(n.elseList ?? []), ...rest],
      elseChained: elseCut ? false : n.elseChained && rest.length === 0,
    };
    return [...list.slice(0, i), folded];
  }
  return list;
}

/**
 * How much work one translation may do. A variable's value is translated again at each use (Handlebars has no
 * variables), so a text that reassigns a variable from itself (`$x = $x` under n `if`s, `$_ := set $d "a"
 * (list $d.a $d.a)`) doubles the work per line: the translator counts its steps (pipes, operands, choices,
 * variable uses) and stops past `max`. `tick` runs every 1,024 steps (a render's clock).
 */
export interface WorkMeter {
  readonly max: number;
  readonly tick?: () => void;
}

/** A chart's templates: a thousand times what real charts take (ingress-nginx, 42 templates: ~3,500 steps). */
export const IMPORT_WORK: WorkMeter = { max: 5_000_000 };

/** The translation passed its WorkMeter's max; callers say where (a chart file, a tpl text). */
export class TranslationTooLarge extends Error {
  constructor(readonly max: number) {
    super(`translating it takes more than ${max} steps (a reassigned variable is written out again at each use)`);
  }
}

/** The scope at the top of a template file (`.` and `$` the root) or of a define / tpl text (its argument). */
function topScope(ref: Ref): Scope {
  return { dot: ref, dollar: ref, depth: 0, vars: new Map(), params: new Set() };
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
  /** Per enclosing branch: the variables (by id) reassigned in it, with their last value there. */
  private readonly assigned: Map<number, Binding>[] = [];
  private nextId = 1;
  /** Block parameters open at the current output point, by id. */
  private readonly live = new Map<number, string>();
  /** Choices made by the `{{#if}}`/`{{#with}}` arms a printed action is being expanded into. */
  private readonly fixed = new Map<Choice, 'then' | 'else'>();
  /** How many `hoisted` builds enclose this point (a choice may be made lazily when above 0). */
  private hoistDepth = 0;
  private arms = 0;
  /** Variables whose map another variable may hold (`$b := $a`): changing `$a` in place would reach it. */
  private readonly shared = new Set<number>();

  private work = 0;
  /** Path prefixes an eager choice may rely on (see totalPath), for the choice being resolved. */
  private computed = new Set<string>();

  constructor(
    private readonly chart: ChartInfo,
    private readonly meter: WorkMeter = IMPORT_WORK,
  ) {}

  /** One step of work (see WorkMeter). */
  private step(): void {
    this.work++;
    if (this.work > this.meter.max) throw new TranslationTooLarge(this.meter.max);
    if ((this.work & 1023) === 0) this.meter.tick?.();
  }

  /** Steps taken so far (tests and calibration). */
  get steps(): number {
    return this.work;
  }

  /** A template file's top-level nodes (its defines are translated separately with `define`). */
  template(file: string, list: Node[]): string {
    this.file = file;
    return assemble(this.list(list, topScope({ kind: 'root' })));
  }

  /** A `define` as an inline partial. */
  define(file: string, def: DefineNode): string {
    this.count('define');
    return assemble([
      { t: 'tag', s: `{{#*inline ${str(def.name)}}}`, block: true },
      ...this.entryBody(file, def.list),
      { t: 'tag', s: '{{/inline}}', block: true },
    ]);
  }

  /**
   * A `tpl` text: like a define's body, `.` and `$` are the context it is given (Go runs the text with that
   * data as its root), which a translated text reads as `this`, or `_dot` inside blocks.
   */
  tplText(list: Node[]): string {
    return assemble(this.entryBody('tpl', list));
  }

  /** Nodes whose `.` and `$` are the partial's (or tpl's) argument: `this`, kept as `_dot` for blocks. */
  private entryBody(file: string, list: Node[]): Piece[] {
    this.file = file;
    this.needEntry = false;
    const body = this.list(list, topScope({ kind: 'entry' }));
    if (!this.needEntry) return body;
    return [
      { t: 'tag', s: '{{#each (list this) as |_dot|}}', block: true },
      ...body,
      { t: 'tag', s: '{{/each}}', block: true },
    ];
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
          out.push(...this.hoisted(scope, (s) => [this.mustache(this.templateCall(n, s))]));
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
      out.push(...this.hoisted(scope, (s) => [this.mustache(this.pipe(pipe, s))]));
      return scope;
    }
    let name = pipe.decl[0];
    let isAssign = pipe.isAssign;
    const stage = pipe.cmds[pipe.cmds.length - 1];
    const head = stage.args[0];
    if (name === '_' && head.type === 'identifier' && MUTATING.has(head.name)) {
      // sprig's set/unset/merge change their first argument in place and return it; strata's return a new
      // value. When that argument is a variable holding a map the template made itself, nothing else can see
      // the change: `$_ := set $d "k" v` is `$d = set $d "k" v`.
      const target = stage.args[1];
      const v = target?.type === 'variable' && target.path.length === 0 ? scope.vars.get(target.name) : undefined;
      if (!v || pipe.cmds.length !== 1 || target?.type !== 'variable' || !this.freshMap(v)) {
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
      name = target.name;
      isAssign = true;
    }
    this.noteShared(pipe, name, scope);
    const vars = new Map(scope.vars);
    const expr: Binding = { kind: 'expr', pipe: { ...pipe, decl: [], isAssign: false }, scope };
    const old = scope.vars.get(name);
    if (isAssign) {
      this.count('$x = (reassignment)');
      if (!old) {
        out.push(this.mustache(this.leave(pipe.line, `$${name} =`, 'the variable is not declared here')));
        return scope;
      }
      if (scope.rangeFloor !== undefined && old.id < scope.rangeFloor) {
        out.push(
          this.mustache(
            this.leave(
              pipe.line,
              `$${name} = inside range`,
              'a value carried from one iteration to the next (Handlebars has no variables, and strata no helper that folds a list)',
            ),
          ),
        );
        vars.set(name, { id: old.id, b: { kind: 'poisoned', why: `$${name} is reassigned inside range` } });
        this.assigned[this.assigned.length - 1]?.set(old.id, vars.get(name)!.b);
        return { ...scope, vars };
      }
    } else this.count('$x := (variable)');
    // Side effects at the declaration (`$_ := required "…" .Values.x`): evaluate it once here, print nothing.
    if (this.hasEffect(pipe))
      out.push(
        ...this.hoisted(scope, (s) => [
          { t: 'tag', s: `{{#if ${this.arg(this.pipe(expr.pipe, s))}}}{{/if}}`, block: false },
        ]),
      );
    const id = isAssign ? old!.id : this.nextId++;
    vars.set(name, { id, b: expr });
    if (isAssign) this.assigned[this.assigned.length - 1]?.set(id, expr);
    return { ...scope, vars };
  }

  /** Whether a variable holds a map only this template made (and no other variable holds). */
  private freshMap(v: Var): boolean {
    if (this.shared.has(v.id)) return false;
    const fresh = (b: Binding): boolean => {
      if (b.kind === 'choice') return fresh(b.then) && fresh(b.else);
      if (b.kind !== 'expr' || b.pipe.cmds.length === 0) return false;
      const [h, first] = b.pipe.cmds[b.pipe.cmds.length - 1].args;
      if (h.type !== 'identifier') return false;
      if (FRESH_MAP.has(h.name)) return true;
      // A map changed earlier the same way (`set $d …` as the value of `$d`).
      if (MUTATING.has(h.name) && b.pipe.cmds.length === 1 && first?.type === 'variable' && first.path.length === 0) {
        const w = b.scope.vars.get(first.name);
        return w !== undefined && fresh(w.b);
      }
      return false;
    };
    return fresh(v.b);
  }

  /** A variable read whole into another variable's value may be the same map as that one's: mark it shared. */
  private noteShared(pipe: PipeNode, name: string, scope: Scope): void {
    const walk = (o: Operand, self: boolean): void => {
      if (o.type === 'variable' && o.path.length === 0 && !self) {
        const v = scope.vars.get(o.name);
        if (v) this.shared.add(v.id);
      } else if (o.type === 'pipe') o.cmds.forEach((c) => c.args.forEach((a) => walk(a, false)));
      else if (o.type === 'chain') walk(o.node, false);
    };
    for (const c of pipe.cmds) {
      const [h, ...rest] = c.args;
      // The map changed in place by `set $name …` (the value assigned back to `$name`) is not another holder.
      const mutatesSelf =
        h.type === 'identifier' && MUTATING.has(h.name) && rest[0]?.type === 'variable' && rest[0].name === name;
      rest.forEach((a, i) => walk(a, mutatesSelf && i === 0));
      if (h.type !== 'identifier') walk(h, false);
    }
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
    const arms: { test: Test; frame: Map<number, Binding> }[] = [];
    let elseFrame: Map<number, Binding> | undefined;
    while (cur) {
      const inner = this.declScope(cur.pipe, scope);
      this.countPipe(cur.pipe);
      const test: Test = { kind: 'if', pipe: { ...cur.pipe, decl: [], isAssign: false }, scope };
      const cond = this.arg(this.pipe(test.pipe, scope));
      out.push({ t: 'tag', s: first ? `{{#if ${cond}}}` : `{{else if ${cond}}}`, block: true });
      first = false;
      arms.push({ test, frame: this.branch(cur.list, inner, out) });
      cur = this.nextArm(cur, scope, out, (f) => (elseFrame = f));
    }
    out.push({ t: 'tag', s: '{{/if}}', block: true });
    return this.merge(scope, arms, elseFrame, n.line);
  }

  /** The arm after `cur`: its chained `else if`/`else with`, or none once a plain `else` is translated. */
  private nextArm<T extends IfNode | WithNode>(
    cur: T,
    scope: Scope,
    out: Piece[],
    onElse: (frame: Map<number, Binding>) => void,
  ): T | undefined {
    if (cur.elseChained) return cur.elseList![0] as T;
    if (cur.elseList) {
      out.push({ t: 'tag', s: '{{else}}', block: true });
      onElse(this.branch(cur.elseList, scope, out));
    }
    return undefined;
  }

  private withNode(n: WithNode, scope: Scope, out: Piece[]): Scope {
    this.count('with');
    let cur: WithNode | undefined = n;
    let first = true;
    const arms: { test: Test; frame: Map<number, Binding> }[] = [];
    let elseFrame: Map<number, Binding> | undefined;
    while (cur) {
      this.countPipe(cur.pipe);
      const pipe: PipeNode = { ...cur.pipe, decl: [], isAssign: false };
      const value = this.arg(this.pipe(pipe, scope));
      const name = this.paramName(cur.pipe.decl[0] ?? 'with', scope);
      out.push({ t: 'tag', s: `{{${first ? '#with' : 'else with'} ${value} as |${name}|}}`, block: true });
      first = false;
      const ref: ParamRef = { kind: 'param', name, id: this.nextId++, value: { pipe, scope } };
      const vars = new Map(scope.vars);
      if (cur.pipe.decl[0]) vars.set(cur.pipe.decl[0], { id: this.nextId++, b: { kind: 'ref', ref } });
      const inner: Scope = {
        ...scope,
        dot: ref,
        depth: scope.depth + 1,
        vars,
        params: new Set([...scope.params, name]),
      };
      this.live.set(ref.id, name);
      arms.push({ test: { kind: 'with', pipe, scope, ref }, frame: this.branch(cur.list, inner, out) });
      this.live.delete(ref.id);
      cur = this.nextArm(cur, scope, out, (f) => (elseFrame = f));
    }
    out.push({ t: 'tag', s: '{{/with}}', block: true });
    return this.merge(scope, arms, elseFrame, n.line);
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
    const floor = this.nextId;
    const ref: ParamRef = { kind: 'param', name: item, id: this.nextId++ };
    const keyRef: ParamRef | undefined = key ? { kind: 'param', name: key, id: this.nextId++ } : undefined;
    const vars = new Map(scope.vars);
    if (vVar !== undefined) vars.set(vVar, { id: this.nextId++, b: { kind: 'ref', ref } });
    if (kVar !== undefined && keyRef) vars.set(kVar, { id: this.nextId++, b: { kind: 'ref', ref: keyRef } });
    const inner: Scope = { ...scope, dot: ref, depth: scope.depth + 1, vars, params, rangeFloor: floor };
    this.live.set(ref.id, item);
    if (keyRef) this.live.set(keyRef.id, keyRef.name);
    const body = foldContinue(n.list);
    if (body !== n.list) this.count('continue');
    const assigned = new Set(this.branch(body, inner, out).keys());
    this.live.delete(ref.id);
    if (keyRef) this.live.delete(keyRef.id);
    if (n.elseList) {
      out.push({ t: 'tag', s: '{{else}}', block: true });
      for (const id of this.branch(n.elseList, scope, out).keys()) assigned.add(id);
    }
    out.push({ t: 'tag', s: '{{/each}}', block: true });
    // After a range that reassigned outer variables, later uses cannot know which value they hold.
    const after = new Map(scope.vars);
    for (const [name, v] of scope.vars) {
      if (!assigned.has(v.id)) continue;
      const b: Binding = { kind: 'poisoned', why: `$${name} is reassigned inside {{range}} and used after it` };
      after.set(name, { id: v.id, b });
      this.assigned[this.assigned.length - 1]?.set(v.id, b);
    }
    return { ...scope, vars: after };
  }

  /** Translate a branch; return the variables (by id) it reassigned, with their values at its end. */
  private branch(list: Node[], scope: Scope, out: Piece[]): Map<number, Binding> {
    const mine = new Map<number, Binding>();
    this.assigned.push(mine);
    try {
      out.push(...this.list(list, scope));
    } finally {
      this.assigned.pop();
    }
    return mine;
  }

  /**
   * After an `if`/`with` whose arms reassigned outer variables: each such variable holds a choice, made by the
   * same conditions in the same order (`else if` arms nest in the else side), the value before the block when
   * no arm ran or the arm that ran left it alone.
   */
  private merge(
    scope: Scope,
    arms: { test: Test; frame: Map<number, Binding> }[],
    elseFrame: Map<number, Binding> | undefined,
    line: number,
  ): Scope {
    const ids = new Set<number>();
    for (const a of arms) for (const id of a.frame.keys()) ids.add(id);
    for (const id of elseFrame?.keys() ?? []) ids.add(id);
    if (ids.size === 0) return scope;
    const vars = new Map(scope.vars);
    for (const [name, v] of scope.vars) {
      if (!ids.has(v.id)) continue;
      let b: Binding = elseFrame?.get(v.id) ?? v.b;
      for (let i = arms.length - 1; i >= 0; i--)
        b = { kind: 'choice', test: arms[i].test, then: arms[i].frame.get(v.id) ?? v.b, else: b, before: v.b, line };
      vars.set(name, { id: v.id, b });
      this.assigned[this.assigned.length - 1]?.set(v.id, b);
    }
    return { ...scope, vars };
  }

  /** The scope inside an `if` whose pipeline declares a variable (`{{ if $x := … }}`). */
  private declScope(pipe: PipeNode, scope: Scope): Scope {
    if (pipe.decl.length === 0 || pipe.isAssign) return scope;
    const vars = new Map(scope.vars);
    vars.set(pipe.decl[0], {
      id: this.nextId++,
      b: { kind: 'expr', pipe: { ...pipe, decl: [], isAssign: false }, scope },
    });
    return { ...scope, vars };
  }

  /**
   * Pieces built by `build`, which translates one printed action. A variable holding a choice whose values
   * must only be computed when their condition holds (they may fail, include, or read paths that exist only
   * then) stops the build; the action is then written once per arm inside `{{#if C}}…{{else}}…{{/if}}` (or
   * `{{#with W as |p|}}`), as lazy as Go. Linear in the action and its variables' chains, bounded by MAX_ARMS.
   */
  private hoisted(scope: Scope, build: (s: Scope) => Piece[]): Piece[] {
    if (this.hoistDepth === 0) this.arms = 0;
    const mark = this.mark();
    this.hoistDepth++;
    try {
      return build(scope);
    } catch (e) {
      if (!(e instanceof Hoist)) throw e;
      this.restore(mark);
      return this.expand(e.choice, scope, build);
    } finally {
      this.hoistDepth--;
    }
  }

  private expand(c: Choice, scope: Scope, build: (s: Scope) => Piece[]): Piece[] {
    if (++this.arms > MAX_ARMS)
      return [
        this.mustache(this.leave(c.line, 'reassigned variables', `more than ${MAX_ARMS} combinations in one action`)),
      ];
    const mark = this.mark();
    let open: string;
    let inner = scope;
    let param: string | undefined;
    try {
      const t = this.arg(this.testExpr(c.test, scope));
      if (c.test.kind === 'if') open = `{{#if ${t}}}`;
      else {
        param = this.paramName(c.test.ref.name, scope);
        open = `{{#with ${t} as |${param}|}}`;
        inner = { ...scope, depth: scope.depth + 1, params: new Set([...scope.params, param]) };
      }
    } catch (e) {
      if (!(e instanceof Hoist)) throw e;
      // The condition itself reads a choice to make lazily: make that one first.
      this.restore(mark);
      return this.expand(e.choice, scope, build);
    }
    const prev = this.fixed.get(c);
    this.fixed.set(c, 'then');
    if (param !== undefined && c.test.kind === 'with') this.live.set(c.test.ref.id, param);
    const yes = this.hoisted(inner, build);
    if (c.test.kind === 'with') this.live.delete(c.test.ref.id);
    this.fixed.set(c, 'else');
    const no = this.hoisted(scope, build);
    if (prev) this.fixed.set(c, prev);
    else this.fixed.delete(c);
    const close = c.test.kind === 'if' ? '{{/if}}' : '{{/with}}';
    return [
      { t: 'tag', s: open, block: true },
      ...yes,
      { t: 'tag', s: '{{else}}', block: true },
      ...no,
      { t: 'tag', s: close, block: true },
    ];
  }

  /** What a failed build attempt recorded, to undo. */
  private mark(): { constructs: Map<string, number>; places: number; reviews: number } {
    return { constructs: new Map(this.constructs), places: this.places.length, reviews: this.reviews.length };
  }

  private restore(m: { constructs: Map<string, number>; places: number; reviews: number }): void {
    this.constructs.clear();
    for (const [k, v] of m.constructs) this.constructs.set(k, v);
    this.places.length = m.places;
    this.reviews.length = m.reviews;
  }

  /** A binding's scope as seen from where it is used: the same dot and variables, the current block depth. */
  private at(declared: Scope, use: Scope): Scope {
    return { ...declared, depth: use.depth, params: use.params };
  }

  private testExpr(t: Test, scope: Scope): H {
    return this.pipe(t.pipe, this.at(t.scope, scope));
  }

  /**
   * A binding as one eager expression, and whether computing all of it is safe. `reached` says Go computed
   * this value on every path to the use: the condition of the outermost choice (Go tested it at its block)
   * and the value before that block; values assigned inside an arm, and the conditions of `else if` arms
   * and of nested blocks, Go computed only on some paths, so they must be `total`.
   */
  private eager(
    b: Binding,
    scope: Scope,
    name: string,
    line: number,
    reached: boolean,
    before: Binding | undefined,
  ): { h: H; ok: boolean } {
    this.step();
    if (b === before) reached = true;
    if (b.kind !== 'choice') {
      const h = this.resolve(b, scope, name, line);
      return { h, ok: reached || total(h, this.computed) };
    }
    // Made by an enclosing `{{#if}}` arm of the printed action: this is computed exactly on that arm's paths.
    const made = this.fixed.get(b);
    if (made) return this.eager(b[made], scope, name, line, true, b.before);
    const test = this.testExpr(b.test, scope);
    // Go computed the outermost condition at its block (and strata computes it here): its paths' prefixes exist.
    if (reached) pathPrefixes(test, this.computed);
    const b4 = reached ? b.before : before;
    const yes = this.eager(b.then, scope, name, line, false, b4);
    const no = this.eager(b.else, scope, name, line, false, b4);
    return {
      h: { k: 'call', name: 'ternary', args: [yes.h, no.h, test] },
      ok: (reached || total(test, this.computed)) && yes.ok && no.ok,
    };
  }

  /** A variable's value where it is used. */
  private resolve(b: Binding, scope: Scope, name: string, line: number): H {
    this.step();
    switch (b.kind) {
      case 'poisoned':
        return this.leave(line, `$${name}`, b.why);
      case 'ref':
        return this.fields(b.ref, scope, [], line);
      case 'expr':
        // Re-translate the declaration where it is used.
        return this.pipe(b.pipe, this.at(b.scope, scope));
      case 'choice': {
        const made = this.fixed.get(b);
        if (made) return this.resolve(b[made], scope, name, line);
        // `ternary` computes both values and the condition: fine for what Go computed on every path to this
        // use, or what cannot fail.
        const mark = this.mark();
        let r: { h: H; ok: boolean };
        const outer = this.computed;
        this.computed = new Set();
        try {
          r = this.eager(b, scope, name, line, true, undefined);
        } catch (e) {
          // A choice inside this one must be made lazily: make this (outer) one first, so that an inner
          // condition is computed only where Go computes it.
          if (!(e instanceof Hoist)) throw e;
          this.restore(mark);
          throw new Hoist(b);
        } finally {
          this.computed = outer;
        }
        if (r.ok) {
          this.count('$x = inside if/with (ternary)');
          return r.h;
        }
        this.restore(mark);
        if (this.hoistDepth > 0) throw new Hoist(b);
        return this.leave(
          line,
          `$${name}`,
          `reassigned inside {{${b.test.kind}}} at line ${b.line} to a value computed only when the condition holds, and used inside an expression (strata has no lazy choice there; use it in printed text)`,
        );
      }
    }
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
    this.step();
    let acc: H | undefined;
    for (const cmd of pipe.cmds) acc = this.command(cmd, scope, acc);
    return acc!;
  }

  private command(cmd: CommandNode, scope: Scope, piped: H | undefined): H {
    const [head, ...rest] = cmd.args;
    const args = (): H[] => [...rest.map((a) => this.operand(a, scope)), ...(piped ? [piped] : [])];
    if (head.type === 'identifier') return this.func(head.name, args, cmd.line);
    // A method call: a field path given arguments.
    if ((rest.length > 0 || piped) && (head.type === 'field' || head.type === 'variable'))
      return this.method(head.path, args(), cmd.line);
    if (rest.length > 0 || piped) return this.leave(cmd.line, 'arguments to a non-function', 'Go fails here too');
    return this.operand(head, scope);
  }

  private func(name: string, args: () => H[], line: number): H {
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
          'under `semantics: helm` the text is Go template syntax, translated when the render reaches it; without that line it is a strata template, so values written in Go syntax are rewritten then',
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
    this.step();
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
        return this.fields(scope.dot, scope, [], o.line);
      case 'field':
        return this.fields(scope.dot, scope, o.path, o.line);
      case 'variable': {
        // `$` is the template's argument, unless the template declared its own (`{{ $ := .root }}`).
        if (o.name === '' && !scope.vars.has('')) return this.fields(scope.dollar, scope, o.path, o.line);
        const v = scope.vars.get(o.name);
        if (!v) return this.leave(o.line, `$${o.name}`, 'the variable is declared in another branch');
        if (v.b.kind === 'ref') return this.fields(v.b.ref, scope, o.path, o.line);
        return this.chainOn(this.resolve(v.b, scope, o.name, o.line), o.path, o.line);
      }
      case 'identifier':
        return this.func(o.name, () => [], o.line);
      case 'pipe':
        return this.pipe(o, scope);
      case 'chain':
        return this.chainOn(this.operand(o.node, scope), o.path, o.line);
    }
  }

  /** Fields on a computed value: a path stays a path, anything else goes through `index`. */
  private chainOn(value: H, path: string[], line: number): H {
    if (path.length === 0) return value;
    if (value.k === 'path') return this.mapFields(value.text, path, line);
    this.count('(x).Field');
    const keys: H[] = path.map((p) => ({ k: 'lit', value: p }));
    return { k: 'call', name: 'index', args: [value, ...keys] };
  }

  /** `.A.B` on a reference (dot, `$`, a block parameter). */
  private fields(ref: Ref, scope: Scope, path: string[], line: number): H {
    if (ref.kind === 'param' && !this.live.has(ref.id)) {
      // A `with` dot read after its block (by a value assigned inside it): the `with` value itself.
      if (!ref.value) return this.leave(line, '.', 'a range item read after its range');
      return this.chainOn(this.pipe(ref.value.pipe, this.at(ref.value.scope, scope)), path, line);
    }
    if (path.length === 0) return this.refPath(ref, scope, []);
    return this.mapFields(this.refBase(ref, scope), path, line);
  }

  private refBase(ref: Ref, scope: Scope): string {
    if (ref.kind === 'param') return this.live.get(ref.id) ?? ref.name;
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
  private mapFields(base: string, path: string[], line: number): H {
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
        if (this.chart.chartFromPartials) {
          if (!this.chart.defines.has(`Chart.${field}`))
            return this.leave(
              line,
              `.Chart.${field}`,
              'the app has no Chart field partials (templates/_strata-chart.hbs)',
            );
          const partial: H = { k: 'lit', value: `Chart.${field}` };
          return done({ k: 'call', name: 'include', args: [partial, { k: 'path', text: 'this' }] }, 2);
        }
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
        // The object itself (`set . "Template" $.Template`, passed on to tpl): a map of the same two fields.
        if (field === undefined) {
          const lit = (value: string): H => ({ k: 'lit', value });
          const fields = [lit('Name'), lit(`${this.chart.name}/${this.file}`)];
          const base = [lit('BasePath'), lit(`${this.chart.name}/templates`)];
          return done({ k: 'call', name: 'dict', args: [...fields, ...base] }, 1);
        }
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
export function assemble(input: Piece[]): string {
  // Adjacent texts first: a backslash ending one would otherwise meet the next one's `{{`.
  const pieces: Piece[] = [];
  for (const p of input) {
    const last = pieces[pieces.length - 1];
    if (p.t === 'text' && last?.t === 'text') pieces[pieces.length - 1] = { t: 'text', s: last.s + p.s };
    else pieces.push(p);
  }
  let out = '';
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (p.t === 'text') {
      // `{{` is escaped as `\{{`; after backslashes Handlebars would read `\\{{` as a backslash and a live
      // tag, so there the braces are printed by a tag, after one backslash more (Handlebars eats one before a tag).
      let s = p.s.replace(/(\\*)\{\{/g, (_, bs: string) => (bs ? `${bs}\\{{print "{{"}}` : '\\{{'));
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

/**
 * Whether an expression can be computed whatever the values: literals, helpers that never fail, and paths that
 * cannot: one step under `values` (a missing key is nil under helm semantics), strata's own objects, a block
 * parameter itself. A deeper path fails where a middle step is missing (Go: "nil pointer evaluating
 * interface {}.tag"), and a step under a block parameter fails when the item is not a map.
 */
function total(h: H, known: ReadonlySet<string>): boolean {
  if (h.k === 'lit') return true;
  if (h.k === 'path') return totalPath(h.text, known);
  return TOTAL.has(h.name) && h.args.every((a) => total(a, known));
}

/** `values.a[b].c` -> [`values`, `a`, `[b]`, `c`] (a bracketed key may hold dots). */
function steps(text: string): string[] {
  return text.replace(/^@root\./, '').match(/\[[^\]]*\]|[^.[]+/g) ?? [];
}

/**
 * `known`: prefixes of paths the render has already computed on this path (those of the outermost condition):
 * a step under one of them cannot fail on a missing middle step either.
 */
function totalPath(text: string, known: ReadonlySet<string>): boolean {
  const s = steps(text);
  if (s.length <= 1) return true;
  if (['values', 'app', 'release', 'capabilities', 'env'].includes(s[0]) && s.length === 2) return true;
  return known.has(s.slice(0, -1).join('.'));
}

/** Every proper prefix of every path in `h` (`values.hpa.enabled` -> `values`, `values.hpa`). */
function pathPrefixes(h: H, into: Set<string>): void {
  if (h.k === 'call') for (const a of h.args) pathPrefixes(a, into);
  else if (h.k === 'path') {
    const s = steps(h.text);
    for (let i = 1; i < s.length; i++) into.add(s.slice(0, i).join('.'));
  }
}
