/**
 * `npm run bundle:sizes`: bundles every manifest entry (and the migration runner) with the esbuild options the CDK
 * construct uses (infra/constructs/bundling.ts: minified, ESM, node24, AWS SDK external) and prints each bundle's size
 * against its budget (infra/bundle-sizes.ts), then each Lambda's cold init (scripts/cold-init/: a fresh Node process
 * imports the bundle and serves one request against a throwaway PostgreSQL) beside a minimal middy + postgres.js
 * handler's, measured the same way in the same run, as a ratio of it; ratios over COLD_INIT_GOAL are flagged.
 *
 * `--sizes-only`: sizes alone (no database). `--runs N`: cold starts per Lambda (default 5; median and fastest shown).
 * `--max-kb N`: a smaller limit than the budgets. `--why NAME`: what a function's bundle is made of.
 * `--only A,B`: cold-start only these Lambdas (sizes are still checked for all).
 * Exits 1 when a bundle is over its limit or has no budget, or a cold start failed or did not reach its query.
 */
import { bundleEntries, budgetOf, measureBundles } from '../infra/bundle-sizes.ts';
import { measureColdInits, type ColdInit } from './cold-init/measure.ts';

/** The goal: a feature Lambda's cold init at most this many times the minimal handler's. */
const COLD_INIT_GOAL = 1.5;
const BASELINE = { name: 'baseline', entry: 'scripts/cold-init/baseline.ts' };

const option = (flag: string) => {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
};
const maxKb = option('--max-kb') === undefined ? undefined : Number(option('--max-kb'));
const why = option('--why');
const runs = Number(option('--runs') ?? 5);
const sizesOnly = process.argv.includes('--sizes-only') || why !== undefined;
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number of cold starts per Lambda');

const entries = bundleEntries();
const bundles = await measureBundles(sizesOnly ? entries : [...entries, BASELINE], { write: !sizesOnly });
const bundleOf = (name: string) => bundles.find((b) => b.functions.includes(name))!;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

if (why) {
  const bundle = bundles.find((b) => b.functions.includes(why));
  if (!bundle) throw new Error(`no function named ${why} in the manifest`);
  console.log(`${why} (${bundle.entry}): ${kb(bundle.bytes)} KB at cold start, ${kb(bundle.lazyBytes)} KB in chunks read on first use`);
  for (const [origin, bytes] of bundle.inputs) if (bytes >= 50) console.log(`${kb(bytes).padStart(7)}  ${origin}`);
  process.exit(0);
}

// The migration runner is a deploy-time custom resource on the RDS Data API: sized, not cold-started.
const only = option('--only')?.split(',');
const lambdas = entries.filter((e) => e.entry !== 'infra/migrations/handler.ts' && (!only || only.includes(e.name))).map(({ name }) => ({ name, file: bundleOf(name).file }));
let coldInits: ColdInit[] = [];
if (!sizesOnly) {
  process.stderr.write(`cold starts: a warm-up round, then ${runs} rounds of ${lambdas.length} Lambdas, each beside the baseline…\n`);
  coldInits = await measureColdInits({ name: BASELINE.name, file: bundleOf(BASELINE.name).file }, lambdas, runs);
}
const baselineMs = coldInits.find((c) => c.name === BASELINE.name)?.medianMs;

const width = Math.max(...[BASELINE, ...entries].map((e) => e.name.length));
const columns = ['bundle KB', 'lazy KB', 'map KB', 'budget', ...(sizesOnly ? [] : ['import ms', '1st req ms', 'init ms', 'min ms', 'ratio'])];
console.log(`${'function'.padEnd(width)}  ${columns.map((c) => c.padStart(10)).join('  ')}  entry`);
let failures = 0;
for (const { name, entry } of [...(sizesOnly ? [] : [BASELINE]), ...entries]) {
  const { bytes, lazyBytes, mapBytes } = bundleOf(name);
  const budgetKb = name === BASELINE.name ? undefined : budgetOf(name);
  const limitKb = Math.min(budgetKb ?? Infinity, maxKb ?? Infinity);
  const cold = coldInits.find((c) => c.name === name);
  const ratio = cold && baselineMs ? cold.medianMs / baselineMs : undefined;
  const flags = [
    ...(name !== BASELINE.name && budgetKb === undefined ? ['NO BUDGET'] : []),
    ...(bytes > limitKb * 1024 ? ['OVER'] : []),
    ...(ratio !== undefined && name !== BASELINE.name && ratio > COLD_INIT_GOAL ? [`SLOW (over ${COLD_INIT_GOAL}×)`] : []),
    ...(cold?.unexpected.length ? [`UNEXPECTED ${[...new Set(cold.unexpected)].join(' | ')}`] : []),
  ];
  if (flags.some((f) => !f.startsWith('SLOW'))) failures += 1;
  const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
  const cells = [kb(bytes), lazyBytes ? kb(lazyBytes) : '—', kb(mapBytes), limitKb === Infinity ? '—' : String(limitKb), ...(sizesOnly ? [] : [ms(cold?.importMedianMs),
    ms(cold?.firstMedianMs), ms(cold?.medianMs), ms(cold?.minMs), ratio === undefined ? '—' : `${ratio.toFixed(2)}×`])];
  console.log(`${name.padEnd(width)}  ${cells.map((c) => c.padStart(10)).join('  ')}  ${entry}${flags.length ? `  ${flags.join(', ')}` : ''}`);
}
if (!sizesOnly) console.log(`init = import + first request, median of ${runs} cold starts; ratio = init median / baseline's (goal ≤ ${COLD_INIT_GOAL}×)`);
if (failures > 0) {
  console.error(`${failures} function(s) over budget, without one, or whose cold start did not reach its query`);
  process.exitCode = 1;
}
