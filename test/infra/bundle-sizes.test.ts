import { beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { functions } from '../../functions/manifest.ts';
import { esbuildOptions, nodejsBundling, REPO_ROOT } from '../../infra/constructs/bundling.ts';
import { BUNDLE_BUDGET_KB, MIGRATION_RUNNER, budgetOf, bundleEntries, measureBundles, type BundleSize } from '../../infra/bundle-sizes.ts';

const run = promisify(execFile);

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const everyBundle = [...functions.map((f) => f.name), MIGRATION_RUNNER];

let bundles: BundleSize[];
beforeAll(async () => { bundles = await measureBundles(); });

describe('Lambda bundles, built as the CDK app builds them (minified, ESM, AWS SDK external)', () => {
  it('keep every Lambda within its own budget', () => {
    const over = bundles.flatMap((b) => b.functions.filter((name) => b.bytes > (budgetOf(name) ?? Infinity) * 1024).map((name) =>
      `${name}: ${kb(b.bytes)} > ${budgetOf(name)} KB; largest parts ${b.inputs.slice(0, 4).map(([origin, bytes]) => `${origin} ${kb(bytes)}`).join(', ')}`));

    expect(over).toEqual([]);
  });

  it('give every Lambda and the migration runner a budget, and no budget to a Lambda that does not exist', () => {
    expect(everyBundle.filter((name) => budgetOf(name) === undefined)).toEqual([]);
    expect(Object.keys(BUNDLE_BUDGET_KB).filter((name) => !everyBundle.includes(name))).toEqual([]);
  });

  it('bundle each manifest Lambda and the migration runner', () => {
    expect(bundles.flatMap((b) => b.functions).sort()).toEqual([...everyBundle].sort());
    expect(bundles.every((b) => b.bytes > 0 && b.mapBytes > 0)).toBe(true);
  });

  it('ship source maps of mappings only: Node parses the whole map at every cold start (--enable-source-maps), and sources made it 4× bigger', async () => {
    expect(nodejsBundling().esbuildArgs).toMatchObject({ '--sources-content': 'false' });
    const outdir = join(REPO_ROOT, '.bundle-sizes', 'sources-content-check');
    const result = await build({ ...esbuildOptions(join(REPO_ROOT, 'infra/migrations/handler.ts'), outdir), absWorkingDir: REPO_ROOT, write: false });
    const map = JSON.parse(result.outputFiles.find((f) => f.path === join(outdir, 'index.mjs.map'))!.text) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources.length).toBeGreaterThan(0);
    expect(map.sourcesContent).toBeUndefined();
  });

  it('load at cold start only what the entry imports statically: what code reaches with import() is a chunk read on first use', () => {
    const ai = bundles.find((b) => b.functions.includes('ai-worker-ai'))!;
    // The provider SDKs and the offline engine's lexicon are chunks (functions/ai/config.ts, executor.ts).
    expect(ai.lazyBytes).toBeGreaterThan(2_000 * 1024);
    expect(ai.inputs.map(([origin]) => origin).filter((origin) => ['openai', '@anthropic-ai/sdk', '@google/genai', 'pos'].includes(origin))).toEqual([]);
  });

  it('ship every chunk an import() names, and each loads in Node from where the bundle is written (as the Lambda loads it)', async () => {
    const lazy = bundleEntries().filter((e) => ['ai-worker-ai', 'billing-http'].includes(e.name));
    const written = await measureBundles(lazy, { write: true });
    for (const { file, functions: names } of written) {
      const dir = dirname(file);
      const code = await readFile(file, 'utf8');
      const targets = [...new Set([...code.matchAll(/import\("\.\/(chunks\/[^"]+\.mjs)"\)/g)].map((m) => m[1]!))];
      expect(targets.length, names[0]).toBeGreaterThan(0);
      const files = await readdir(join(dir, 'chunks'));
      expect(targets.filter((t) => !files.includes(t.slice('chunks/'.length))), names[0]).toEqual([]);
      // A fresh Node process imports each import() target, as the runtime does on first use: its own imports must resolve.
      const urls = targets.map((t) => pathToFileURL(join(dir, t)).href);
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e',
        `for (const url of ${JSON.stringify(urls)}) await import(url); console.log('loaded', ${urls.length});`], { cwd: dir });
      expect(stdout.trim(), names[0]).toBe(`loaded ${urls.length}`);
    }
  }, 60_000);
});
