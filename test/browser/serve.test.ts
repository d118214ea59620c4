// Browser test of the `strata serve` page: Debian's chromium driven by playwright-core (never a downloaded
// browser), headless, with no network beyond the loopback server. Not part of `npm test`; run by .ci/run:
//   test/browser/run.sh        (or: node --import tsx --test test/browser/serve.test.ts)
// Writes docs/screenshot.png (set STRATA_SCREENSHOT to write elsewhere).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { startServer, type RunningServer } from '../../src/server/server.js';

const repo = resolve(__dirname, '../..');
const CHROMIUM = process.env.STRATA_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.STRATA_SCREENSHOT ?? join(repo, 'docs/screenshot.png');

let server: RunningServer;
let context: BrowserContext;
let page: Page;
let profile: string;
const offsite: string[] = [];
const pageErrors: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  server = await startServer({ root: join(repo, 'examples/plate'), port: 0 });
  profile = mkdtempSync(join(tmpdir(), 'strata-chromium-'));
  // A fresh profile per run (playwright passes it as --user-data-dir).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 820 },
    colorScheme: 'light',
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // The page must work air-gapped: anything not on our server is recorded and refused.
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url) || url.startsWith('data:')) return route.continue();
    offsite.push(url);
    return route.abort();
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('pick plate-api and prod: manifests, provenance tooltip, stg-vs-prod diff, screenshot', async () => {
  await page.goto(server.url);
  await page.getByTestId('app-select').selectOption('plate-api');
  await page.getByTestId('env-select').selectOption('prod');
  await page.waitForSelector('body[data-loaded="plate-api/prod"]');

  // Manifests, folded per object: the Deployment is there and opens to its YAML.
  const deployment = page.locator('[data-testid=object][data-kind=Deployment]');
  await assert.doesNotReject(deployment.waitFor());
  await deployment.locator('summary').click();
  assert.match(await deployment.locator('pre').innerText(), /replicas: 3/);

  // Values: hovering a value shows who set it (values-prod.yaml:line) and what it overrode.
  await page.getByTestId('tab-values').click();
  const replicas = page.locator('[data-testid=value][data-path=".replicaCount"]');
  await replicas.hover();
  const tip = page.getByTestId('provenance');
  await tip.waitFor({ state: 'visible' });
  const tipText = await tip.innerText();
  assert.match(tipText, /values-prod\.yaml:\d+/);
  assert.match(tipText, /overrode/);
  // Keyboard: focusing a value shows it too; clicking pins it in the side panel.
  await page.locator('[data-testid=value][data-path=".image.tag"]').focus();
  assert.match(await tip.innerText(), /\.image\.tag[\s\S]*values-prod\.yaml:\d+/);
  await page.locator('[data-testid=value][data-path=".image.tag"]').click();
  assert.match(await page.getByTestId('provenance-detail').innerText(), /values-prod\.yaml:\d+/);

  // Findings load (count may be zero).
  await page.getByTestId('tab-findings').click();
  await page.getByTestId('findings').locator('li, p').first().waitFor();

  // Diff between stg and prod (arrow keys move between tabs).
  await page.getByTestId('tab-findings').press('ArrowRight');
  assert.equal(await page.getByTestId('tab-diff').getAttribute('aria-selected'), 'true');
  await page.getByTestId('against-select').selectOption('stg');
  await page.waitForFunction(() => /replicas/.test(document.getElementById('diff')?.textContent ?? ''));
  assert.match(await page.getByTestId('diff-title').innerText(), /stg → prod/);
  assert.match(await page.getByTestId('diff').innerText(), /replicas/);

  // The README screenshot: the values view with a provenance tooltip open.
  await page.getByTestId('tab-values').click();
  await page.locator('[data-testid=value][data-path=".image.tag"]').click();
  await page.locator('[data-testid=value][data-path=".replicaCount"]').hover();
  await page.screenshot({ path: SCREENSHOT });

  assert.deepEqual(offsite, [], 'the page reached for the network');
  assert.deepEqual(pageErrors, [], 'the page threw');
  assert.equal(await page.getByTestId('error').isVisible(), false);
});
