import type { RE2JS as RE2JSType } from 're2js';
import { cap, type Call, def, fail, type HelperTable, Produced, text } from './base.js';
import { work } from './meter.js';

// `semver` and `semverCompare` with Masterminds/semver v3.2.0's rules (the version sprig 3.2.3 uses; read
// from its version.go and constraints.go): `v` prefixes and missing minor/patch are accepted, `1.2.x` and
// `*` wildcards, `~` `^` `>=` `<` `!=` `=`, comma- or space-separated AND, `||` OR, `1.2 - 1.4` ranges, and a
// prerelease version only satisfies a constraint that names a prerelease. The grammar's regular
// expressions run on re2js (linear time), so a hostile constraint cannot stall the render.

interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string;
  metadata: string;
}

/** What `semver` returns: prints as the version (Go's String()), with Go's field names to read. */
export class SemverVersion extends Produced {
  readonly Major: number;
  readonly Minor: number;
  readonly Patch: number;
  readonly Prerelease: string;
  readonly Metadata: string;
  readonly Original: string;
  constructor(v: Version, original: string) {
    super(`${v.major}.${v.minor}.${v.patch}${v.pre ? '-' + v.pre : ''}${v.metadata ? '+' + v.metadata : ''}`);
    this.Major = v.major;
    this.Minor = v.minor;
    this.Patch = v.patch;
    this.Prerelease = v.pre;
    this.Metadata = v.metadata;
    this.Original = original;
  }
}

const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const SV = String.raw`v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;

let res: { version: RE2JSType; constraint: RE2JSType; range: RE2JSType; find: RE2JSType; valid: RE2JSType } | undefined;
function regexes(): NonNullable<typeof res> {
  if (!res) {
    const { RE2JS } = require('re2js') as { RE2JS: typeof RE2JSType };
    res = {
      version: RE2JS.compile(`^${SV}$`),
      constraint: RE2JS.compile(String.raw`^\s*(${OPS})\s*(${CV})\s*$`),
      range: RE2JS.compile(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`),
      find: RE2JS.compile(String.raw`(${OPS})\s*(${CV})`),
      valid: RE2JS.compile(String.raw`^(\s*(${OPS})\s*(${CV})\s*)((?:\s+|,\s*)(${OPS})\s*(${CV})\s*)*$`),
    };
  }
  return res;
}

function groups(re: RE2JSType, s: string): (string | null)[] | undefined {
  const m = re.matcher(s);
  if (!m.find(0)) return undefined;
  const out: (string | null)[] = [];
  for (let g = 0; g <= m.groupCount(); g++) out.push(m.group(g));
  return out;
}

function segment(s: string): number | undefined {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

const allOf = (s: string, chars: RegExp): boolean => chars.test(s);

function validIdentifiers(p: string, metadata: boolean): boolean {
  return p
    .split('.')
    .every((part) =>
      metadata
        ? allOf(part, /^[0-9A-Za-z-]*$/)
        : /^[0-9]*$/.test(part)
          ? !(part.length > 1 && part[0] === '0')
          : allOf(part, /^[0-9A-Za-z-]*$/),
    );
}

/** semver.NewVersion; undefined when the text is not a version. */
export function parseVersion(s: string): Version | undefined {
  const m = groups(regexes().version, s);
  if (!m) return undefined;
  const major = segment(m[1]!);
  const minor = m[2] ? segment(m[2].slice(1)) : 0;
  const patch = m[3] ? segment(m[3].slice(1)) : 0;
  if (major === undefined || minor === undefined || patch === undefined) return undefined;
  const pre = m[5] ?? '';
  const metadata = m[8] ?? '';
  if (pre && !validIdentifiers(pre, false)) return undefined;
  if (metadata && !validIdentifiers(metadata, true)) return undefined;
  return { major, minor, patch, pre, metadata };
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return o !== '' ? -1 : 1;
  if (o === '') return 1;
  const sn = /^[0-9]+$/.test(s);
  const on = /^[0-9]+$/.test(o);
  if (!sn && !on) return s > o ? 1 : -1;
  if (!on) return -1;
  if (!sn) return 1;
  return Number(s) > Number(o) ? 1 : -1;
}

function comparePre(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = comparePrePart(x[i] ?? '', y[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

export function compareVersions(a: Version, b: Version): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  return comparePre(a.pre, b.pre);
}

interface Constraint {
  op: string;
  con: Version;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

const isX = (s: string): boolean => s === 'x' || s === 'X' || s === '*';

function parseConstraint(s: string): Constraint | undefined {
  const m = groups(regexes().constraint, s);
  if (!m) return undefined;
  const [, op, , maj, min, pat, pre] = m.map((x) => x ?? '');
  let ver = m[2]!;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  if (isX(maj) || maj === '') {
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(min.replace(/^\./, '')) || min === '') {
    minorDirty = dirty = true;
    ver = `${maj}.0.0${pre}`;
  } else if (isX(pat.replace(/^\./, '')) || pat === '') {
    dirty = patchDirty = true;
    ver = `${maj}${min}.0${pre}`;
  }
  const con = parseVersion(ver);
  if (!con) return undefined;
  return { op: op, con, dirty, minorDirty, patchDirty };
}

function check(v: Version, c: Constraint): boolean {
  const { con } = c;
  const cmp = compareVersions(v, con);
  // A prerelease version only satisfies constraints that name a prerelease (`!=` without wildcards aside).
  if (v.pre !== '' && con.pre === '' && !(c.op === '!=' && !c.dirty)) return false;
  switch (c.op) {
    case '!=':
      if (c.dirty) {
        if (con.major !== v.major) return true;
        if (con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) return v.pre !== '' || con.pre !== '' ? comparePre(v.pre, con.pre) !== 0 : false;
      }
      return cmp !== 0;
    case '>':
      if (!c.dirty) return cmp === 1;
      if (v.major > con.major) return true;
      if (v.major < con.major || c.minorDirty) return false;
      if (c.patchDirty) return v.minor > con.minor;
      return cmp === 1;
    case '<':
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major > con.major) return false;
      if (v.major === con.major && v.minor > con.minor && !c.minorDirty) return false;
      return true;
    case '~':
    case '~>':
      return tilde(v, c, cmp);
    case '^':
      if (cmp < 0) return false;
      if (con.major > 0 || c.minorDirty) return v.major === con.major;
      if (v.major > 0) return false;
      if (con.minor > 0 || c.patchDirty) return v.minor === con.minor;
      if (v.minor > 0) return false;
      return con.patch === v.patch;
    default:
      // '' and '=': equal, or a tilde range when the constraint has wildcards.
      if (c.dirty) return tilde(v, c, cmp);
      return cmp === 0;
  }
}

function tilde(v: Version, c: Constraint, cmp: number): boolean {
  const { con } = c;
  if (cmp < 0) return false;
  if (con.major === 0 && con.minor === 0 && con.patch === 0 && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== con.major) return false;
  if (v.minor !== con.minor && !c.minorDirty) return false;
  return true;
}

/** semver.NewConstraint(...).Check(version). */
export function satisfies(call: Call, constraint: string, version: string): boolean {
  cap(call, constraint.length + version.length, 'the input');
  const r = regexes();
  // `1.2 - 1.4` ranges become `>= 1.2, <= 1.4` (Masterminds rewriteRange). One left-to-right pass over the
  // text: rewriting one range at a time and searching again from the start re-scanned a long constraint once
  // per range. Each regex pass is linear (re2js) and charged to the render budget.
  work(call, constraint.length / 16);
  let text = '';
  let from = 0;
  const m = r.range.matcher(constraint);
  while (m.find()) {
    text += constraint.slice(from, m.start(0)) + `>= ${m.group(1)}, <= ${m.group(11)}`;
    from = m.end(0);
  }
  text += constraint.slice(from);
  const ors = text.split('||').map((part) => {
    work(call, part.length / 16);
    if (!r.valid.matcher(part).find(0)) fail(call, 'argument 1 is not a valid version constraint');
    const found: string[] = [];
    const m = r.find.matcher(part);
    while (m.find()) found.push(m.group(0)!);
    if (found.length === 0) found.push(part);
    return found.map((s) => parseConstraint(s) ?? fail(call, 'argument 1 is not a valid version constraint'));
  });
  const v = parseVersion(version) ?? fail(call, 'argument 2 is not a valid semantic version');
  return ors.some((and) => and.every((c) => check(v, c)));
}

export const SEMVER_HELPERS: HelperTable = {
  semverCompare: def(2, 2, ([con, ver], c) => satisfies(c, text(c, con, 0), text(c, ver, 1))),
  semver: def(1, 1, ([s], c) => {
    const t = text(c, s, 0);
    cap(c, t.length, 'the input');
    const v = parseVersion(t) ?? fail(c, 'argument 1 is not a valid semantic version');
    return new SemverVersion(v, t);
  }),
};
