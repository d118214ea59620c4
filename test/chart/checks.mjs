// Chart checks for helm/strata, run by test/chart/run.sh (which installs the tools first).
// Renders the chart with test/chart/render.sh (a Go stand-in for `helm template`), applies the rendered
// sidecar patches with `kubectl patch --local` to the stock argocd-repo-server Deployment, and compares.
//
//   node test/chart/checks.mjs            (from anywhere; paths are computed from this file)
//
// Each check is a named function that throws on failure; all of them run, then a summary line is printed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const require = createRequire(join(repo, 'package.json'));
/** The chart's default image is pinned by appVersion, which is package.json's version (scripts/versions.mjs). */
const VERSION = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version;
const YAML = require('yaml');
const Ajv = require('ajv');

const chartDir = join(repo, 'helm/strata');
// In CI the shared folder sits next to the repository; STRATA_SHARED_DIR overrides. A check that needs one of
// its upstream files is reported as skipped, by name, in a clone without it (as the node suites skip).
const sharedDir = process.env.STRATA_SHARED_DIR ?? resolve(repo, '../shared');
class Skip extends Error {}
const sharedFile = (rel) => {
  const f = join(sharedDir, rel);
  if (!existsSync(f)) throw new Skip(`no ${f} (../shared beside this clone, or STRATA_SHARED_DIR)`);
  return f;
};
const stockDeploymentFile = () => sharedFile('fixtures/argocd/argocd-repo-server-deployment.yaml');
// argoproj-labs/argocd-operator config/crd/bases/argoproj.io_argocds.yaml (fixtures README names the commit).
const operatorCrdFile = () => sharedFile('fixtures/argocd-operator/argocd-crd.yaml');
const work = mkdtempSync(join(tmpdir(), 'strata-chart-'));

// ---------- helpers ----------

function render(args = [], dir = chartDir) {
  return execFileSync(join(here, 'render.sh'), [...args, dir], { encoding: 'utf8' });
}

/** Rendered stream -> [{source, text, obj}] */
function renderObjects(args = [], dir = chartDir) {
  const out = render(args, dir);
  return out
    .split(/^---$/m)
    .map((d) => d.trim())
    .filter(Boolean)
    .map((text) => ({ source: /^# Source: (.*)$/m.exec(text)?.[1] ?? '?', text, obj: YAML.parse(text) }));
}

function find(objs, kind, nameSuffix = '') {
  const hits = objs.filter((o) => o.obj.kind === kind && o.obj.metadata.name.endsWith(nameSuffix));
  assert.equal(hits.length, 1, `expected one ${kind} named *${nameSuffix}, found ${hits.length}`);
  return hits[0].obj;
}

function patchDocs(args = []) {
  const cm = find(renderObjects(args), 'ConfigMap', '-sidecar-patch');
  return { patch: cm.data['patch.json'], unpatch: cm.data['unpatch.json'] };
}

/**
 * A validator for one version of a CRD, strict like `kubectl apply --validate=strict`: objects without
 * additionalProperties or x-kubernetes-preserve-unknown-fields refuse unknown fields. Large subschemas that
 * repeat (Container, Volume) go to $defs once, so Ajv compiles the 2 MiB operator CRD in seconds.
 */
function crdValidator(file, version) {
  const crd = require('js-yaml').load(readFileSync(file, 'utf8'));
  const schema = crd.spec.versions.find((v) => v.name === version).schema.openAPIV3Schema;
  const defs = {};
  const close = (s) => {
    if (Array.isArray(s)) return s.map(close);
    if (!s || typeof s !== 'object') return s;
    const out = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'description') continue;
      out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, close(pv)])) : close(v);
    }
    if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields'])
      out.additionalProperties = false;
    const text = JSON.stringify(out);
    if (text.length < 2000) return out;
    const id = sha256(text).slice(0, 16);
    defs[id] = out;
    return { $ref: `#/$defs/${id}` };
  };
  const props = Object.fromEntries(
    Object.entries(schema.properties)
      .filter(([k]) => k !== 'status')
      .map(([k, v]) => [k, close(v)]),
  );
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile({
    type: 'object',
    properties: props,
    $defs: defs,
  });
}

let seq = 0;
function tmpFile(name, content) {
  const p = join(work, `${++seq}-${name}`);
  writeFileSync(p, content);
  return p;
}

/** kubectl patch --local: never contacts a cluster. Returns the patched object as YAML text. */
function kubectlPatch(deploymentFile, patchText) {
  const patchFile = tmpFile('patch.json', patchText);
  return execFileSync(
    'kubectl',
    ['patch', '--local', '-f', deploymentFile, '--type', 'strategic', '--patch-file', patchFile, '-o', 'yaml'],
    {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** What kubectl makes of a file with no change at all: the baseline to compare patched output against. */
function normalised(deploymentFile) {
  return YAML.parse(kubectlPatch(deploymentFile, '{}'));
}

/**
 * kubectl --local keeps an emptied map as `annotations: {}`; the API server drops it (omitempty), so the
 * comparison with the original ignores empty annotation maps.
 */
function dropEmptyAnnotations(obj) {
  const md = obj.spec?.template?.metadata;
  if (md?.annotations && Object.keys(md.annotations).length === 0) delete md.annotations;
  return obj;
}

/**
 * The sidecar runs argocd-cmp-server (copied into var-files by the repo-server's copyutil init container) under
 * Debian's tini from strata's image: argocd-cmp-server as PID 1 never reaps the warm renderer that a generate
 * starts detached (argo-cd issue 29349), tini does; -s makes it the subreaper when it is not PID 1 (a pod with
 * shareProcessNamespace). test/e2e/reaper.test.ts runs this very command; test/image/run.sh checks the binary.
 */
const SIDECAR_COMMAND = ['/usr/bin/tini', '-s', '--', '/var/run/argocd/argocd-cmp-server'];
const podSpec = (d) => d.spec.template.spec;
const byName = (list, name) => list.find((x) => x.name === name);
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

// ---------- checks ----------

const checks = {
  'Chart.yaml: apiVersion v2, appVersion = package.json version'() {
    const chart = YAML.parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.appVersion, pkg.version);
  },

  'values.yaml and both modes validate against values.schema.json; bad values are rejected'() {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const values = (args) => JSON.parse(render(['--show-values', ...args]));
    for (const args of [[], ['--set', 'mode=values'], ['--set', 'image.digest=sha256:' + 'a'.repeat(64)]]) {
      assert.ok(validate(values(args)), `${args.join(' ')}: ${JSON.stringify(validate.errors)}`);
    }
    for (const args of [
      ['--set', 'mode=sidecar'],
      ['--set', 'sidecar.name=Strata_1'],
      ['--set', 'image.pullPolicy=Sometimes'],
      ['--set', 'sidecar.runAsUser=0'],
    ]) {
      assert.ok(!validate(values(args)), `${args.join(' ')} should be rejected`);
    }
  },

  'every rendered object has apiVersion, kind, metadata.name and the Argo CD namespace'() {
    for (const args of [[], ['--set', 'mode=values'], ['--set', 'argocd.namespace=gitops']]) {
      for (const { source, obj } of renderObjects(args)) {
        assert.ok(obj.apiVersion && obj.kind && obj.metadata?.name, `${source}: missing apiVersion/kind/metadata.name`);
        assert.ok(obj.metadata.namespace, `${source}: ${obj.kind} without namespace`);
      }
    }
  },

  'mode patch: ConfigMaps, ServiceAccount, Role, RoleBinding and the two hook Jobs'() {
    const objs = renderObjects();
    const kinds = objs.map((o) => `${o.obj.kind}/${o.obj.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      'ConfigMap/strata-plugin',
      'ConfigMap/strata-sidecar-patch',
      'Job/strata-patch',
      'Job/strata-unpatch',
      'Role/strata-patcher',
      'RoleBinding/strata-patcher',
      'ServiceAccount/strata-patcher',
    ]);
    const role = find(objs, 'Role');
    assert.deepEqual(role.rules, [
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        resourceNames: ['argocd-repo-server'],
        verbs: ['get', 'patch'],
      },
    ]);
    const patchJob = find(objs, 'Job', '-patch');
    const unpatchJob = find(objs, 'Job', '-unpatch');
    assert.equal(patchJob.metadata.annotations['helm.sh/hook'], 'post-install,post-upgrade');
    assert.equal(unpatchJob.metadata.annotations['helm.sh/hook'], 'pre-delete');
    const c = patchJob.spec.template.spec.containers[0];
    assert.deepEqual(
      [...c.command, ...c.args],
      [
        'strata',
        'sidecar',
        'patch',
        '--patch-file',
        '/etc/strata/patch/patch.json',
        '--namespace',
        'argocd',
        '--deployment',
        'argocd-repo-server',
      ],
    );
    assert.equal(c.image, `ghcr.io/strata/strata:${VERSION}`);
    assert.equal(c.securityContext.runAsNonRoot, true);
    const u = unpatchJob.spec.template.spec.containers[0];
    assert.deepEqual(u.args.slice(0, 4), ['sidecar', 'unpatch', '--patch-file', '/etc/strata/patch/unpatch.json']);
    assert.ok(u.args.includes('--ignore-missing'));
    assert.equal(patchJob.spec.template.spec.serviceAccountName, 'strata-patcher');
  },

  'mode patch: the ServiceAccount, Role and RoleBinding exist only while a hook Job runs'() {
    // They can patch the repo-server's pod template (and so run it as any ServiceAccount of the namespace):
    // Helm creates them with the hooks of each event and, once every hook of that event succeeded, deletes
    // them (helm pkg/action/hooks.go execHook: weight order, then hook-succeeded deletions in reverse).
    const weight = (o) => Number(o.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);
    const events = (o) => new Set((o.metadata.annotations?.['helm.sh/hook'] ?? '').split(',').filter(Boolean));
    const saValues = tmpFile(
      'sa.yaml',
      'serviceAccount:\n  name: patcher\n  annotations:\n    example.com/role: patcher\n',
    );
    for (const args of [[], ['-f', saValues]]) {
      const objs = renderObjects(args);
      const jobs = objs.filter((o) => o.obj.kind === 'Job').map((o) => o.obj);
      const jobEvents = new Set(jobs.flatMap((j) => [...events(j)]));
      assert.deepEqual([...jobEvents].sort(), ['post-install', 'post-upgrade', 'pre-delete']);
      for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) {
        const o = find(objs, kind);
        const where = `${kind} (${args.join(' ') || 'defaults'})`;
        assert.deepEqual(
          [...events(o)].sort(),
          [...jobEvents].sort(),
          `${where}: a hook of every event a Job runs in, and no other`,
        );
        assert.deepEqual(
          (o.metadata.annotations['helm.sh/hook-delete-policy'] ?? '').split(',').sort(),
          ['before-hook-creation', 'hook-succeeded'],
          `${where}: deleted once the hooks succeeded, replaced on a re-run`,
        );
        for (const j of jobs)
          assert.ok(weight(o) < weight(j), `${where}: created before the ${j.metadata.name} Job (lower hook weight)`);
      }
      if (args.length) {
        assert.equal(
          find(objs, 'ServiceAccount').metadata.annotations['example.com/role'],
          'patcher',
          'serviceAccount.annotations are kept beside the hook annotations',
        );
        assert.equal(find(objs, 'Job', '-patch').spec.template.spec.serviceAccountName, 'patcher');
      }
      // Nothing that outlives the hooks refers to the ServiceAccount.
      const sa = find(objs, 'ServiceAccount').metadata.name;
      for (const { obj } of objs.filter((o) => !o.obj.metadata.annotations?.['helm.sh/hook'])) {
        assert.doesNotMatch(
          JSON.stringify(obj),
          new RegExp(`"${sa}"`),
          `${obj.kind}/${obj.metadata.name} refers to the hook ServiceAccount`,
        );
      }
    }
  },

  'mode values: no objects at all, NOTES point to argo-cd-values.yaml'() {
    assert.deepEqual(renderObjects(['--set', 'mode=values']), []);
    const notes = render(['--notes', '--set', 'mode=values']);
    assert.match(notes, /argo-cd-values\.yaml/);
    assert.match(notes, /strata-v1/);
    assert.match(render(['--notes']), /mode patch/);
  },

  'custom namespace and Deployment name reach the Role, the Jobs and every object'() {
    const objs = renderObjects(['--set', 'argocd.namespace=gitops', '--set', 'argocd.repoServer.deploymentName=repo']);
    for (const { obj } of objs) assert.equal(obj.metadata.namespace, 'gitops');
    assert.deepEqual(find(objs, 'Role').rules[0].resourceNames, ['repo']);
    assert.equal(find(objs, 'RoleBinding').subjects[0].namespace, 'gitops');
    const args = find(objs, 'Job', '-patch').spec.template.spec.containers[0].args;
    assert.deepEqual(args.slice(4, 8), ['--namespace', 'gitops', '--deployment', 'repo']);
  },

  'image: tag defaults to appVersion; a digest pins it'() {
    const digest = 'sha256:' + 'b'.repeat(64);
    const withDigest = JSON.parse(patchDocs(['--set', `image.digest=${digest}`]).patch);
    assert.equal(withDigest.spec.template.spec.containers[0].image, `ghcr.io/strata/strata@${digest}`);
    const withTag = JSON.parse(patchDocs(['--set', 'image.tag=9.9.9']).patch);
    assert.equal(withTag.spec.template.spec.containers[0].image, 'ghcr.io/strata/strata:9.9.9');
  },

  'plugin ConfigMap holds the repository plugin.yaml byte for byte'() {
    const rootFile = join(repo, 'plugin.yaml');
    assert.ok(existsSync(rootFile), 'the repository has no top-level plugin.yaml yet');
    const root = readFileSync(rootFile, 'utf8');
    assert.equal(
      readFileSync(join(chartDir, 'files/plugin.yaml'), 'utf8'),
      root,
      'helm/strata/files/plugin.yaml differs from plugin.yaml: copy it over',
    );
    const cm = find(renderObjects(), 'ConfigMap', '-plugin');
    assert.equal(cm.data['plugin.yaml'], root);
  },

  'patch: the sidecar matches the CMP contract, the stock containers are untouched'() {
    const stock = stockDeploymentFile();
    const original = normalised(stock);
    const patchedText = kubectlPatch(stock, patchDocs().patch);
    assert.doesNotMatch(
      patchedText,
      /\$(patch|setElementOrder|retainKeys)/,
      'no patch directive leaks into the object',
    );
    const patched = YAML.parse(patchedText);
    const spec = podSpec(patched);
    assert.deepEqual(
      spec.containers.map((c) => c.name),
      ['argocd-repo-server', 'strata'],
      'repo-server stays the first container',
    );
    const s = byName(spec.containers, 'strata');
    assert.deepEqual(s.command, SIDECAR_COMMAND);
    assert.equal(s.image, `ghcr.io/strata/strata:${VERSION}`);
    assert.deepEqual(s.securityContext, {
      runAsNonRoot: true,
      runAsUser: 999,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(s.volumeMounts, [
      { name: 'var-files', mountPath: '/var/run/argocd' },
      { name: 'plugins', mountPath: '/home/argocd/cmp-server/plugins' },
      { name: 'strata-plugin', mountPath: '/home/argocd/cmp-server/config/plugin.yaml', subPath: 'plugin.yaml' },
      { name: 'strata-tmp', mountPath: '/tmp' },
    ]);
    assert.ok(byName(s.env, 'STRATA_LOG_LEVEL'), 'STRATA_LOG_LEVEL set');
    assert.equal(byName(s.env, 'HOME')?.value, '/tmp');
    assert.deepEqual(byName(spec.volumes, 'strata-plugin'), {
      name: 'strata-plugin',
      configMap: { name: 'strata-plugin', items: [{ key: 'plugin.yaml', path: 'plugin.yaml' }] },
    });
    // No size limit by default, as upstream's cmp-tmp (argo-cd docs/operator-manual/config-management-plugins.md):
    // every concurrent request unpacks a copy of the repository there.
    assert.deepEqual(byName(spec.volumes, 'strata-tmp'), { name: 'strata-tmp', emptyDir: {} });
    // Everything the mounts refer to exists; nothing of the original pod changed.
    for (const m of s.volumeMounts) assert.ok(byName(spec.volumes, m.name), `volume ${m.name} exists`);
    assert.deepEqual(
      byName(spec.containers, 'argocd-repo-server'),
      byName(podSpec(original).containers, 'argocd-repo-server'),
    );
    assert.deepEqual(spec.initContainers, podSpec(original).initContainers);
    assert.deepEqual(
      spec.volumes.filter((v) => !v.name.startsWith('strata-')),
      podSpec(original).volumes,
    );
    const others = (ps) =>
      Object.fromEntries(Object.entries(ps).filter(([k]) => !['containers', 'volumes'].includes(k)));
    assert.deepEqual(others(spec), others(podSpec(original)), 'the rest of the pod spec is unchanged');
    const checksum = patched.spec.template.metadata.annotations['checksum/strata-plugin'];
    assert.equal(checksum, sha256(readFileSync(join(chartDir, 'files/plugin.yaml'), 'utf8')));
    const { spec: _s, ...restPatched } = patched;
    const { spec: _o, ...restOriginal } = original;
    assert.deepEqual(restPatched, restOriginal, 'only spec changes');
  },

  'every install path runs the sidecar under tini (mode patch, argo-cd-values.yaml, argocd-operator.yaml, any sidecar name)'() {
    const commands = {
      'mode patch': JSON.parse(patchDocs().patch).spec.template.spec.containers[0].command,
      'mode patch, sidecar.name=layers': JSON.parse(patchDocs(['--set', 'sidecar.name=layers']).patch).spec.template
        .spec.containers[0].command,
      'argo-cd-values.yaml': YAML.parse(readFileSync(join(chartDir, 'argo-cd-values.yaml'), 'utf8')).repoServer
        .extraContainers[0].command,
      'argocd-operator.yaml': YAML.parse(readFileSync(join(chartDir, 'argocd-operator.yaml'), 'utf8')).spec.repo
        .sidecarContainers[0].command,
    };
    for (const [where, command] of Object.entries(commands)) {
      assert.equal(
        command?.[0],
        '/usr/bin/tini',
        `${where}: the sidecar command starts with tini (${JSON.stringify(command)})`,
      );
      assert.deepEqual(command, SIDECAR_COMMAND, where);
    }
  },

  'the docs and NOTES show the sidecar command with tini, never argocd-cmp-server alone'() {
    const flow = `command: [${SIDECAR_COMMAND.join(', ')}]`;
    const files = [
      'docs/install.md',
      'docs/argocd.md',
      'README.md',
      'helm/strata/README.md',
      'helm/strata/templates/NOTES.txt',
      'scripts/image-entrypoint.sh',
    ];
    for (const rel of files) {
      const text = readFileSync(join(repo, rel), 'utf8');
      // Any command (flow list, or a block list's first item) whose first word is argocd-cmp-server.
      const bare =
        /command:\s*\[\s*\/var\/run\/argocd\/argocd-cmp-server|command:\s*\n\s*-\s*\/var\/run\/argocd\/argocd-cmp-server/.exec(
          text,
        );
      assert.equal(bare, null, `${rel} shows argocd-cmp-server as the command without tini: ${bare?.[0]}`);
    }
    assert.ok(readFileSync(join(repo, 'docs/install.md'), 'utf8').includes(flow), `docs/install.md shows ${flow}`);
  },

  'docs say what a signal does to strata: it dies from it (no exit status), never "exits 143"'() {
    // argo-cd cmpserver/plugin/plugin.go:108-129: exec.CommandContext SIGKILLs the command at the deadline, the
    // command's process group gets SIGTERM then SIGKILL 5 s later, and the group is signalled after every request.
    for (const rel of [
      'docs/install.md',
      'docs/argocd.md',
      'docs/argocd-cmp-contract.md',
      'README.md',
      'helm/strata/README.md',
    ]) {
      const text = readFileSync(join(repo, rel), 'utf8').replace(/\s+/g, ' ');
      assert.doesNotMatch(
        text,
        /exit(s|ing|ed)? (with )?(status |code )?143|143 on SIGTERM/i,
        `${rel} claims an exit status 143`,
      );
    }
    const install = readFileSync(join(repo, 'docs/install.md'), 'utf8').replace(/\s+/g, ' ');
    for (const [what, re] of [
      ['the command is SIGKILLed at once', /SIGKILLs the plugin command at once/],
      [
        'its process group gets SIGTERM, then SIGKILL 5 s later',
        /SIGTERMs its process group, then SIGKILLs the group 5 s later/,
      ],
      ['the upstream source', /cmpserver\/plugin\/plugin\.go:108-129/],
      ['strata dies from the signal with no exit status', /dies from the signal with no exit status/],
      ['the group is signalled after every request', /group is signalled after every request/],
    ]) {
      assert.match(install, re, `docs/install.md says ${what}`);
    }
  },

  'patch twice = patch once (idempotent)'() {
    const stock = stockDeploymentFile();
    const { patch } = patchDocs();
    const once = kubectlPatch(stock, patch);
    const twice = kubectlPatch(tmpFile('once.yaml', once), patch);
    assert.equal(twice, once);
  },

  'unpatch restores the stock Deployment; unpatching an unpatched one changes nothing'() {
    const stock = stockDeploymentFile();
    const { patch, unpatch } = patchDocs();
    const original = normalised(stock);
    const patched = tmpFile('patched.yaml', kubectlPatch(stock, patch));
    assert.deepEqual(dropEmptyAnnotations(YAML.parse(kubectlPatch(patched, unpatch))), original);
    assert.deepEqual(dropEmptyAnnotations(YAML.parse(kubectlPatch(stock, unpatch))), original);
  },

  'unpatch keeps other plugins (a foreign cmp-tmp volume, another sidecar, other annotations)'() {
    const stock = stockDeploymentFile();
    const foreign = JSON.stringify({
      spec: {
        template: {
          metadata: { annotations: { 'checksum/other': 'x' } },
          spec: {
            containers: [{ name: 'other-cmp', image: 'other', volumeMounts: [{ name: 'cmp-tmp', mountPath: '/tmp' }] }],
            volumes: [{ name: 'cmp-tmp', emptyDir: {} }],
          },
        },
      },
    });
    const withOther = tmpFile('other.yaml', kubectlPatch(stock, foreign));
    const before = YAML.parse(readFileSync(withOther, 'utf8'));
    const { patch, unpatch } = patchDocs();
    const patched = tmpFile('other-patched.yaml', kubectlPatch(withOther, patch));
    assert.equal(podSpec(YAML.parse(readFileSync(patched, 'utf8'))).containers.length, 3);
    assert.deepEqual(YAML.parse(kubectlPatch(patched, unpatch)), before);
  },

  'upgrade: a changed plugin.yaml changes the checksum annotation (repo-server restarts)'() {
    const copy = join(work, 'chart-copy');
    cpSync(chartDir, copy, { recursive: true });
    writeFileSync(
      join(copy, 'files/plugin.yaml'),
      readFileSync(join(chartDir, 'files/plugin.yaml'), 'utf8') + '# changed\n',
    );
    const annotation = (dir) => {
      const cm = find(renderObjects(['--is-upgrade'], dir), 'ConfigMap', '-sidecar-patch');
      return JSON.parse(cm.data['patch.json']).spec.template.metadata.annotations['checksum/strata-plugin'];
    };
    assert.notEqual(annotation(copy), annotation(chartDir));
  },

  'custom sidecar name, extra env and a tmp size limit still patch and unpatch cleanly'() {
    const stock = stockDeploymentFile();
    const values = tmpFile(
      'values.yaml',
      'sidecar:\n  name: layers\n  tmpSizeLimit: 4Gi\n  extraEnv:\n    - name: NODE_OPTIONS\n      value: --max-old-space-size=256\n',
    );
    const { patch, unpatch } = patchDocs(['-f', values]);
    const patched = YAML.parse(kubectlPatch(stock, patch));
    const c = byName(podSpec(patched).containers, 'layers');
    assert.deepEqual(
      c.env.map((e) => e.name),
      ['HOME', 'STRATA_LOG_LEVEL', 'NODE_OPTIONS'],
    );
    assert.deepEqual(byName(podSpec(patched).volumes, 'layers-tmp'), {
      name: 'layers-tmp',
      emptyDir: { sizeLimit: '4Gi' },
    });
    const back = kubectlPatch(tmpFile('layers.yaml', YAML.stringify(patched)), unpatch);
    assert.deepEqual(dropEmptyAnnotations(YAML.parse(back)), normalised(stock));
  },

  'sidecar memory is sized for several concurrent renders (Argo CD does not bound plugin runs)'() {
    const s = JSON.parse(patchDocs().patch).spec.template.spec.containers[0];
    const mib = (q) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(q);
      assert.ok(m, `quantity ${q}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    // docs/install.md "Sizing": ~70 MiB peak per typical render, ~145 MiB for a 5 MiB output; room for 6 large ones.
    assert.ok(mib(s.resources.limits.memory) >= 1024, `limit ${s.resources.limits.memory}`);
    assert.ok(mib(s.resources.requests.memory) >= 256, `request ${s.resources.requests.memory}`);
  },

  'plugin.yaml has no discover rule; plugin.discover.fileName adds one (opt-in) and restarts the repo-server'() {
    const plain = YAML.parse(find(renderObjects(), 'ConfigMap', '-plugin').data['plugin.yaml']);
    assert.equal(plain.spec.discover, undefined);
    const args = ['--set', 'plugin.discover.fileName=strata.yaml'];
    const text = find(renderObjects(args), 'ConfigMap', '-plugin').data['plugin.yaml'];
    const withDiscover = YAML.parse(text);
    assert.deepEqual(withDiscover.spec.discover, { fileName: 'strata.yaml' });
    const { discover: _d, ...rest } = withDiscover.spec;
    assert.deepEqual({ ...withDiscover, spec: rest }, plain, 'nothing else changes');
    const checksum = (a) => JSON.parse(patchDocs(a).patch).spec.template.metadata.annotations['checksum/strata-plugin'];
    assert.equal(checksum(args), sha256(text));
    assert.notEqual(checksum(args), checksum([]));
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    assert.ok(validate(JSON.parse(render(['--show-values', ...args]))));
    assert.ok(
      !validate(JSON.parse(render(['--show-values', '--set', 'plugin.discover.glob=x']))),
      'unknown keys are refused',
    );
  },

  'argocd-operator.yaml: valid against the operator ArgoCD CRD, same sidecar and volumes as the patch'() {
    const operatorCrd = operatorCrdFile();
    const cr = YAML.parse(readFileSync(join(chartDir, 'argocd-operator.yaml'), 'utf8'));
    const validate = crdValidator(operatorCrd, 'v1beta1');
    assert.ok(validate(cr), JSON.stringify(validate.errors?.slice(0, 5)));
    const typo = structuredClone(cr);
    typo.spec.repo.sidecarContainer = typo.spec.repo.sidecarContainers;
    assert.ok(!validate(typo), 'an unknown field is refused (the operator would drop it silently)');
    const patch = JSON.parse(patchDocs().patch).spec.template.spec;
    assert.deepEqual(cr.spec.repo.sidecarContainers, patch.containers);
    assert.deepEqual(
      cr.spec.repo.volumes,
      patch.volumes,
      'same ConfigMap (strata-plugin, key plugin.yaml) and /tmp volume',
    );
    // The operator's repo-server pod has the volumes the sidecar mounts besides its own (repo_server.go).
    const own = new Set(cr.spec.repo.volumes.map((v) => v.name));
    const mounts = cr.spec.repo.sidecarContainers[0].volumeMounts.map((m) => m.name).filter((n) => !own.has(n));
    assert.deepEqual(mounts, ['var-files', 'plugins']);
  },

  'argocd-operator-openshift.yaml: the operator snippet without runAsUser (restricted SCC), valid, otherwise equal'() {
    // OpenShift's restricted-v2 SCC (runAsUser: MustRunAsRange) refuses a fixed UID outside the namespace's
    // range and gives every container that sets none the range's first UID. The operator's repo-server sets
    // none (argocd-operator controllers/argoutil/security_context.go DefaultSecurityContext), so a sidecar
    // without one shares its UID, which the plugin socket in the shared plugins volume needs.
    const file = join(chartDir, 'argocd-operator-openshift.yaml');
    assert.ok(existsSync(file), 'helm/strata/argocd-operator-openshift.yaml exists');
    const text = readFileSync(file, 'utf8');
    const cr = YAML.parse(text);
    assert.doesNotMatch(
      text.replace(/^\s*#.*$/gm, ''),
      /runAsUser|runAsGroup|fsGroup/,
      'no UID or GID is pinned anywhere',
    );
    const [c] = cr.spec.repo.sidecarContainers;
    assert.equal(c.securityContext.runAsNonRoot, true, 'still refuses root');
    assert.equal(
      byName(c.env, 'HOME')?.value,
      '/tmp',
      'HOME is the writable /tmp: the assigned UID has no passwd entry',
    );
    assert.equal(byName(c.volumeMounts, 'strata-tmp')?.mountPath, '/tmp');
    const plain = YAML.parse(readFileSync(join(chartDir, 'argocd-operator.yaml'), 'utf8'));
    delete plain.spec.repo.sidecarContainers[0].securityContext.runAsUser;
    assert.deepEqual(cr, plain, 'only runAsUser differs from argocd-operator.yaml');
    const install = readFileSync(join(repo, 'docs/install.md'), 'utf8');
    assert.match(install, /argocd-operator-openshift\.yaml/, 'docs/install.md shows the OpenShift variant');
    // Last: the CRD is an upstream file (skipped, by name, in a clone without ../shared).
    const validate = crdValidator(operatorCrdFile(), 'v1beta1');
    assert.ok(validate(cr), JSON.stringify(validate.errors?.slice(0, 5)));
  },

  'argo-cd-values.yaml: same sidecar as the patch, same plugin as plugin.yaml'() {
    const file = join(chartDir, 'argo-cd-values.yaml');
    const values = YAML.parse(readFileSync(file, 'utf8'));
    // The upstream chart renders extraContainers with tpl(toYaml .): resolve it the same way.
    const containers = YAML.parse(render(['--tpl-values', file, '--key', 'repoServer.extraContainers'], ''));
    const patch = JSON.parse(patchDocs().patch).spec.template.spec;
    assert.deepEqual(containers, patch.containers);
    // Same volume names and mounts; only the ConfigMap differs (argocd-cmp-cm, key <plugin>.yaml).
    const vols = values.repoServer.volumes;
    assert.deepEqual(byName(vols, 'strata-tmp'), byName(patch.volumes, 'strata-tmp'));
    assert.deepEqual(byName(vols, 'strata-plugin'), {
      name: 'strata-plugin',
      configMap: { name: 'argocd-cmp-cm', items: [{ key: 'strata.yaml', path: 'plugin.yaml' }] },
    });
    assert.equal(values.configs.cmp.create, true);
    // What the argo-cd chart writes into argocd-cmp-cm for each configs.cmp.plugins entry.
    const [[name, spec]] = Object.entries(values.configs.cmp.plugins);
    const plugin = YAML.parse(readFileSync(join(chartDir, 'files/plugin.yaml'), 'utf8'));
    assert.deepEqual(
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'ConfigManagementPlugin', metadata: { name }, spec },
      plugin,
    );
  },
};

// ---------- platform policy and age keys (docs/install.md "Platform policy", "SOPS secrets") ----------

const PLATFORM_DIR = '/etc/strata/platform';
const PLATFORM_FILE = `${PLATFORM_DIR}/platform-policy.yaml`;
const AGE_DIR = '/etc/strata/age-keys';
const POLICY_SPEC = {
  platform: { denyKinds: ['ClusterRoleBinding'], namespaces: 'destination' },
  rules: { 'image-tag-pinned': 'error' },
  projects: { 'team-a': { rules: { 'image-tag-pinned': 'off' } } },
};
const policyValues = () => tmpFile('policy.yaml', YAML.stringify({ platformPolicy: POLICY_SPEC }));
const ageValues = (ageKeys) => tmpFile('age.yaml', YAML.stringify({ ageKeys }));
const AGE_ON = { enabled: true, projects: { 'team-a': 'AGE-SECRET-KEY-1TEAMA', 'team-b': 'AGE-SECRET-KEY-1TEAMB' } };
const chartSchema = () =>
  new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')),
  );
const sidecarOf = (patchJson) => JSON.parse(patchJson).spec.template.spec.containers[0];
const volumesOf = (patchJson) => JSON.parse(patchJson).spec.template.spec.volumes;
/** Every sidecar mount at or under /etc/strata, and every volume the features add. */
const featureMounts = (c) => c.volumeMounts.filter((m) => m.mountPath.startsWith('/etc/strata'));
const featureVolumes = (vols) =>
  vols.filter((v) => /-(platform-policy|age-keys)$/.test(v.name) && v.$patch === undefined);
const featureEnv = (c) => c.env.filter((e) => ['STRATA_PLATFORM_POLICY', 'STRATA_AGE_KEYS_DIR'].includes(e.name));
/** Render fails: the helper's message (stderr) must match `re`. */
function renderFails(args, re) {
  let err;
  try {
    render(args);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${args.join(' ')}: the render should fail`);
  assert.match(String(err.stderr), re);
}
/**
 * The optional blocks of argo-cd-values.yaml and argocd-operator*.yaml: a comment line `# [tag] ...` starts one,
 * the comment lines right below it at the same indentation are its YAML, commented out. Uncommenting them
 * (what the docs tell a user to do) must give what the chart's patch adds.
 */
function uncomment(text, tags) {
  let indent;
  return text
    .split('\n')
    .map((line) => {
      const m = /^(\s*)# \[(\w+)\]/.exec(line);
      if (m) {
        indent = tags.includes(m[2]) ? m[1] : undefined;
        return line;
      }
      if (indent !== undefined && line.startsWith(`${indent}# `)) return indent + line.slice(indent.length + 2);
      indent = undefined;
      return line;
    })
    .join('\n');
}
/** Pairs of mount paths where one is the other or lies inside it (a nested mount hides or shadows files). */
function nestedMounts(mounts) {
  const out = [];
  for (const a of mounts)
    for (const b of mounts)
      if (a !== b && (a.mountPath === b.mountPath || b.mountPath.startsWith(a.mountPath.replace(/\/?$/, '/'))))
        out.push(`${a.mountPath} / ${b.mountPath}`);
  return out;
}

Object.assign(checks, {
  'platformPolicy: schema accepts it; ConfigMap <fullname>-platform-policy, env, folder mount (no subPath) and volume; unset adds nothing'() {
    const validate = chartSchema();
    const args = ['-f', policyValues()];
    assert.ok(validate(JSON.parse(render(['--show-values', ...args]))), JSON.stringify(validate.errors));
    assert.ok(validate(JSON.parse(render(['--show-values']))), 'the default {} validates');
    assert.ok(!validate(JSON.parse(render(['--show-values', '--set', 'platformPolicy=x']))), 'a string is refused');
    const objs = renderObjects(args);
    const cm = find(objs, 'ConfigMap', '-platform-policy');
    assert.equal(cm.metadata.name, 'strata-platform-policy');
    assert.equal(cm.metadata.namespace, 'argocd');
    assert.deepEqual(YAML.parse(cm.data['platform-policy.yaml']), {
      apiVersion: 'strata.dev/v1',
      kind: 'Policy',
      spec: POLICY_SPEC,
    });
    const { patch } = patchDocs(args);
    const c = sidecarOf(patch);
    assert.deepEqual(featureEnv(c), [{ name: 'STRATA_PLATFORM_POLICY', value: PLATFORM_FILE }]);
    // A folder, not subPath: kubelet updates ConfigMap files in place only then, and strata rereads the file.
    assert.deepEqual(featureMounts(c), [{ name: 'strata-platform-policy', mountPath: PLATFORM_DIR, readOnly: true }]);
    assert.deepEqual(featureVolumes(volumesOf(patch)), [
      { name: 'strata-platform-policy', configMap: { name: 'strata-platform-policy' } },
    ]);
    assert.ok(
      Object.keys(cm.data).includes(PLATFORM_FILE.slice(PLATFORM_DIR.length + 1)),
      'the env names a key of the ConfigMap',
    );
    assert.equal(
      JSON.parse(patch).spec.template.metadata.annotations['checksum/strata-plugin'],
      sha256(readFileSync(join(chartDir, 'files/plugin.yaml'), 'utf8')),
      'no restart annotation: the file is reread per render',
    );
    // Another namespace and sidecar name follow.
    const other = ['-f', policyValues(), '--set', 'argocd.namespace=gitops', '--set', 'sidecar.name=layers'];
    assert.equal(find(renderObjects(other), 'ConfigMap', '-platform-policy').metadata.namespace, 'gitops');
    assert.equal(featureMounts(sidecarOf(patchDocs(other).patch))[0].name, 'layers-platform-policy');
    // Unset: nothing at all.
    const plain = patchDocs();
    assert.deepEqual(featureEnv(sidecarOf(plain.patch)), []);
    assert.deepEqual(featureMounts(sidecarOf(plain.patch)), []);
    assert.deepEqual(featureVolumes(volumesOf(plain.patch)), []);
    assert.equal(renderObjects().filter((o) => o.obj.metadata.name.endsWith('-platform-policy')).length, 0);
    // Mode values renders the ConfigMap too (argo-cd-values.yaml mounts it by name), and nothing else.
    assert.deepEqual(
      renderObjects(['--set', 'mode=values', ...args]).map((o) => `${o.obj.kind}/${o.obj.metadata.name}`),
      ['ConfigMap/strata-platform-policy'],
    );
  },

  'ageKeys: schema, Secret <fullname>-age-keys or existingSecret, read-only folder mount, env STRATA_AGE_KEYS_DIR; unset adds nothing'() {
    const validate = chartSchema();
    const ok = (ageKeys) => validate(JSON.parse(render(['--show-values', '-f', ageValues(ageKeys)])));
    assert.ok(validate(JSON.parse(render(['--show-values']))), JSON.stringify(validate.errors));
    assert.ok(ok(AGE_ON), JSON.stringify(validate.errors));
    assert.ok(ok({ existingSecret: 'my-age-keys', mountPath: '/etc/strata/keys' }), JSON.stringify(validate.errors));
    for (const bad of [
      { projects: { Team_A: 'k' } },
      { projects: { 'a/b': 'k' } },
      { mountPath: 'etc/keys' },
      { mountPath: '/etc/../x' },
      { enabled: 'yes' },
      { existingSecret: 'Bad_Name' },
      { mountpath: '/x' },
    ]) {
      assert.ok(!ok({ ...AGE_ON, ...bad }), `${JSON.stringify(bad)} should be refused`);
    }
    const args = ['-f', ageValues(AGE_ON), '--set', 'argocd.namespace=gitops'];
    const secret = find(renderObjects(args), 'Secret', '-age-keys');
    assert.equal(secret.metadata.name, 'strata-age-keys');
    assert.equal(secret.metadata.namespace, 'gitops', 'next to the repo-server pod that mounts it');
    assert.deepEqual(secret.stringData, {
      'team-a.txt': 'AGE-SECRET-KEY-1TEAMA',
      'team-b.txt': 'AGE-SECRET-KEY-1TEAMB',
    });
    const { patch } = patchDocs(args);
    const c = sidecarOf(patch);
    assert.deepEqual(featureEnv(c), [{ name: 'STRATA_AGE_KEYS_DIR', value: AGE_DIR }]);
    assert.deepEqual(featureMounts(c), [{ name: 'strata-age-keys', mountPath: AGE_DIR, readOnly: true }]);
    // 0444: kubelet writes Secret files as root (group fsGroup only when the pod sets one; the repo-server's sets
    // none), so 0400 would be unreadable for UID 999. Only the sidecar mounts it, and everything there is 999.
    assert.deepEqual(featureVolumes(volumesOf(patch)), [
      { name: 'strata-age-keys', secret: { secretName: 'strata-age-keys', defaultMode: 0o444 } },
    ]);
    // existingSecret: nothing created, that Secret mounted (enabled or not), a custom mountPath followed.
    for (const ageKeys of [
      { existingSecret: 'my-age-keys', mountPath: '/etc/strata/keys' },
      { enabled: true, existingSecret: 'my-age-keys', mountPath: '/etc/strata/keys' },
    ]) {
      const a = ['-f', ageValues(ageKeys)];
      assert.equal(renderObjects(a).filter((o) => o.obj.kind === 'Secret').length, 0);
      const p = patchDocs(a).patch;
      assert.deepEqual(featureEnv(sidecarOf(p)), [{ name: 'STRATA_AGE_KEYS_DIR', value: '/etc/strata/keys' }]);
      assert.deepEqual(featureVolumes(volumesOf(p)), [
        { name: 'strata-age-keys', secret: { secretName: 'my-age-keys', defaultMode: 0o444 } },
      ]);
    }
    // Enabled without a key and without a Secret: every project would be refused; the render says so.
    renderFails(['--set', 'ageKeys.enabled=true'], /ageKeys\.enabled.*ageKeys\.projects.*ageKeys\.existingSecret/);
    // A mount path inside another mount of the sidecar is refused.
    for (const mp of [PLATFORM_DIR, `${PLATFORM_DIR}/keys`, '/etc/strata', '/tmp/keys', '/var/run/argocd']) {
      renderFails(['-f', ageValues({ ...AGE_ON, mountPath: mp })], /ageKeys\.mountPath/);
    }
    // Unset (and disabled with projects left in): nothing.
    for (const a of [[], ['-f', ageValues({ enabled: false, projects: AGE_ON.projects })]]) {
      const p = patchDocs(a).patch;
      assert.deepEqual(featureEnv(sidecarOf(p)), []);
      assert.deepEqual(featureMounts(sidecarOf(p)), []);
      assert.deepEqual(featureVolumes(volumesOf(p)), []);
      assert.equal(renderObjects(a).filter((o) => o.obj.kind === 'Secret').length, 0);
    }
    assert.deepEqual(
      renderObjects(['--set', 'mode=values', '-f', ageValues(AGE_ON)]).map(
        (o) => `${o.obj.kind}/${o.obj.metadata.name}`,
      ),
      ['Secret/strata-age-keys'],
    );
  },

  'both set: no nested mounts; patch, idempotent re-patch and unpatch on the stock Deployment; unpatch always names both volumes'() {
    const stock = stockDeploymentFile();
    const args = ['-f', policyValues(), '-f', ageValues(AGE_ON)];
    const { patch, unpatch } = patchDocs(args);
    const patchedText = kubectlPatch(stock, patch);
    assert.doesNotMatch(patchedText, /\$(patch|setElementOrder|retainKeys)/);
    const patched = YAML.parse(patchedText);
    const s = byName(podSpec(patched).containers, 'strata');
    assert.deepEqual(nestedMounts(s.volumeMounts), [], 'a mount inside another');
    for (const m of s.volumeMounts) assert.ok(byName(podSpec(patched).volumes, m.name), `volume ${m.name} exists`);
    assert.deepEqual(
      featureEnv(s).map((e) => e.name),
      ['STRATA_PLATFORM_POLICY', 'STRATA_AGE_KEYS_DIR'],
    );
    const file = tmpFile('both.yaml', patchedText);
    assert.equal(kubectlPatch(file, patch), patchedText, 'patching twice changes nothing');
    assert.deepEqual(dropEmptyAnnotations(YAML.parse(kubectlPatch(file, unpatch))), normalised(stock));
    // The unpatch of a release rendered without the features (e.g. after an upgrade turned them off) still
    // removes their volumes, so nothing points at a ConfigMap or Secret Helm deleted.
    assert.deepEqual(dropEmptyAnnotations(YAML.parse(kubectlPatch(file, patchDocs().unpatch))), normalised(stock));
  },

  'argo-cd-values.yaml and the argocd-operator snippets: the [platformPolicy] and [ageKeys] blocks, uncommented, equal the patch'() {
    const both = patchDocs(['-f', policyValues(), '-f', ageValues(AGE_ON)]).patch;
    const want = {
      containers: JSON.parse(both).spec.template.spec.containers,
      volumes: featureVolumes(volumesOf(both)),
    };
    const onlyPolicy = patchDocs(['-f', policyValues()]).patch;
    const valuesFile = readFileSync(join(chartDir, 'argo-cd-values.yaml'), 'utf8');
    for (const [tags, p] of [
      [['platformPolicy', 'ageKeys'], both],
      [['platformPolicy'], onlyPolicy],
    ]) {
      const file = tmpFile('argo-cd-values.yaml', uncomment(valuesFile, tags));
      const containers = YAML.parse(render(['--tpl-values', file, '--key', 'repoServer.extraContainers'], ''));
      assert.deepEqual(
        featureEnv(containers[0]).map((e) => e.name),
        tags.map((t) => ({ platformPolicy: 'STRATA_PLATFORM_POLICY', ageKeys: 'STRATA_AGE_KEYS_DIR' })[t]),
        `argo-cd-values.yaml has the ${tags} blocks`,
      );
      assert.deepEqual(containers, JSON.parse(p).spec.template.spec.containers, `argo-cd-values.yaml with ${tags}`);
      assert.deepEqual(
        featureVolumes(YAML.parse(readFileSync(file, 'utf8')).repoServer.volumes),
        featureVolumes(volumesOf(p)),
        `argo-cd-values.yaml volumes with ${tags}`,
      );
    }
    const plain = YAML.parse(
      uncomment(readFileSync(join(chartDir, 'argocd-operator.yaml'), 'utf8'), ['platformPolicy', 'ageKeys']),
    );
    assert.deepEqual(plain.spec.repo.sidecarContainers, want.containers, 'argocd-operator.yaml');
    assert.deepEqual(featureVolumes(plain.spec.repo.volumes), want.volumes, 'argocd-operator.yaml volumes');
    const openshift = YAML.parse(
      uncomment(readFileSync(join(chartDir, 'argocd-operator-openshift.yaml'), 'utf8'), ['platformPolicy', 'ageKeys']),
    );
    delete plain.spec.repo.sidecarContainers[0].securityContext.runAsUser;
    assert.deepEqual(openshift, plain, 'argocd-operator-openshift.yaml: the same blocks');
    // Last: the CRD is an upstream file.
    const validate = crdValidator(operatorCrdFile(), 'v1beta1');
    assert.ok(validate(openshift), JSON.stringify(validate.errors?.slice(0, 5)));
  },

  'docs: install.md has "Platform policy" and "SOPS secrets"; every platform file path in the docs is the one the chart mounts'() {
    const install = readFileSync(join(repo, 'docs/install.md'), 'utf8');
    assert.ok(/^## Platform policy$/m.test(install), 'docs/install.md has a section "Platform policy"');
    assert.ok(/^## SOPS secrets$/m.test(install), 'docs/install.md has a section "SOPS secrets"');
    assert.ok(
      /STRATA_PLATFORM_POLICY=\$PWD\/platform-policy\.yaml ARGOCD_APP_PROJECT_NAME=team-a strata lint --all --env prod/.test(
        install,
      ),
      'docs/install.md shows the CI lint line',
    );
    for (const rel of ['docs/install.md', 'docs/policy.md', 'docs/secrets.md', 'helm/strata/README.md']) {
      const paths = readFileSync(join(repo, rel), 'utf8').match(/\/etc\/strata\/[\w./-]*platform-policy\.yaml/g) ?? [];
      for (const p of paths) assert.equal(p, PLATFORM_FILE, `${rel} names ${p}`);
    }
    const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
    for (const key of [
      'platformPolicy',
      'ageKeys.enabled',
      'ageKeys.existingSecret',
      'ageKeys.projects',
      'ageKeys.mountPath',
    ])
      assert.match(readme, new RegExp(`\\| \`${key.replace('.', '\\.')}\``), `helm/strata/README.md lists ${key}`);
  },

  'docs/install.md: the fallback clean-up patch for turning a feature off gives the Deployment without it'() {
    // The patch Job removes a feature's env, mount and volume by itself (src/kube/sidecar-prune.ts, tested through
    // the chart in test/e2e/sidecar-chart.test.ts); install.md keeps the manual removal for an upgrade whose Job
    // did not run (--no-hooks), and this check keeps that command right.
    const stock = stockDeploymentFile();
    const install = readFileSync(join(repo, 'docs/install.md'), 'utf8');
    const m = /<!-- strata-feature-off -->\s*```sh\n([\s\S]*?)```/.exec(install);
    assert.ok(m, 'docs/install.md has the clean-up command after <!-- strata-feature-off -->');
    const json = /-p '(\{.*\})'/.exec(m[1])?.[1];
    assert.ok(json, 'a kubectl patch -p JSON');
    const on = tmpFile(
      'on.yaml',
      kubectlPatch(stock, patchDocs(['-f', policyValues(), '-f', ageValues(AGE_ON)]).patch),
    );
    const cleaned = tmpFile('cleaned.yaml', kubectlPatch(on, json));
    // Then the upgrade's own patch (the features off) gives exactly a fresh install without them.
    assert.equal(kubectlPatch(cleaned, patchDocs().patch), kubectlPatch(stock, patchDocs().patch));
  },
});

// ---------- run ----------

let passed = 0;
let failed = 0;
let skipped = 0;
for (const [name, check] of Object.entries(checks)) {
  try {
    check();
    passed++;
    console.log(`ok     ${name}`);
  } catch (err) {
    if (err instanceof Skip) {
      skipped++;
      console.log(`skip   ${name}: ${err.message}`);
      continue;
    }
    failed++;
    console.log(
      `FAILED ${name}\n       ${String(err.stderr || err.message)
        .split('\n')
        .join('\n       ')}`,
    );
  }
}
rmSync(work, { recursive: true, force: true });
console.log(
  `chart test: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (upstream fixtures not found)` : ''}`,
);
process.exitCode = failed ? 1 : 0;
