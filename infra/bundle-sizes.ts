/**
 * The size of every Lambda's bundle, built with the esbuild options the CDK construct uses (bundling.ts), and the
 * budget they are held to. `npm run bundle:sizes` prints them; test/infra/bundle-sizes.test.ts fails over budget.
 */
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { functions, type Trigger } from '../functions/manifest.ts';
import { esbuildOptions, REPO_ROOT } from './constructs/bundling.ts';

/**
 * What a Lambda's code may weigh (AWS SDK external, minified, source map and legal comments in their own files), by
 * kind. Every Lambda carries ~84 KB before its own code (auth-triggers, which has one SQL statement, is 84 KB):
 * postgres.js 37 KB, the Powertools logger 17 KB, zod/mini with our English messages and the database env schema
 * ~20 KB, middy's core, our database client and logger. A feature's HTTP Lambda adds all its routes' request and
 * response schemas and domain code (discovery, 12 routes: 129.5 KB); workers and scheduled Lambdas stay near the base.
 */
export const BUNDLE_BUDGET_KB: Record<Trigger['kind'] | 'migrations', number> = { http: 140, queue: 100, schedule: 100, cognito: 100, migrations: 100 };
export const budgetOf = (name: string) => BUNDLE_BUDGET_KB[functions.find((f) => f.name === name)?.trigger.kind ?? 'migrations'];

export interface BundleSize {
  /** The manifest Lambdas built from this entry. */
  functions: string[];
  entry: string;
  bytes: number;
  mapBytes: number;
  /** Bytes of the bundle per package (node_modules) or repository folder, largest first. */
  inputs: [string, number][];
}

/** Every manifest Lambda, and the migration runner the data stack deploys. */
export function bundleEntries(): { name: string; entry: string }[] {
  return [
    ...functions.map((f) => ({ name: f.name, entry: f.entry })),
    { name: '(migration runner)', entry: 'infra/migrations/handler.ts' },
  ];
}

/** Bundles each distinct entry file once, in memory, and measures it. */
export async function measureBundles(entries = bundleEntries()): Promise<BundleSize[]> {
  const byEntry = new Map<string, string[]>();
  for (const { name, entry } of entries) byEntry.set(entry, [...byEntry.get(entry) ?? [], name]);
  return Promise.all([...byEntry].map(async ([entry, names]) => {
    const outfile = join(REPO_ROOT, '.bundle-sizes', 'index.mjs');
    const result = await build({ ...esbuildOptions(join(REPO_ROOT, entry), outfile), absWorkingDir: REPO_ROOT, write: false, metafile: true });
    const size = (suffix: string) => result.outputFiles.find((f) => f.path === `${outfile}${suffix}`)?.contents.byteLength ?? 0;
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
    return { functions: names, entry, bytes: size(''), mapBytes: size('.map'), inputs: byOrigin(output) };
  }));
}

/** A bundle's bytes grouped by npm package (`zod`, `@middy/core`) or by the repository folder they come from. */
function byOrigin(output: Metafile['outputs'][string]): [string, number][] {
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
    const origin = pkg ?? path.split('/').slice(0, -1).join('/');
    totals.set(origin, (totals.get(origin) ?? 0) + bytesInOutput);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

