import { UserError } from './errors.js';
import { DEFAULT_RENDER_LIMITS, limitHint } from './limits.js';
import { FORBIDDEN_KEYS, formatPath, type Segment } from './paths.js';
import type { Value, Values } from './types.js';

// Helm's `--set` syntax (pkg/strvals), which users already know: `a.b=1,c[0]=x,list={a,b}`, backslash
// escapes for `.,=[` and `\`, quotes are literal characters. Typing follows Helm: true/false/null in any case,
// base-10 integers not starting with 0 are numbers, everything else is a string.

export type SetKind = 'set' | 'set-string' | 'set-json' | 'set-file';

export interface SetAssignment {
  segments: Segment[];
  /** For set-file: the file path (the entry point reads it). */
  value: Value;
}

const MAX_INDEX = 65536; // Helm's cap too: `a[99999999]=1` must not allocate a huge list.

/**
 * Parse one flag's expression. `maxDepth` is the nesting cap values files obey too (limits.nestingDepth): the
 * path's segments plus the levels of a --set-json value. Messages name the flag and a character position,
 * never the value (it may be a secret).
 */
export function parseSetExpression(
  expr: string,
  kind: SetKind,
  flag: string,
  maxDepth: number = DEFAULT_RENDER_LIMITS.nestingDepth,
): SetAssignment[] {
  const p = new Parser(expr, kind, flag, maxDepth);
  return p.parseAll();
}

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly kind: SetKind,
    private readonly flag: string,
    private readonly maxDepth: number,
  ) {}

  private fail(msg: string): never {
    throw new UserError(`${msg} (at character ${this.i + 1} of the expression)`, { flag: this.flag });
  }

  private tooDeep(): never {
    this.fail(`nesting deeper than ${this.maxDepth} levels (${limitHint('nestingDepth')})`);
  }

  parseAll(): SetAssignment[] {
    const out: SetAssignment[] = [];
    if (this.s === '') this.fail('empty assignment, expected key=value');
    while (this.i <= this.s.length) {
      out.push(this.assignment());
      if (this.i >= this.s.length) break;
      this.i++; // the ','
      if (this.i >= this.s.length) break; // trailing comma, as Helm allows
    }
    return out;
  }

  private assignment(): SetAssignment {
    const segments: Segment[] = [];
    let key = '';
    let haveKey = false;
    const pushKey = (): void => {
      if (!haveKey && key === '') this.fail('empty key');
      if (FORBIDDEN_KEYS.has(key)) this.fail(`the key "${key}" is not allowed`);
      if (segments.length >= this.maxDepth) this.tooDeep();
      segments.push(key);
      key = '';
      haveKey = false;
    };
    for (;;) {
      if (this.i >= this.s.length)
        this.fail(`key "${formatPath([...segments, key])}" has no value (expected key=value)`);
      const c = this.s[this.i];
      if (c === '\\') {
        if (this.i + 1 >= this.s.length) this.fail('dangling backslash');
        key += this.s[this.i + 1];
        this.i += 2;
        haveKey = true;
      } else if (c === '.') {
        if (key !== '' || haveKey) pushKey();
        else if (typeof segments[segments.length - 1] !== 'number') this.fail('empty key before "."');
        this.i++;
      } else if (c === '[') {
        if (key !== '' || haveKey) pushKey();
        const close = this.s.indexOf(']', this.i);
        const digits = close < 0 ? '' : this.s.slice(this.i + 1, close);
        if (!/^[0-9]+$/.test(digits)) this.fail('expected a list index like [0]');
        const n = Number(digits);
        if (n > MAX_INDEX) this.fail(`index ${n} is over the limit of ${MAX_INDEX}`);
        if (segments.length >= this.maxDepth) this.tooDeep();
        segments.push(n);
        this.i = close + 1;
      } else if (c === '=') {
        // `a.=b`: Helm refuses the empty last segment (pkg/strvals/parser.go: key map "a" has no value), and
        // so do we, rather than setting `a` (shared docs/values-semantics.md).
        if (key === '' && !haveKey && this.s[this.i - 1] === '.') this.fail('empty key before "="');
        if (key !== '' || haveKey) pushKey();
        if (segments.length === 0) this.fail('empty key before "="');
        this.i++;
        return { segments, value: this.value(segments.length) };
      } else if (c === ',') {
        this.fail(`key "${formatPath([...segments, key])}" has no value (expected key=value)`);
      } else {
        if (typeof segments[segments.length - 1] === 'number' && key === '' && !haveKey && this.s[this.i - 1] === ']') {
          this.fail('expected ".", "[" or "=" after a list index');
        }
        key += c;
        this.i++;
      }
    }
  }

  private value(pathDepth: number): Value {
    if (this.kind === 'set-json') return this.jsonValue(pathDepth);
    if (this.kind !== 'set-file' && this.s[this.i] === '{') return this.list();
    const raw = this.until(',');
    return this.kind === 'set' ? typed(raw, this.flag) : raw;
  }

  /** Read up to an unescaped stop character (not consumed), resolving escapes. */
  private until(stops: string): string {
    let out = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '\\' && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      if (stops.includes(c)) break;
      out += c;
      this.i++;
    }
    return out;
  }

  private list(): Value[] {
    this.i++; // '{'
    const items: Value[] = [];
    if (this.s[this.i] === '}') {
      this.i++;
      return items;
    }
    for (;;) {
      const raw = this.until(',}');
      items.push(this.kind === 'set' ? typed(raw, this.flag) : raw);
      if (this.i >= this.s.length) this.fail('unterminated list, expected "}"');
      const c = this.s[this.i++];
      if (c === '}') break;
    }
    if (this.i < this.s.length && this.s[this.i] !== ',') this.fail('expected "," after a list');
    return items;
  }

  private jsonValue(pathDepth: number): Value {
    const start = this.i;
    let depth = 0;
    // Counted before JSON.parse and the walks below, which recurse per level: 60,000 levels overflowed the stack.
    let inString = false;
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i];
      if (inString) {
        if (c === '\\') this.i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') {
        if (++depth + pathDepth > this.maxDepth) this.tooDeep();
      } else if (c === '}' || c === ']') depth--;
      else if (c === ',' && depth === 0) break;
    }
    const text = this.s.slice(start, this.i);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      // V8's message quotes the text around the error ("canary" is not valid JSON): only the position.
      const at = /at position ([0-9]+)/.exec((e as Error).message);
      if (at) this.i = start + Number(at[1]);
      this.fail('invalid JSON');
    }
    checkJson(text, parsed, this.flag);
    return parsed as Value;
  }
}

/** Helm's typedVal. Integers beyond 2^53 are refused rather than rounded. */
export function typed(raw: string, flag: string): Value {
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (raw === '0') return 0;
  if (raw[0] !== '0' && /^[+-]?[0-9]+$/.test(raw)) {
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) {
      if (!fitsInt64(raw)) return raw; // beyond int64: Helm keeps a string
      throw new UserError('integer is beyond 2^53 and would lose precision; use --set-string', { flag });
    }
    return n;
  }
  return raw;
}

function fitsInt64(raw: string): boolean {
  const b = BigInt(raw.replace(/^\+/, ''));
  return b >= -(2n ** 63n) && b < 2n ** 63n;
}

/** JSON.parse keeps `__proto__` as an own key and rounds big integers: refuse both. */
function checkJson(text: string, v: unknown, flag: string): void {
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (typeof x === 'object' && x !== null) {
      for (const k of Object.keys(x)) {
        if (FORBIDDEN_KEYS.has(k)) throw new UserError(`the key "${k}" is not allowed in values`, { flag });
        walk((x as Values)[k]);
      }
    }
  };
  walk(v);
  const stripped = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of stripped.matchAll(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g)) {
    if (/^-?\d+$/.test(m[0]) && !Number.isSafeInteger(Number(m[0]))) {
      throw new UserError('integer is beyond 2^53 and would lose precision; put it in a string', { flag });
    }
  }
}
