import type { CelEnv, CelFunc, CelList, CelValue } from '@bufbuild/cel';
import { chargeString, currentMeter } from './cost-meter.js';

// The CEL environment with strata's functions, each metered (cost-meter.ts): the strings extension charges
// the strings it builds, Kubernetes' library functions (cel-k8s.ts) likewise, and every comprehension's loop
// condition is routed through a tick function that charges one unit per iteration. Loaded on first use: a
// render without custom rules or CRD validations never parses @bufbuild/cel.

type CelModule = typeof import('@bufbuild/cel');
type Expr = import('@bufbuild/cel-spec/cel/expr/syntax_pb.js').Expr;

export interface Engine {
  cel: CelModule;
  env: CelEnv;
}

let engine: Engine | undefined;

/** The CEL module and one environment with strata's functions, created on first use. */
export function getEngine(): Engine {
  if (engine) return engine;
  const cel = require('@bufbuild/cel') as CelModule;
  const strings = (require('@bufbuild/cel/ext') as { strings: CelFunc[] }).strings;
  const { k8sFuncs } = require('./cel-k8s.js') as typeof import('./cel-k8s.js');
  // Wraps every comprehension's loop condition: charges one unit per iteration, and once the meter has
  // stopped, answers false so the loop ends at once (an error would not end it: `all` and `exists` go on
  // past errors, as CEL's commutative logic requires).
  const tick = cel.celFunc(TICK, [cel.CelScalar.DYN], cel.CelScalar.DYN, (x: CelValue) => {
    const meter = currentMeter();
    if (!meter) return x;
    if (meter.stopped) return false;
    try {
      meter.charge(1);
    } catch {
      return false;
    }
    return x;
  });
  engine = { cel, env: cel.celEnv({ funcs: [...strings.map(metered), ...k8sFuncs(cel, chargeString), tick] }) };
  return engine;
}

const TICK = '@strata.tick';

/** A strings-extension function whose output is charged (and `join` checked before it builds anything). */
function metered(f: CelFunc): CelFunc {
  const w = Object.create(f) as CelFunc & { call: CelFunc['call'] };
  w.call = (id, target, args) => {
    if (f.name === 'join' && target && typeof target === 'object' && Symbol.iterator in target) {
      let n = 0;
      for (const x of target as CelList) n += typeof x === 'string' ? x.length : 0;
      chargeString(n);
    }
    const r = f.call(id, target, args);
    if (typeof r === 'string') chargeString(r.length);
    return r;
  };
  return w;
}

let nextId = 1_000_000_000n;

/** Route every comprehension's loop condition through the meter's tick (it runs once per iteration). */
export function instrument(e: Expr | undefined): void {
  if (!e) return;
  const k = e.exprKind;
  switch (k.case) {
    case 'selectExpr':
      instrument(k.value.operand);
      return;
    case 'callExpr':
      instrument(k.value.target);
      k.value.args.forEach(instrument);
      return;
    case 'listExpr':
      k.value.elements.forEach(instrument);
      return;
    case 'structExpr':
      for (const en of k.value.entries) {
        if (en.keyKind.case === 'mapKey') instrument(en.keyKind.value);
        instrument(en.value);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      instrument(c.iterRange);
      instrument(c.accuInit);
      instrument(c.loopCondition);
      instrument(c.loopStep);
      instrument(c.result);
      // A plain object in the shape of a cel.expr.Expr (the planner reads fields only), so that we need not
      // load a second copy of @bufbuild/protobuf to build one message.
      const call = { $typeName: 'cel.expr.Expr.Call', function: TICK, args: c.loopCondition ? [c.loopCondition] : [] };
      c.loopCondition = {
        $typeName: 'cel.expr.Expr',
        id: nextId++,
        exprKind: { case: 'callExpr', value: call },
      } as unknown as Expr;
      return;
    }
    default:
      return;
  }
}
