/**
 * `npm run bundle:sizes`: bundles every manifest entry (and the migration runner) with the esbuild options the CDK
 * construct uses (infra/constructs/bundling.ts: minified, ESM, node22, AWS SDK external) and prints each bundle's
 * size. Exits 1 when one exceeds the budget given as `--max-kb N` (none by default: report only).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { functions } from '../functions/manifest.ts';
import { esbuildOptions, REPO_ROOT } from '../infra/constructs/bundling.ts';

const maxKbArg = process.argv.indexOf('--max-kb');
const maxKb = maxKbArg === -1 ? undefined : Number(process.argv[maxKbArg + 1]);
const entries = [
  ...functions.map((f) => ({ name: f.name, entry: f.entry })),
  { name: '(migration runner)', entry: 'infra/migrations/handler.ts' },
];

const outdir = await mkdtemp(join(tmpdir(), 'sv-bundles-'));
const kb = (bytes: number) => (bytes / 1024).toFixed(1).padStart(7);
try {
  // One build per distinct entry file (several schedules share functions/jobs/scheduled.ts).
  const sizes = new Map<string, { code: number; map: number }>();
  for (const entry of new Set(entries.map((e) => e.entry))) {
    const outfile = join(outdir, `${sizes.size}`, 'index.mjs');
    await build({ ...esbuildOptions(join(REPO_ROOT, entry), outfile), absWorkingDir: REPO_ROOT });
    sizes.set(entry, { code: (await stat(outfile)).size, map: (await stat(`${outfile}.map`)).size });
  }
  const width = Math.max(...entries.map((e) => e.name.length));
  console.log(`${'function'.padEnd(width)}  ${'bundle KB'.padStart(9)}  ${'map KB'.padStart(7)}  entry`);
  let over = 0;
  for (const { name, entry } of entries) {
    const { code, map } = sizes.get(entry)!;
    const tooBig = maxKb !== undefined && code > maxKb * 1024;
    if (tooBig) over += 1;
    console.log(`${name.padEnd(width)}  ${kb(code).padStart(9)}  ${kb(map)}  ${entry}${tooBig ? `  > ${maxKb} KB` : ''}`);
  }
  if (over > 0) {
    console.error(`${over} bundle(s) over ${maxKb} KB`);
    process.exitCode = 1;
  }
} finally {
  await rm(outdir, { recursive: true, force: true });
}
