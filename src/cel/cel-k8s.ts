import type { CelFunc, CelList, CelValue } from '@bufbuild/cel';

// The few functions of Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library: lists.go, regex.go) that
// @bufbuild/cel lacks, written for strata (docs/policy.md lists them). Regular expressions use re2js: RE2
// syntax and linear time, like Go's regexp that Kubernetes uses. `url`, `quantity`, `ip`, `cidr` and
// `authz` are not provided.

type CelModule = typeof import('@bufbuild/cel');
type Re2 = typeof import('re2js').RE2JS;

const patterns = new Map<string, InstanceType<Re2>>();

function re(pattern: string): InstanceType<Re2> {
  let p = patterns.get(pattern);
  if (!p) {
    const { RE2JS } = require('re2js') as { RE2JS: Re2 };
    p = RE2JS.compile(pattern);
    if (patterns.size > 1024) patterns.clear();
    patterns.set(pattern, p);
  }
  return p;
}

function compare(a: CelValue, b: CelValue): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number'))
    return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`cannot compare ${typeof a} with ${typeof b}`);
}

function items(l: CelList): CelValue[] {
  return [...(l as Iterable<CelValue>)];
}

function same(a: CelValue, b: CelValue): boolean {
  return (typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')
    ? a == b
    : a === b;
}

export function k8sFuncs(cel: CelModule, chargeString: (n: number) => void): CelFunc[] {
  const { celMethod, CelScalar, listType } = cel;
  const LIST = listType(CelScalar.DYN);
  const { STRING, INT, BOOL, DYN } = CelScalar;
  return [
    // lists.go
    celMethod('isSorted', LIST, [], BOOL, function () {
      const xs = items(this);
      return xs.every((x, i) => i === 0 || compare(xs[i - 1], x) <= 0);
    }),
    celMethod('sum', LIST, [], DYN, function () {
      const xs = items(this);
      if (xs.every((x) => typeof x === 'bigint')) return xs.reduce((a, b) => a + b, 0n);
      return xs.reduce<number>((a, b) => a + Number(b), 0);
    }),
    celMethod('min', LIST, [], DYN, function () {
      const xs = items(this);
      if (xs.length === 0) throw new Error('min called on an empty list');
      return xs.reduce((a, b) => (compare(b, a) < 0 ? b : a));
    }),
    celMethod('max', LIST, [], DYN, function () {
      const xs = items(this);
      if (xs.length === 0) throw new Error('max called on an empty list');
      return xs.reduce((a, b) => (compare(b, a) > 0 ? b : a));
    }),
    celMethod('indexOf', LIST, [DYN], INT, function (x) {
      return BigInt(items(this).findIndex((y) => same(x, y)));
    }),
    celMethod('lastIndexOf', LIST, [DYN], INT, function (x) {
      const xs = items(this);
      for (let i = xs.length - 1; i >= 0; i--) if (same(x, xs[i])) return BigInt(i);
      return -1n;
    }),
    // regex.go: find returns "" when nothing matches; findAll with a limit (< 0: all).
    celMethod('find', STRING, [STRING], STRING, function (pattern) {
      const m = re(pattern).matcher(this);
      return m.find() ? (m.group() ?? '') : '';
    }),
    celMethod('findAll', STRING, [STRING], listType(STRING), function (pattern) {
      return findAll(this, pattern, -1, chargeString);
    }),
    celMethod('findAll', STRING, [STRING, INT], listType(STRING), function (pattern, limit) {
      return findAll(this, pattern, Number(limit), chargeString);
    }),
  ];
}

function findAll(s: string, pattern: string, limit: number, chargeString: (n: number) => void): string[] {
  const out: string[] = [];
  const m = re(pattern).matcher(s);
  while ((limit < 0 || out.length < limit) && m.find()) {
    const g = m.group() ?? '';
    chargeString(g.length + 1);
    out.push(g);
  }
  return out;
}
