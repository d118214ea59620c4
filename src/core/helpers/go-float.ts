// Go's float formatting (strconv.FormatFloat, as fmt uses it for %e %f %g and %v), written from the documented
// behaviour of Go's strconv/ftoa.go: digits are exact (the double's full decimal expansion, via BigInt) and
// rounded half-to-even on exact ties, so `printf "%.0f" 2.5` is "2" and `%.2f` of 0.125 is "0.12", as in Go
// (JavaScript's toFixed rounds those up). Shortest forms use JavaScript's shortest round-trip digits, which
// are the same digits Go's shortest algorithm picks.

interface Digits {
  /** Decimal digits without leading or trailing zeros ('' for zero). */
  d: string;
  /** Position of the decimal point relative to the first digit (value = 0.d × 10^dp). */
  dp: number;
}

function trimZeros(g: Digits): Digits {
  const d = g.d.replace(/0+$/, '');
  return d === '' ? { d: '', dp: 0 } : { d, dp: g.dp };
}

function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [m, e] = x.toExponential().split('e') as [string, string];
  return trimZeros({ d: m.replace('.', ''), dp: Number(e) + 1 });
}

/** The exact decimal expansion of a finite non-negative double. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (biased === 0) exp2 = -1074;
  else {
    mant |= 1n << 52n;
    exp2 = biased - 1075;
  }
  if (exp2 >= 0) {
    const s = (mant << BigInt(exp2)).toString();
    return trimZeros({ d: s, dp: s.length });
  }
  // mant / 2^k = mant × 5^k / 10^k
  const k = -exp2;
  const s = (mant * 5n ** BigInt(k)).toString();
  return trimZeros({ d: s, dp: s.length - k });
}

/** Round to nd significant digits, half to even on exact ties (Go's decimal.Round). */
function round(g: Digits, nd: number): Digits {
  if (nd < 0 || nd >= g.d.length) return g;
  const next = g.d[nd];
  const up = next === '5' && nd + 1 === g.d.length ? nd > 0 && Number(g.d[nd - 1]) % 2 === 1 : next >= '5';
  if (!up) return trimZeros({ d: g.d.slice(0, nd), dp: g.d.slice(0, nd) === '' ? 0 : g.dp });
  let i = nd - 1;
  while (i >= 0 && g.d[i] === '9') i--;
  if (i < 0) return { d: '1', dp: g.dp + 1 };
  return { d: g.d.slice(0, i) + String(Number(g.d[i]) + 1), dp: g.dp };
}

function fmtE(g: Digits, prec: number, e: 'e' | 'E'): string {
  let s = g.d === '' ? '0' : g.d[0];
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += i < g.d.length ? g.d[i] : '0';
  }
  const exp = g.d === '' ? 0 : g.dp - 1;
  const a = Math.abs(exp);
  return `${s}${e}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

function fmtF(g: Digits, prec: number): string {
  let s = '';
  if (g.dp > 0) for (let i = 0; i < g.dp; i++) s += i < g.d.length ? g.d[i] : '0';
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) {
      const j = g.dp + i - 1;
      s += j >= 0 && j < g.d.length ? g.d[j] : '0';
    }
  }
  return s;
}

export type FloatVerb = 'e' | 'E' | 'f' | 'g' | 'G';

/** strconv.FormatFloat(x, verb, prec, 64); prec < 0 is the shortest form. */
export function formatFloat(x: number, verb: FloatVerb, prec: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  const shortest = prec < 0;
  let g = shortest ? shortestDigits(ax) : exactDigits(ax);
  const nd = () => g.d.length;
  if (shortest) {
    prec = verb === 'e' || verb === 'E' ? Math.max(nd() - 1, 0) : verb === 'f' ? Math.max(nd() - g.dp, 0) : nd();
  } else if (verb === 'e' || verb === 'E') g = round(g, prec + 1);
  else if (verb === 'f') g = round(g, g.dp + prec);
  else {
    if (prec === 0) prec = 1;
    g = round(g, prec);
  }
  let body: string;
  if (verb === 'e' || verb === 'E') body = fmtE(g, prec, verb);
  else if (verb === 'f') body = fmtF(g, prec);
  else {
    let eprec = prec;
    if (eprec > nd() && nd() >= g.dp) eprec = nd();
    if (shortest) eprec = 6;
    const exp = g.dp - 1;
    if (exp < -4 || exp >= eprec) {
      if (prec > nd()) prec = nd();
      body = fmtE(g, prec - 1, verb === 'g' ? 'e' : 'E');
    } else {
      if (prec > g.dp) prec = nd();
      body = fmtF(g, Math.max(prec - g.dp, 0));
    }
  }
  return (neg ? '-' : '') + body;
}
