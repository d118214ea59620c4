import { MemoryFs } from '../../src/core/fs.js';
import type { Limits } from '../../src/core/limits.js';
import { DEFAULT_RENDER_LIMITS } from '../../src/core/limits.js';
import { render, type RenderResult } from '../../src/core/render.js';

// An app in memory for the template tests: files under app/, rendered for `dev`.

export function appFs(files: Record<string, string>, values = 'name: web\n'): MemoryFs {
  const tree: Record<string, string> = {
    'app/strata.yaml': 'apiVersion: strata.dev/v1\nkind: App\nspec:\n  environments: [dev]\n  namespace: ns\n',
    'app/values.yaml': values,
  };
  for (const [p, c] of Object.entries(files)) tree[p.includes('/') ? `app/${p}` : `app/templates/${p}`] = c;
  return new MemoryFs(tree);
}

export function renderApp(
  files: Record<string, string>,
  values?: string,
  opts: { limits?: Partial<Limits>; now?: () => number; onBadOutput?: (t: string, x: string) => void } = {},
): RenderResult {
  return render({
    fs: appFs(files, values),
    appDir: 'app',
    env: 'dev',
    limits: { ...DEFAULT_RENDER_LIMITS, ...opts.limits },
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.onBadOutput ? { onBadOutput: opts.onBadOutput } : {}),
  });
}

/** A ConfigMap template whose data is `body` (already indented by two spaces). */
export function cm(body: string, name = 'cm'): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${body}`;
}

export function dataOf(r: RenderResult, i = 0): Record<string, unknown> {
  return r.objects[i].object.data as Record<string, unknown>;
}
