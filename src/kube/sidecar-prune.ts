/**
 * What `strata sidecar patch` removes from a sidecar that already runs. Pure: patch-deployment.ts calls it with
 * the Deployment it has just read.
 *
 * A strategic merge only adds and replaces: an env variable, mount or volume the new patch no longer lists stays
 * in the Deployment. So an upgrade that unsets platformPolicy or ageKeys would leave STRATA_PLATFORM_POLICY /
 * STRATA_AGE_KEYS_DIR, their mounts and the pod's volumes pointing at a ConfigMap or Secret Helm then deletes
 * (renders fail; a pod whose volume's ConfigMap or Secret is missing cannot start). The chart cannot render the
 * removal itself: a `$patch: delete` entry inside a container the merge creates is kept in the object as data
 * (checked with `kubectl patch --local`), and the chart cannot know whether the sidecar exists. This code can:
 * when the live Deployment has the sidecar, it adds delete directives for what the chart owns and no longer
 * renders. The lists and the keys they merge by are Kubernetes' (k8s.io/api core/v1/types.go, the
 * `patchMergeKey` tags, also `x-kubernetes-patch-merge-key` in api/openapi-spec/swagger.json): Container.env by
 * name, Container.volumeMounts by mountPath, PodSpec.volumes by name.
 *
 * What the chart owns (helm/strata/templates/_helpers.tpl, strata.sidecarContainer and strata.sidecarPatch), and
 * so what may be removed: env variables named STRATA_*, and the volumes `<sidecar>-platform-policy` and
 * `<sidecar>-age-keys` with the sidecar's mounts of them. Anything else an operator added to the sidecar or the
 * pod stays.
 */
import { isObject, objectsOf, podSpecOf, withPodSpec, type JsonObject } from './pod-spec.js';

const DELETE = { $patch: 'delete' } as const;
const OWNED_ENV_PREFIX = 'STRATA_';
/** The feature volumes' names after the sidecar's (strata.volumeName.platformPolicy / .ageKeys). */
const ownedVolumes = (sidecar: string) => [`${sidecar}-platform-policy`, `${sidecar}-age-keys`];

export interface PruneResult {
  /** The patch to send: the input with delete directives added (the input itself when there is nothing to remove). */
  readonly patch: unknown;
  /** What goes, for the Job's log: `env NAME`, `mount PATH`, `volume NAME` (names only, never values). */
  readonly removed: readonly string[];
}

const strings = (items: JsonObject[], key: string): string[] =>
  items.map((i) => i[key]).filter((v): v is string => typeof v === 'string');
const unique = (xs: string[]) => [...new Set(xs)];
/** A list field as sent, with entries appended (a field that is not a list counts as empty). */
const append = (list: unknown, extra: JsonObject[]) => [...(Array.isArray(list) ? (list as unknown[]) : []), ...extra];

/**
 * Add to `patch` a delete directive for every env variable, volume mount and volume the chart owns that the live
 * Deployment has and the patch no longer lists. Only containers the live Deployment already has get directives
 * (see above); volumes are pod-level, so theirs go whether or not the sidecar exists, unless a container (other
 * than the sidecar's mounts being removed) still mounts them: deleting those would make the pod invalid.
 */
export function pruneSidecar(patch: unknown, deployment: unknown): PruneResult {
  const patchSpec = podSpecOf(patch);
  if (!patchSpec || !Array.isArray(patchSpec.containers)) return { patch, removed: [] };
  const liveSpec = podSpecOf(deployment);
  const liveContainers = objectsOf(liveSpec?.containers);
  const removed: string[] = [];
  const envGone: string[] = [];
  const mountsGone: string[] = [];
  /** Volume names still mounted after the patch, by any container. */
  const stillMounted = new Set<string>();

  // Whatever the patch mounts stays mounted, in a container it creates as much as in one it changes.
  for (const c of objectsOf(patchSpec.containers))
    for (const v of strings(objectsOf(c.volumeMounts), 'name')) stillMounted.add(v);

  const containers = (patchSpec.containers as unknown[]).map((c) => {
    const name = isObject(c) ? c.name : undefined;
    const live = liveContainers.find((l) => l.name === name);
    // A container the patch deletes (`$patch` on the entry) needs nothing removed from it.
    if (!isObject(c) || typeof name !== 'string' || !live || '$patch' in c) return c;
    const owned = ownedVolumes(name);
    const sentMounts = objectsOf(c.volumeMounts);
    const sentEnvNames = strings(objectsOf(c.env), 'name');
    const sentPaths = strings(sentMounts, 'mountPath');
    const env = unique(strings(objectsOf(live.env), 'name')).filter(
      (n) => n.startsWith(OWNED_ENV_PREFIX) && !sentEnvNames.includes(n),
    );
    const liveMounts = objectsOf(live.volumeMounts);
    const ownedMounts = liveMounts.filter((m) => typeof m.name === 'string' && owned.includes(m.name));
    const mounts = unique(strings(ownedMounts, 'mountPath')).filter((p) => !sentPaths.includes(p));
    // The live mounts the merge neither replaces nor deletes stay too.
    for (const m of liveMounts) {
      const path = m.mountPath;
      if (typeof m.name === 'string' && !sentPaths.includes(path as string) && !mounts.includes(path as string))
        stillMounted.add(m.name);
    }
    envGone.push(...env);
    mountsGone.push(...mounts);
    if (env.length === 0 && mounts.length === 0) return c;
    const out: JsonObject = { ...c };
    if (env.length)
      out.env = append(
        c.env,
        env.map((n) => ({ name: n, ...DELETE })),
      );
    if (mounts.length)
      out.volumeMounts = append(
        c.volumeMounts,
        mounts.map((p) => ({ mountPath: p, ...DELETE })),
      );
    return out;
  });

  // Every other container, and every container the patch does not touch, keeps its mounts.
  const patched = new Set(strings(objectsOf(patchSpec.containers), 'name'));
  for (const c of [
    ...objectsOf(liveSpec?.initContainers),
    ...liveContainers.filter((l) => !patched.has(l.name as string)),
  ])
    for (const v of strings(objectsOf(c.volumeMounts), 'name')) stillMounted.add(v);
  const sentVolumeNames = strings(objectsOf(patchSpec.volumes), 'name');
  const owned = [...patched].flatMap(ownedVolumes);
  const volumes = unique(strings(objectsOf(liveSpec?.volumes), 'name')).filter(
    (v) => owned.includes(v) && !sentVolumeNames.includes(v) && !stillMounted.has(v),
  );

  removed.push(...envGone.map((n) => `env ${n}`), ...mountsGone.map((p) => `mount ${p}`));
  removed.push(...volumes.map((v) => `volume ${v}`));
  if (removed.length === 0) return { patch, removed };
  const spec: JsonObject = { ...patchSpec, containers };
  if (volumes.length)
    spec.volumes = append(
      patchSpec.volumes,
      volumes.map((v) => ({ name: v, ...DELETE })),
    );
  return { patch: withPodSpec(patch, spec), removed };
}
