/**
 * Where a job's database time goes: pg_stat_statements (track = all, so statements inside functions and triggers
 * are counted too, marked nested), pg_stat_user_functions (track_functions = all: every PL/pgSQL function and
 * trigger function, with its own time) and job_queue's row counters (inserts, updates, HOT updates), taken around
 * one phase and divided by its jobs. Needs pg_stat_statements in shared_preload_libraries (bench/jobs/database.ts
 * preloads it in the embedded cluster) and a superuser connection.
 */
import postgres, { type Sql } from 'postgres';
import { quiet } from '../../db/bootstrap.ts';

export interface StatementCost {
  query: string;
  toplevel: boolean;
  callsPerJob: number;
  msPerJob: number;
  meanMs: number;
  walBytesPerJob: number;
}

export interface FunctionCost {
  name: string;
  callsPerJob: number;
  /** Time in the function including what it calls (ms per job), and its own time. */
  totalMsPerJob: number;
  selfMsPerJob: number;
}

export interface PhaseProfile {
  label: string;
  jobs: number;
  statements: StatementCost[];
  /** Sum over top-level statements (BEGIN and COMMIT included: COMMIT holds the WAL flush), ms per job. */
  topLevelMsPerJob: number;
  topLevelCallsPerJob: number;
  walBytesPerJob: number;
  /** What the database's active backends were doing, sampled every SAMPLE_MS: share of samples per wait event (CPU = none). */
  waits: { event: string; share: number }[];
}

export interface RoundProfile {
  name: string;
  phases: PhaseProfile[];
  /** For the whole round (create and drain): counters flush when the round's connections end (autovacuum's work counts too). */
  functions: FunctionCost[];
  table: { insertsPerJob: number; updatesPerJob: number; hotShare: number; logLinesPerJob: number };
}

export interface Profiler {
  available: boolean;
  /** Runs `round` with statement and function tracking on; `phase(label, jobs)` closes one window of statements. */
  profile(name: string, roles: string[], round: (phase: (label: string, jobs: number) => Promise<void>) => Promise<number>): Promise<RoundProfile>;
  close(): Promise<void>;
}

const STATEMENTS_SHOWN = 12;
const SAMPLE_MS = 10;
const TRACKED = { 'pg_stat_statements.track': 'all', track_functions: 'all' };

/** A profiler over the bench database; unavailable (and says why) when pg_stat_statements is not preloaded. */
export async function startProfiler(superuserUrl: string): Promise<Profiler & { why?: string }> {
  const su = postgres(superuserUrl, { max: 1, ...quiet });
  const [server] = await su<{ libs: string; superuser: boolean }[]>`
    SELECT current_setting('shared_preload_libraries') AS libs, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`;
  const why = !/pg_stat_statements/.test(server!.libs) ? 'pg_stat_statements is not in shared_preload_libraries'
    : !server!.superuser ? 'it needs a superuser (ALTER SYSTEM, every role\'s statistics)' : undefined;
  if (why) return { available: false, why, profile: () => { throw new Error(`no profiler: ${why}`); }, close: () => su.end() };
  await su`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
  const setTracking = async (on: boolean) => {
    // One statement each: ALTER SYSTEM refuses to run in the implicit transaction of a multi-statement query.
    for (const [setting, value] of Object.entries(TRACKED)) {
      await su.unsafe(on ? `ALTER SYSTEM SET ${setting} = '${value}'` : `ALTER SYSTEM RESET ${setting}`);
    }
    await su`SELECT pg_reload_conf()`;
    await new Promise((resolve) => setTimeout(resolve, 200)); // the postmaster signals every backend; they reload before their next command
  };

  const statements = async (roles: string[], jobs: number) => su<{ query: string; toplevel: boolean; calls: number; ms: number; wal: number }[]>`
    SELECT regexp_replace(s.query, '[[:space:]]+', ' ', 'g') AS query, s.toplevel, s.calls::float8 AS calls,
           s.total_exec_time::float8 AS ms, s.wal_bytes::float8 AS wal
    FROM pg_stat_statements s
    WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND s.userid IN (SELECT oid FROM pg_roles WHERE rolname = ANY (${roles})) AND s.query !~* '^[[:space:]]*vacuum'
    ORDER BY s.total_exec_time DESC`.then((rows) => {
    const top = rows.filter((r) => r.toplevel);
    return {
      statements: rows.slice(0, STATEMENTS_SHOWN).map((r) => ({
        query: r.query.length > 140 ? `${r.query.slice(0, 137)}…` : r.query, toplevel: r.toplevel,
        callsPerJob: r.calls / jobs, msPerJob: r.ms / jobs, meanMs: r.ms / r.calls, walBytesPerJob: r.wal / jobs,
      })),
      topLevelMsPerJob: top.reduce((sum, r) => sum + r.ms, 0) / jobs,
      topLevelCallsPerJob: top.reduce((sum, r) => sum + r.calls, 0) / jobs,
      walBytesPerJob: top.reduce((sum, r) => sum + r.wal, 0) / jobs,
    };
  });

  const sampler = postgres(superuserUrl, { max: 1, ...quiet });
  /** Samples pg_stat_activity until the returned function is called; that returns the shares per wait event. */
  const sampleWaits = (roles: string[]) => {
    const counts = new Map<string, number>();
    let samples = 0;
    let running = true;
    const loop = (async () => {
      while (running) {
        const rows = await sampler<{ event: string; n: number }[]>`
          SELECT coalesce(a.wait_event_type || ': ' || a.wait_event, 'CPU (no wait event)') AS event, count(*)::int AS n
          FROM pg_stat_activity a
          WHERE a.datname = current_database() AND a.state = 'active' AND a.pid <> pg_backend_pid()
            AND a.usename = ANY (${roles})
          GROUP BY 1`;
        samples += 1;
        for (const r of rows) counts.set(r.event, (counts.get(r.event) ?? 0) + r.n);
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      }
    })();
    return async () => {
      running = false;
      await loop;
      const total = [...counts.values()].reduce((a, b) => a + b, 0) || 1;
      return [...counts].map(([event, n]) => ({ event, share: n / total })).sort((a, b) => b.share - a.share);
    };
  };

  return {
    available: true,
    async profile(name, roles, round) {
      await setTracking(true);
      try {
        const phases: PhaseProfile[] = [];
        await su`SELECT pg_stat_statements_reset()`;
        await su`SELECT pg_stat_reset()`;
        // The login role of the app's connections is what pg_stat_activity shows (usename), whatever role they SET.
        const logins = [...roles, 'streamvibe_app'];
        let stopSampling = sampleWaits(logins);
        const jobs = await round(async (label, phaseJobs) => {
          const waits = await stopSampling();
          const n = Math.max(phaseJobs, 1);
          phases.push({ label, jobs: phaseJobs, ...(await statements(roles, n)), waits });
          await su`SELECT pg_stat_statements_reset()`;
          stopSampling = sampleWaits(logins);
        });
        await stopSampling();
        // The round's connections have ended; their backends flush function and table counters as they exit.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const functions = await su<{ name: string; calls: number; total: number; self: number }[]>`
          SELECT f.schemaname || '.' || f.funcname AS name, f.calls::float8 AS calls, f.total_time AS total, f.self_time AS self
          FROM pg_stat_user_functions f ORDER BY f.total_time DESC LIMIT 10`;
        const [t] = await su<{ ins: number; upd: number; hot: number; logs: number }[]>`
          SELECT q.n_tup_ins::float8 AS ins, q.n_tup_upd::float8 AS upd, q.n_tup_hot_upd::float8 AS hot, l.n_tup_ins::float8 AS logs
          FROM pg_stat_user_tables q, pg_stat_user_tables l
          WHERE q.relid = 'public.job_queue'::regclass AND l.relid = 'public.job_log'::regclass`;
        const n = Math.max(jobs, 1);
        return {
          name, phases,
          functions: functions.map((f) => ({ name: f.name, callsPerJob: f.calls / n, totalMsPerJob: f.total / n, selfMsPerJob: f.self / n })),
          table: { insertsPerJob: t!.ins / n, updatesPerJob: t!.upd / n, hotShare: t!.upd ? t!.hot / t!.upd : 0, logLinesPerJob: t!.logs / n },
        };
      } finally {
        await setTracking(false);
      }
    },
    close: async () => {
      await Promise.all([su.end(), sampler.end()]);
    },
  };
}

/** A client for one profiled round: its backends exit (flushing their counters) when the round ends it. */
export const profilingClient = (url: string, max: number): Sql => postgres(url, { max, ...quiet });

const ms = (value: number) => (value >= 10 ? value.toFixed(1) : value >= 0.1 ? value.toFixed(2) : value.toFixed(3));
const cell = (text: string) => `\`${text.replaceAll('|', '\\|').replaceAll('`', "'")}\``;

/** The report's section: per profiled round, its phases' statements, its functions and triggers, and the table counters. */
export function profileSection(profiles: RoundProfile[]): string[] {
  if (profiles.length === 0) return [];
  const lines = [
    '### Where each job\'s database time goes', '',
    'Each path again on fresh connections with pg_stat_statements.track = all and track_functions = all (statements inside ' +
      'functions and triggers are counted as nested: their time is inside the top-level statement that called them). ' +
      'Times are the server\'s execution time per job, ms. Commits are not in pg_stat_statements\' times: the wait events ' +
      'of the active backends (pg_stat_activity sampled every 10 ms; "CPU" = no wait event) show them. A ' +
      'transaction that NOTIFYs holds a database-wide lock from pre-commit through its WAL flush, so such commits never ' +
      'share a flush: their waiters show as "Lock: object".', '',
  ];
  for (const p of profiles) {
    lines.push(`#### ${p.name}`, '',
      ...p.phases.map((ph) => `- ${ph.label} (${ph.jobs.toLocaleString('en-US')} jobs): ${ph.topLevelCallsPerJob.toFixed(2)} statements, ` +
        `${ms(ph.topLevelMsPerJob)} ms executing, ${Math.round(ph.walBytesPerJob).toLocaleString('en-US')} WAL bytes per job; ` +
        'active backends: ' +
        `${ph.waits.slice(0, 5).map((w) => `${w.event} ${(w.share * 100).toFixed(0)}%`).join(', ') || 'none sampled'}`),
      ...(p.table.insertsPerJob === 0 ? [] : [`- job_queue per job: ${p.table.insertsPerJob.toFixed(2)} inserts, ${p.table.updatesPerJob.toFixed(2)} updates ` +
        `(${(p.table.hotShare * 100).toFixed(0)}% HOT), ${p.table.logLinesPerJob.toFixed(2)} job_log lines`]), '',
      '| phase | statement | level | calls / job | ms / job | ms / call | WAL bytes / job |', '|---|---|---|--:|--:|--:|--:|',
      ...p.phases.flatMap((ph) => ph.statements.map((s) => `| ${ph.label} | ${cell(s.query)} | ${s.toplevel ? 'top' : 'nested'} | ` +
        `${s.callsPerJob.toFixed(2)} | ${ms(s.msPerJob)} | ${ms(s.meanMs)} | ${Math.round(s.walBytesPerJob)} |`)),
      '',
      ...(p.functions.length ? [
        '| function or trigger function (whole round) | calls / job | total ms / job | self ms / job |', '|---|--:|--:|--:|',
        ...p.functions.map((f) => `| ${f.name} | ${f.callsPerJob.toFixed(2)} | ${ms(f.totalMsPerJob)} | ${ms(f.selfMsPerJob)} |`), '',
      ] : []));
  }
  return lines;
}
