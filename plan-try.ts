import postgres from 'postgres';
import * as z from 'zod/mini';
import { quiet } from './db/bootstrap.ts';
import { browseContent } from './functions/discovery/queries.ts';
import { BrowseContentQuery } from './functions/discovery/routes/browse-content.ts';
import { generateDemoData } from './local/demo-data.ts';
import { refreshDerivedData } from './local/refresh.ts';
import { startBenchDatabase } from './bench/discovery/database.ts';
const database = await startBenchDatabase({});
try {
  const app = postgres(database.appUrl, { max: 2, ...quiet });
  await generateDemoData(app, { items: 5000, creators: 300 });
  await refreshDerivedData(app);
  const owner = postgres(database.ownerUrl, { max: 1, ...quiet });
  await owner`VACUUM (ANALYZE)`;
  const q = z.parse(BrowseContentQuery, { sort: 'recent', category: 'gaming', limit: '50' });
  for (const round of [1, 2]) for (const prepare of [true, false]) {
    const c = postgres(database.appUrl, { max: 1, prepare, ...quiet });
    for (let i = 0; i < 20; i++) await browseContent(c, q);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) { const t0 = performance.now(); await browseContent(c, q); times.push(performance.now() - t0); }
    times.sort((a, b) => a - b);
    const [{ plans }] = await owner`SELECT count(*)::int AS plans FROM pg_stat_activity`;
    console.log(`round ${round} prepare ${prepare}: p50 ${times[100]!.toFixed(2)} min ${times[0]!.toFixed(2)} ms`);
    await c.end();
  }
  await Promise.all([app.end(), owner.end()]);
} finally { await database.stop(); }
