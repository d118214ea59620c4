#!/usr/bin/env node
// Sets the one version of strata everywhere it is written (RELEASING.md): package.json (the source),
// package-lock.json, helm/strata/Chart.yaml version and appVersion, the image tag in
// helm/strata/argo-cd-values.yaml and helm/strata/argocd-operator.yaml, the install commands in README.md and
// docs/install.md, and a new CHANGELOG.md section from the Unreleased entries.
// Usage: node scripts/set-version.mjs X.Y.Z [--date YYYY-MM-DD]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./versions.mjs', import.meta.url));
const r = spawnSync(process.execPath, [script, 'set', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
