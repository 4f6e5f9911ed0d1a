/**
 * `npm run bundle:sizes`: bundles every manifest entry (and the migration runner) with the esbuild options the CDK
 * construct uses (infra/constructs/bundling.ts: minified, ESM, node24, AWS SDK external) and prints each bundle's
 * size against its budget (infra/bundle-sizes.ts, by kind of Lambda). Exits 1 when one exceeds it, or exceeds `--max-kb N` when
 * given (a smaller limit). `--why NAME` lists what a function's bundle is made of.
 */
import { budgetOf, bundleEntries, measureBundles } from '../infra/bundle-sizes.ts';

const option = (flag: string) => {
  const at = process.argv.indexOf(flag);
  return at === -1 ? undefined : process.argv[at + 1];
};
const maxKb = option('--max-kb') === undefined ? undefined : Number(option('--max-kb'));
const why = option('--why');

const entries = bundleEntries();
const bundles = await measureBundles(entries);
const bundleOf = (name: string) => bundles.find((b) => b.functions.includes(name))!;
const kb = (bytes: number) => (bytes / 1024).toFixed(1);

if (why) {
  const bundle = bundles.find((b) => b.functions.includes(why));
  if (!bundle) throw new Error(`no function named ${why} in the manifest`);
  console.log(`${why} (${bundle.entry}): ${kb(bundle.bytes)} KB`);
  for (const [origin, bytes] of bundle.inputs) if (bytes >= 50) console.log(`${kb(bytes).padStart(7)}  ${origin}`);
} else {
  const width = Math.max(...entries.map((e) => e.name.length));
  console.log(`${'function'.padEnd(width)}  ${'bundle KB'.padStart(9)}  ${'map KB'.padStart(7)}  ${'limit'.padStart(5)}  entry`);
  let over = 0;
  for (const { name, entry } of entries) {
    const { bytes, mapBytes } = bundleOf(name);
    const limitKb = Math.min(budgetOf(name), maxKb ?? Infinity);
    const tooBig = bytes > limitKb * 1024;
    if (tooBig) over += 1;
    console.log(`${name.padEnd(width)}  ${kb(bytes).padStart(9)}  ${kb(mapBytes).padStart(7)}  ${String(limitKb).padStart(5)}  ${entry}${tooBig ? '  OVER' : ''}`);
  }
  if (over > 0) {
    console.error(`${over} bundle(s) over the limit`);
    process.exitCode = 1;
  }
}
