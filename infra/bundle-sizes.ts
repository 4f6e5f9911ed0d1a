/**
 * The size of every Lambda's bundle, built with the esbuild options the CDK construct uses (bundling.ts), and each
 * Lambda's budget. `npm run bundle:sizes` prints them; test/infra/bundle-sizes.test.ts fails over budget.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functions } from '../functions/manifest.ts';
import { esbuildOptions, REPO_ROOT } from './constructs/bundling.ts';

/** The migration runner's name among bundleEntries() (it is no manifest Lambda). */
export const MIGRATION_RUNNER = '(migration runner)';

/**
 * What each Lambda's bundle may weigh, in KB (minified ESM, AWS SDK external, source map and legal comments in files of
 * their own): its size when set (December 2026) plus ~10%, so growth past it is a decision made here, with its reason,
 * not a drift. Every Lambda carries a base of ~84 KB before its own code: postgres.js 37 KB, the Powertools logger with
 * its commons and invoke store 23 KB, zod/mini with our English messages ~19 KB, our database client and env 5 KB.
 * A Lambda missing here fails test/infra/bundle-sizes.test.ts, as does one over its budget.
 */
export const BUNDLE_BUDGET_KB: Record<string, number> = {
  // The base and one INSERT (84.0 KB).
  'auth-triggers': 92,
  // HTTP Lambdas: the base, middy (core, http-router, http-cors, http-json-body-parser: 11 KB), our error map, auth and
  // validation (5 KB), then each route's request and response schemas (more of zod) and its domain code.
  'account-http': 130, // 117.5 KB: 5 routes; profile and settings schemas (strict objects, partials, refinements)
  'jobs-http': 126, // 114.6 KB: 6 routes, the SQS dispatcher for admins' runs
  // 131.5 KB: 5 routes (webhook, checkout, portal, plan, admins' list). The `stripe` SDK (241 KB minified: the maintained
  // client of Stripe's API, its pinned version and retries with idempotency keys) is imported on first use, a chunk read
  // only then (evaluating it took 140–190 ms here), and webhook signatures are checked without it.
  'billing-http': 145,
  'content-http': 127, // 115.3 KB: 3 routes; the list's filters and keyset cursor, the edit's schema (strict object, tags)
  'discovery-http': 162, // 147.4 KB: 12 routes; keyset cursors, search, sitemap and SEO pages (22 KB of domain code),
  // the click-hash secret's reader
  'oauth-http': 162, // 147.8 KB: 12 routes; five provider adapters with their answer schemas (24 KB), state and PKCE, the
  // token vault and the credentials' secret reader (the Secrets Manager client is external, imported on first use)
  'ai-http': 142, // 128.8 KB: 7 routes; the SEO rubric (suggestions show its reasons), quota jobs
  'sync-http': 122, // 110.6 KB: 5 routes; the account lookup, request_sync and the dispatcher
  'admin-http': 145, // 131.2 KB: 12 routes; the audit wrapper, roles, featuring, moderation, job queries, and the DLQ
  // inspect and redrive (the SQS client itself is external, imported on first use)
  'seo-http': 179, // 162.4 KB: 7 routes; the Google and Bing adapters (a connection is verified with the engine before it is
  // stored: jose's SignJWT for Google's token), the SEO vault (signed Secrets Manager calls, functions/_shared/aws-json.ts)
  'site-http': 133, // 121.7 KB: 2 HTML pages and the IndexNow key file; the catalog's page SQL and SEO metadata, the keyset cursor, the html
  // template and the two views (~12 KB of domain code)
  // Workers and scheduled Lambdas: the base (scheduled ones with middy's core, 3 KB) and their tasks' SQL.
  'jobs-worker-maintenance': 101, // 91.5 KB: claim, run, complete or fail, dead-letter
  'jobs-scheduled': 106, // 95.8 KB: seven tasks, the dispatcher and enqueueing
  'billing-scheduled': 112, // 101.3 KB: Stripe event retries (which retrieve subscriptions: the `stripe` SDK, a chunk
  // imported on first use) and due subscription changes
  'oauth-worker-tokens': 134, // 122.1 KB: the worker base, the five provider adapters and the token vault
  'sync-worker-sync': 165, // 150.1 KB: the worker base, five content sources and five OAuth adapters (a 401 refreshes
  // through them), the page writer, the token vault
  // 139.2 KB: the worker base, the executor, the structured-output loop. The offline engine's part-of-speech lexicon
  // (retext-pos: 1.7 MB) and the three providers' SDKs (openai 0.39, @anthropic-ai/sdk 0.44, @google/genai 0.41 +
  // google-auth-library 0.11 MB) are chunks imported on first use: 3,321 KB the function ships but a cold start never reads.
  'ai-worker-ai': 153,
  'seo-worker-seo': 149, // 134.9 KB: the worker base, the three engine adapters (jose for Google's JWT) and the SEO vault
  'seo-scheduled': 106, // 96.1 KB: the auto-submit drain and the dispatcher
  'ai-scheduled': 100, // 90.6 KB: the trending-keywords refresh
  'sync-scheduled': 108, // 97.7 KB: the due-account query, request_sync, enqueueing
  'oauth-scheduled': 105, // 95.9 KB: the expiring-token query, the dispatcher and enqueueing, the state purge
  'discovery-scheduled': 97, // 88.1 KB: three refreshes
  // The runner, the statement splitter with its refusals, the Data API adapter and the CloudFormation event handling
  // (create, update, no-op update, rollback, delete: 9.0 KB); the SQL files are assets beside it.
  [MIGRATION_RUNNER]: 10,
};
export const budgetOf = (name: string): number | undefined => BUNDLE_BUDGET_KB[name];

export interface BundleSize {
  /** The manifest Lambdas built from this entry. */
  functions: string[];
  entry: string;
  /** The file a cold start imports: `.bundle-sizes/<first function>/index.mjs`, inside the repository. */
  file: string;
  /** What a cold start loads: index.mjs and the chunks it imports statically (what the budget bounds). */
  bytes: number;
  mapBytes: number;
  /** The chunks only `import()` reaches, read when first used. */
  lazyBytes: number;
  /** Bytes a cold start loads per package (node_modules) or repository folder, largest first. */
  inputs: [string, number][];
}

/** Every manifest Lambda, and the migration runner the data stack deploys. */
export function bundleEntries(): { name: string; entry: string }[] {
  return [
    ...functions.map((f) => ({ name: f.name, entry: f.entry })),
    { name: MIGRATION_RUNNER, entry: 'infra/migrations/handler.ts' },
  ];
}

/** Bundles are written here (gitignored) when asked: inside the repository, so their externals resolve from node_modules. */
export const BUNDLE_DIR = join(REPO_ROOT, '.bundle-sizes');

/**
 * Bundles each distinct entry file once, in memory, and measures it; with `write`, also writes the bundle (its entry,
 * chunks and maps) under its folder, to be run (the cold-init measurement imports its `file`).
 */
export async function measureBundles(entries = bundleEntries(), options: { write?: boolean } = {}): Promise<BundleSize[]> {
  const byEntry = new Map<string, string[]>();
  for (const { name, entry } of entries) byEntry.set(entry, [...byEntry.get(entry) ?? [], name]);
  return Promise.all([...byEntry].map(async ([entry, names]) => {
    const outdir = join(BUNDLE_DIR, names[0]!.replace(/[^a-z0-9-]+/gi, '-').replace(/^-|-$/g, ''));
    const result = await build({ ...esbuildOptions(join(REPO_ROOT, entry), outdir), absWorkingDir: REPO_ROOT, write: false, metafile: true });
    if (options.write) {
      await rm(outdir, { recursive: true, force: true });
      await Promise.all(result.outputFiles.map(async (f) => {
        await mkdir(dirname(f.path), { recursive: true });
        await writeFile(f.path, f.contents);
      }));
    }
    const outputs = result.metafile.outputs;
    // index.mjs (chunks reached by import() are entry points of esbuild's too).
    const entryOutput = Object.keys(outputs).find((path) => join(REPO_ROOT, path) === join(outdir, 'index.mjs'))!;
    const loaded = new Set<string>();
    const load = (path: string) => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const i of outputs[path]!.imports) if (i.kind === 'import-statement' && !i.external) load(i.path);
    };
    load(entryOutput);
    const sum = (paths: string[]) => paths.reduce((total, path) => total + (outputs[path]?.bytes ?? 0), 0);
    const code = Object.keys(outputs).filter((path) => path.endsWith('.mjs'));
    return {
      functions: names, entry, file: join(REPO_ROOT, entryOutput), bytes: sum([...loaded]), mapBytes: sum([...loaded].map((path) => `${path}.map`)),
      lazyBytes: sum(code.filter((path) => !loaded.has(path))), inputs: byOrigin([...loaded].map((path) => outputs[path]!)),
    };
  }));
}

/** Output files' bytes grouped by npm package (`zod`, `@middy/core`) or by the repository folder they come from. */
function byOrigin(files: Metafile['outputs'][string][]): [string, number][] {
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of files.flatMap((file) => Object.entries(file.inputs))) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const origin = pkg ?? path.split('/').slice(0, -1).join('/');
    totals.set(origin, (totals.get(origin) ?? 0) + bytesInOutput);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

