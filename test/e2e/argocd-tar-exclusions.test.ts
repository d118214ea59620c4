// The reposerver.plugin.tar.exclusions example in docs/argocd.md, checked with Go's own filepath.Match, the
// way the repo-server applies it: every path relative to the tarball root is matched against each pattern, and
// a matching directory is skipped whole (argo-cd util/io/files/tar.go, tgz.tgzFile). Skips, saying so, when
// `go` is not installed (CI has it: .ci/run installs golang-go).
// Run: node --import tsx --test test/e2e/argocd-tar-exclusions.test.ts
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../argocd/harness.js';

function haveGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// A walk like tar.go's over a list of paths (directories end with "/"): a path is left out when it, or a
// directory above it, matches a pattern. Reads {"patterns": [...], "paths": [...]}, prints the kept paths.
const GO_PROGRAM = `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	var in struct{ Patterns, Paths []string }
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	excluded := func(rel string) bool {
		for _, p := range in.Patterns {
			ok, err := filepath.Match(p, rel)
			if err != nil {
				panic(err)
			}
			if ok {
				return true
			}
		}
		return false
	}
	kept := []string{}
	for _, path := range in.Paths {
		rel := strings.TrimSuffix(path, "/")
		parts := strings.Split(rel, "/")
		out := false
		for i := 1; i <= len(parts) && !out; i++ {
			out = excluded(strings.Join(parts[:i], "/"))
		}
		if !out {
			kept = append(kept, path)
		}
	}
	b, _ := json.Marshal(kept)
	fmt.Println(string(b))
}
`;

const PATHS = [
  '.git/HEAD',
  '.git/objects/ab/cdef0123',
  'docs/argocd.md',
  'node_modules/x/index.js',
  'web/node_modules/x/index.js',
  'apps/web/node_modules/x/index.js',
  'examples/plate/apps/node_modules/x.js',
  'examples/plate/helm/applications/plate-api/strata.yaml',
  'examples/plate/helm/templates/service/deployment.yaml.hbs',
  'examples/plate/docs/notes.md',
  'plugin.yaml',
];

function keptByGo(patterns: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'strata-gomatch-'));
  writeFileSync(join(dir, 'main.go'), GO_PROGRAM);
  mkdirSync(join(REPO, 'test', '.out'), { recursive: true });
  const r = spawnSync('go', ['run', 'main.go'], {
    cwd: dir,
    input: JSON.stringify({ patterns, paths: PATHS }),
    encoding: 'utf8',
    env: { ...process.env, GO111MODULE: 'off', GOCACHE: process.env.GOCACHE ?? join(REPO, 'test', '.out', 'go-cache') },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

/** The patterns of the `reposerver.plugin.tar.exclusions:` line in docs/argocd.md. */
function documentedPatterns(): string[] {
  const doc = readFileSync(join(REPO, 'docs', 'argocd.md'), 'utf8');
  const m = /^\s*reposerver\.plugin\.tar\.exclusions: "([^"]*)"\s*$/m.exec(doc);
  assert.ok(m, 'docs/argocd.md shows a reposerver.plugin.tar.exclusions example');
  return m[1].split(';');
}

test(
  'the documented exclusions drop .git, docs and node_modules at every listed depth, and keep the app',
  { skip: !haveGo() && 'go is not installed (CI installs golang-go)' },
  () => {
    assert.deepEqual(keptByGo(documentedPatterns()), [
      'examples/plate/helm/applications/plate-api/strata.yaml',
      'examples/plate/helm/templates/service/deployment.yaml.hbs',
      'examples/plate/docs/notes.md',
      'plugin.yaml',
    ]);
  },
);

test(
  'the patterns the docs warn about really do not work in Go',
  { skip: !haveGo() && 'go is not installed (CI installs golang-go)' },
  () => {
    assert.deepEqual(keptByGo(['+(.git|node_modules|docs)/**']), PATHS, 'an extglob matches nothing');
    assert.deepEqual(
      keptByGo(['**/node_modules']),
      PATHS.filter((p) => !p.startsWith('web/node_modules/')),
      '** is one * : one level only',
    );
    // `.git/**` does work, only because `.git/objects` (a directory) matches and is skipped whole.
    assert.deepEqual(
      keptByGo(['.git/**']),
      PATHS.filter((p) => !p.startsWith('.git/')),
    );
  },
);
