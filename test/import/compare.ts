// Object-by-object comparison of a strata render with a `helm template` render (the Go harness,
// test/chart/render.sh), up to what strata injects: the labels app.kubernetes.io/managed-by and
// strata.dev/environment, app.kubernetes.io/name and metadata.namespace where the chart's object has none,
// strata.dev/* annotations; Helm's own app.kubernetes.io/managed-by: Helm. Null fields are dropped on both sides
// (strata leaves them out, Helm prints them; Kubernetes reads both the same).
import { parseAllDocuments } from 'yaml';

export interface Comparison {
  readonly helm: number;
  readonly strata: number;
  readonly equal: string[];
  readonly different: { key: string; helm: unknown; strata: unknown }[];
  readonly onlyHelm: string[];
  readonly onlyStrata: string[];
}

type Obj = Record<string, unknown>;

function docs(stream: string): Obj[] {
  return parseAllDocuments(stream)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is Obj => d !== null && typeof d === 'object' && !Array.isArray(d));
}

function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v && typeof v === 'object') {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) if (x !== null && x !== undefined) out[k] = dropNulls(x);
    return out;
  }
  return v;
}

/** strata's environment label and revision annotations, wherever a metadata block is (pod templates too). */
function dropInjected(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropInjected);
  if (!v || typeof v !== 'object') return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v as Obj)) out[k] = dropInjected(x);
  const m = out.metadata as Obj | undefined;
  if (m && typeof m === 'object') {
    let emptied = false;
    for (const field of ['labels', 'annotations']) {
      const l = m[field] as Obj | undefined;
      if (!l || typeof l !== 'object') continue;
      const kept = Object.fromEntries(Object.entries(l).filter(([k]) => !k.startsWith('strata.dev/')));
      // Emptied by the filter: strata added the field; empty as printed (`annotations: {}`): the chart's.
      if (Object.keys(kept).length || Object.keys(l).length === 0) m[field] = kept;
      else {
        delete m[field];
        emptied = true;
      }
    }
    // A metadata block that held only strata's labels (a pod template the chart gives no metadata) was added;
    // one the chart printed empty (`metadata: {}`) stays.
    if (emptied && Object.keys(m).length === 0) delete out.metadata;
  }
  return out;
}

/** Helm test hooks (`helm.sh/hook: test`) are not imported. */
function isTestHook(o: Obj): boolean {
  const a = ((o.metadata as Obj | undefined)?.annotations ?? {}) as Obj;
  return /(^|,)\s*test/.test(typeof a['helm.sh/hook'] === 'string' ? a['helm.sh/hook'] : '');
}

function key(o: Obj): string {
  const m = (o.metadata ?? {}) as Obj;
  const api = typeof o.apiVersion === 'string' ? o.apiVersion : '';
  const group = api.includes('/') ? api.split('/')[0] : '';
  return `${group}/${String(o.kind)}/${String(m.name)}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as Obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Obj)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function strip(o: Obj, helmSide: Obj | undefined, side: 'helm' | 'strata'): Obj {
  const c = (side === 'strata' ? dropInjected(dropNulls(o)) : dropNulls(o)) as Obj;
  const m = { ...((c.metadata ?? {}) as Obj) };
  const hm = (helmSide?.metadata ?? {}) as Obj;
  const labels = { ...((m.labels ?? {}) as Record<string, unknown>) };
  const helmLabels = (hm.labels ?? {}) as Record<string, unknown>;
  if (side === 'strata') {
    delete labels['app.kubernetes.io/managed-by'];
    delete labels['strata.dev/environment'];
    if (!('app.kubernetes.io/name' in helmLabels)) delete labels['app.kubernetes.io/name'];
    if (hm.namespace === undefined) delete m.namespace;
  } else if (labels['app.kubernetes.io/managed-by'] === 'Helm') delete labels['app.kubernetes.io/managed-by'];
  if (Object.keys(labels).length) m.labels = labels;
  else delete m.labels;
  const ann = { ...((m.annotations ?? {}) as Record<string, unknown>) };
  for (const k of Object.keys(ann)) if (k.startsWith('strata.dev/')) delete ann[k];
  if (Object.keys(ann).length) m.annotations = ann;
  else delete m.annotations;
  return { ...c, metadata: m };
}

export function compareRenders(helmStream: string, strataStream: string): Comparison {
  const helm = new Map(
    docs(helmStream)
      .filter((d) => !isTestHook(d))
      .map((d) => [key(d), d]),
  );
  const strata = new Map(docs(strataStream).map((d) => [key(d), d]));
  const equal: string[] = [];
  const different: Comparison['different'] = [];
  for (const [k, h] of helm) {
    const s = strata.get(k);
    if (!s) continue;
    const hs = strip(h, h, 'helm');
    const ss = strip(s, h, 'strata');
    if (canonical(hs) === canonical(ss)) equal.push(k);
    else different.push({ key: k, helm: hs, strata: ss });
  }
  return {
    helm: helm.size,
    strata: strata.size,
    equal,
    different,
    onlyHelm: [...helm.keys()].filter((k) => !strata.has(k)),
    onlyStrata: [...strata.keys()].filter((k) => !helm.has(k)),
  };
}
