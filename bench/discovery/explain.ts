import postgres from 'postgres';
import { connectionUrl } from '../../db/bootstrap.ts';
import { readAsAnon } from '../../functions/discovery/queries.ts';
import type { Db } from '../../functions/_shared/catalog/content-sql.ts';

/**
 * Plans of every statement a request runs, nested ones included (the dynamic SQL inside search.match_content, which
 * a plain EXPLAIN shows only as "Function Scan"): auto_explain with log_nested_statements, its output sent to this
 * session as NOTICEs. Needs a superuser to LOAD auto_explain (the embedded cluster's, or a superuser DATABASE_URL);
 * the request itself runs as anon (SET LOCAL ROLE inside readAsAnon), so RLS applies as for the handler.
 */
export async function explainRequest(superuserUrl: string, database: string, run: (tx: Db) => PromiseLike<unknown>): Promise<string[]> {
  const plans: string[] = [];
  const sql = postgres(connectionUrl(superuserUrl, { database }), {
    max: 1,
    onnotice: (notice) => { if (/plan:/.test(notice.message ?? '')) plans.push(notice.message!); },
  });
  try {
    // One connection (max 1), so the session settings below hold for the request.
    await sql`LOAD 'auto_explain'`;
    const settings: [string, string][] = [['log_min_duration', '0'], ['log_analyze', 'on'], ['log_buffers', 'on'],
      ['log_timing', 'on'], ['log_nested_statements', 'on'], ['log_level', 'notice']];
    for (const [name, value] of settings) await sql`SELECT set_config(${`auto_explain.${name}`}, ${value}, false)`;
    await readAsAnon(sql, (tx) => Promise.resolve(run(tx)));
  } finally {
    await sql.end();
  }
  // Keep the request's own statements: not the caller setup (set_config) nor the settings above.
  return plans.filter((p) => !/set_config\(/.test(p));
}
