/**
 * `npm run seed:demo`: demo creators and content (~200 creators, ~10k items by default) for the local stack.
 *
 * Target: DATABASE_URL when set, which must be the APP-ROLE URL (`streamvibe_app`, the "app" line `npm start`
 * prints): rows are written as service_role, which the owner cannot become. Otherwise the local embedded database
 * in .local/postgres is started (and migrated) for the run, then stopped; while `npm start` runs it holds that
 * port, so pass its app URL instead.
 *
 * Safe to run twice: when demo data exists it only prints it, unless `--more`, which adds another batch of
 * creators (fresh slugs, ordinals after the existing ones) and their content.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { APP_ROLE, OWNER_ROLE } from '../db/roles.ts';
import { quiet } from '../db/bootstrap.ts';
import { LOCAL_PG_PORT, startLocalDatabase } from './database.ts';
import { assertPortFree } from './embedded-postgres.ts';
import { formatProgress, generateDemoData, nextDemoOrdinals, sampleDemoSlugs } from './demo-data.ts';

const USAGE = `usage: npm run seed:demo [-- --creators 200 --items 10000 --seed 42 --more]
  DATABASE_URL  app-role URL (streamvibe_app) of the database to fill; unset: the local embedded database`;

async function connect(): Promise<{ appUrl: string; ownerUrl?: string; where: string; stop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const user = decodeURIComponent(new URL(url).username);
    if (user === OWNER_ROLE) {
      throw new Error(`DATABASE_URL is the owner (${OWNER_ROLE}); demo data is written as service_role, so use the app-role ` +
        `URL (${APP_ROLE}), the "app" line npm start prints`);
    }
    return { appUrl: url, where: `DATABASE_URL (${new URL(url).host})`, stop: async () => {} };
  }
  await assertPortFree(LOCAL_PG_PORT, 'npm start is running: run `DATABASE_URL=<the "app" URL it printed> npm run seed:demo` instead.');
  const db = await startLocalDatabase();
  return { appUrl: db.appUrl, ownerUrl: db.ownerUrl, where: `local database on :${LOCAL_PG_PORT} (.local/postgres)`, stop: db.stop };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      creators: { type: 'string', default: '200' },
      items: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '42' },
      more: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const [creators, items, seed] = [values.creators, values.items, values.seed].map(Number) as [number, number, number];
  if (![creators, items, seed].every((n) => Number.isInteger(n) && n >= 0) || creators < 1) throw new Error(`invalid numbers\n${USAGE}`);

  const target = await connect();
  const app = postgres(target.appUrl, { max: 2, ...quiet });
  try {
    const existing = await nextDemoOrdinals(app);
    console.log(`seed:demo → ${target.where}`);
    if (existing.creators > 0 && !values.more) {
      console.log(`demo data already there (${existing.creators} creators, ${existing.items} items): nothing added. ` +
        '`npm run seed:demo -- --more` adds another batch.');
    } else {
      const isTty = process.stdout.isTTY;
      const summary = await generateDemoData(app, {
        creators, items, seed, creatorStart: existing.creatorStart, itemStart: existing.itemStart,
        onProgress: (p) => (isTty ? process.stdout.write(`\r${formatProgress(p)}   `) : console.log(formatProgress(p))),
      });
      if (isTty) process.stdout.write('\n');
      console.log(`added ${summary.creators} creators, ${summary.accounts} social accounts, ${summary.items} items ` +
        `(${summary.tags} tags, ${summary.media} media) in ${summary.seconds.toFixed(1)} s ` +
        `(${Math.round(summary.itemsPerSecond)} items/s); refreshed: ${summary.refreshed.join(', ')}`);
      if (target.ownerUrl) {
        const owner = postgres(target.ownerUrl, { max: 1, ...quiet });
        await owner`ANALYZE`.finally(() => owner.end());
      } else {
        console.log('(not analysed: only the owner may ANALYZE; autovacuum will, or run ANALYZE as the owner)');
      }
    }
    const samples = await sampleDemoSlugs(app);
    console.log('\ndemo creators to try (slug, name, followers, discoverable items):');
    for (const c of samples) {
      console.log(`  ${c.slug.padEnd(32)} ${c.name.padEnd(24)} ${c.followers.toLocaleString('en-US').padStart(12)} ${String(c.items).padStart(6)}`);
    }
    // npm start serves the API on PORT (default 3000).
    const api = `http://localhost:${process.env.PORT ?? 3000}`;
    console.log(`\nwith npm start running:\n  curl '${api}/get-creator-by-slug?slug=${samples[0]?.slug ?? '<slug>'}'\n` +
      `  curl '${api}/browse-content?sort=trending&category=gaming'\n  curl '${api}/search-content?q=tutorial'`);
  } finally {
    await app.end();
    await target.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`seed:demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
