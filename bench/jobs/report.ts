import type { E2eRun } from './end-to-end.ts';
import type { Round } from './lifecycle.ts';
import { fmtInt, fmtMs, fmtRate, type Measurement } from './measure.ts';
import { median, ratios, type Paired } from './paired.ts';
import { profileSection, type RoundProfile } from './profile.ts';

export interface ReportInput {
  date: string;
  machine: string;
  cores: number;
  /** job_queue's triggers that call pg_notify (the diagnostics disable them). */
  notifyTriggers: string[];
  database: string;
  jobs: number;
  workers: number;
  users: number;
  jobsPerUser: number;
  rounds: Round[];
  profiles: RoundProfile[];
  pairs: Paired[];
  e2e: E2eRun[];
  /** The end-to-end chunks of the NOTIFY pair (for the load figure only). */
  e2eDiagnostics: E2eRun[];
  e2eJobs: number;
  pollWaitSeconds: number;
  totalSeconds: number;
}

const lat = (m: Measurement) => `${fmtMs(m.p50Ms)} / ${fmtMs(m.p95Ms)} / ${fmtMs(m.p99Ms)}`;
const flags = (m: Measurement) =>
  `${m.errors ? ` ⚠ ${m.errors} errors (${m.firstError})` : ''}${m.timedOut ? ' ⚠ time limit' : ''}`;
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');

function roundTable(rounds: Round[]): string[] {
  return [
    '| path | create jobs/s | create ms p50 / p95 / p99 | drain jobs/s | cycle ms p50 / p95 / p99 | not completed | load (1 min) |',
    '|---|--:|---|--:|---|--:|--:|',
    ...rounds.map((r) => `| ${r.name} | ${fmtRate(r.create.perSecond)}${flags(r.create)} | ${lat(r.create)} | ` +
      `${fmtRate(r.drain.perSecond)}${flags(r.drain)} | ${lat(r.drain)} | ${r.leftover} | ${r.create.load1.toFixed(1)} → ${r.drain.load1.toFixed(1)} |`),
  ];
}

function find(rounds: Round[], prefix: string): Round | undefined {
  return rounds.find((r) => r.name.startsWith(prefix));
}

export function buildReport(input: ReportInput): string {
  const { rounds, pairs, e2e } = input;
  const fClaim = find(rounds, 'StreamVibe functions, claim');
  const pClaim = find(rounds, 'plain SQL, claim');
  const fById = find(rounds, 'StreamVibe functions, by id');
  const graphile = find(rounds, 'graphile-worker');
  const pById = find(rounds, 'plain SQL, by id');
  const overhead = (f?: Round, p?: Round) => (f && p
    ? `create ${ratio(p.create.perSecond, f.create.perSecond)}, drain ${ratio(p.drain.perSecond, f.drain.perSecond)}, ` +
      `drain cycle p50 ${ratio(f.drain.p50Ms, p.drain.p50Ms)}`
    : '—');
  const maxLoad = Math.max(...rounds.flatMap((r) => [r.create.load1, r.drain.load1]), ...[...e2e, ...input.e2eDiagnostics].map((r) => r.load1));

  const lines = [
    `# Job system benchmark, ${input.date}`, '',
    `- machine: ${input.machine}`,
    `- database: ${input.database}`,
    `- job_queue triggers that NOTIFY: ${input.notifyTriggers.join(', ') || 'none'}`,
    `- total run time ${input.totalSeconds.toFixed(0)} s`,
    ...(maxLoad > input.cores
      ? [`- ⚠ the 1-minute load average reached ${maxLoad.toFixed(1)} on ${input.cores} cores during the run (other processes): ` +
          'absolute rates are depressed and noisy; compare rows by their ratios, and re-run on a quiet machine for absolute numbers']
      : []),
    '',
    `## 1–2. DB-side lifecycle: ${fmtInt(input.jobs)} jobs per round, ${input.workers} workers (one connection each)`, '',
    `${fmtInt(input.users)} users created as service_role; every round gives each user at most ${input.jobsPerUser} jobs (below the cap ` +
      'of 10 active jobs) with distinct params (no dedupe hits) and drains them all before the next round, so neither the cap nor ' +
      'the dedupe is what is measured. Kinds rotate sync_youtube / ai_generate_tags / seo_submit / quota_reset (priorities 5/5/3/9). ' +
      'Functions paths run as service_role on the app role through db/context.ts asService (BEGIN, set_config, the step, COMMIT); ' +
      'plain paths run autocommit statements on the owner connection against bench_plain.job_queue (job_queue\'s columns, defaults, ' +
      'generated params_hash and CHECKs; primary key + a copy of job_queue_dispatch_idx; no triggers, RLS, FKs or functions). ' +
      'VACUUM ANALYZE of the table after each creation phase. Durable commits (synchronous_commit on).', '',
    ...roundTable(rounds), '',
    `Overhead (plain ÷ functions throughput; functions ÷ plain latency): claim ${overhead(fClaim, pClaim)}; by id ${overhead(fById, pById)}.`,
    ...(graphile ? ['Against graphile-worker\'s defaults in the same run (StreamVibe ÷ graphile-worker throughput; goal: drain ≥ 1×): ' +
      rounds.filter((r) => r.name.startsWith('StreamVibe')).map((r) => `${r.name.replace('StreamVibe functions, ', '')}: create ` +
        `${ratio(r.create.perSecond, graphile.create.perSecond)}, drain **${ratio(r.drain.perSecond, graphile.drain.perSecond)}**`).join('; ') + '.'] : []),
    ...(fClaim && fById ? [`Creation through enqueueJob (2 transactions, 3 statements) vs create_job (1 transaction): ` +
      `${ratio(fById.create.perSecond, fClaim.create.perSecond)} the throughput, p50 ${ratio(fById.create.p50Ms, fClaim.create.p50Ms)} the latency.`] : []),
    '',
    'How each row works:',
    ...rounds.map((r) => `- ${r.name}: create = ${r.createHow}; drain = ${r.drainHow}`), '',
    'Claim choice: the claim rows take a due pending job with `SELECT id FROM job_queue WHERE status = \'pending\' AND dispatched_at ' +
      'IS NULL AND scheduled_for <= now() ORDER BY priority DESC, scheduled_for, id LIMIT 1 FOR UPDATE SKIP LOCKED` and call start_job ' +
      'on it in the same statement: it is the same query shape as the plain baseline (so the gap is StreamVibe\'s functions, triggers, ' +
      'RLS and transactions, not a different claim), and job_queue_dispatch_idx serves it exactly. claim_undispatched_jobs is the ' +
      'outbox sweeper: it stamps dispatched_at but does not start a job, so the real path is sweeper/enqueue → SQS → start_job by id, ' +
      'which is what the "by id" rows measure (ids in dispatch order stand in for SQS).', '',
  ];
  lines.push(...profileSection(input.profiles));
  if (pairs.length) {
    lines.push(
      '### Diagnostics: where the gap goes (A/B pairs in alternating chunks)', '',
      'Each pair runs its two variants in alternating chunks (A B, B A, …) so that load from other processes falls on both; ' +
        'B ÷ A is the median of the ratios of neighbouring chunks (range in brackets). Chunks are small (see the header), so ' +
        'compare ratios here, and absolute rates in the table above.', '',
      '| comparison | rate | A | B | A jobs/s (median) | B jobs/s (median) | B ÷ A (range) |',
      '|---|---|---|---|--:|--:|---|',
      ...pairs.flatMap((p) => p.metrics.map((m) => {
        const r = ratios(m);
        return `| ${p.name} (${fmtInt(p.chunk)} jobs × ${m.a.length}) | ${m.metric} | ${p.aLabel} | ${p.bLabel} | ${fmtRate(median(m.a))} | ` +
          `${fmtRate(median(m.b))} | **${r.median.toFixed(2)}×** (${r.min.toFixed(2)}–${r.max.toFixed(2)}) |`;
      })),
      '',
    );
  }
  if (e2e.length) lines.push(
    `## 3. End to end through the SQS emulator (fauxqs), ${fmtInt(input.e2eJobs)} jobs per burst`, '',
    'startLocalStack (queues from the manifest, poller feeding worker-maintenance with batch size 5, ' +
      `WaitTimeSeconds ${input.pollWaitSeconds}); 10 concurrent enqueuers call functions/jobs/enqueue.ts enqueueJob with the SQS ` +
      'dispatcher (what admin-run-job does) on their own pool of 10 connections; quota_reset user jobs, distinct params, ≤ 2 per ' +
      'user per run. The stack runs the poller at its default concurrency 4 (startLocalStack passes none); higher levels add ' +
      'startPoller loops on the same queue. Worker handlers share the stack\'s pool (DB_POOL_MAX=10). Latency is database time, ' +
      'completed_at − created_at; wait = created → started, run = started → completed. jobs/s = completed ÷ (last completed_at − first created_at).', '',
    '| run | poller | jobs | enqueue/s | enqueue ms p50 / p95 | jobs/s end to end | created→completed ms p50 / p95 / p99 | wait ms p50 / p95 | run ms p50 / p95 | Node CPU | not completed | load (1 min) |',
    '|---|--:|--:|--:|---|--:|---|---|---|--:|---|--:|',
    ...e2e.map((r) => `| ${r.name} | ${r.pollerConcurrency} | ${fmtInt(r.jobs)} | ${fmtRate(r.enqueuePerSecond)} | ` +
      `${fmtMs(r.enqueueP50Ms)} / ${fmtMs(r.enqueueP95Ms)} | ${fmtRate(r.perSecond)} | ${fmtMs(r.latencyP50Ms)} / ${fmtMs(r.latencyP95Ms)} / ` +
      `${fmtMs(r.latencyP99Ms)} | ${fmtMs(r.waitP50Ms)} / ${fmtMs(r.waitP95Ms)} | ${fmtMs(r.runP50Ms)} / ${fmtMs(r.runP95Ms)} | ${r.nodeCpuPct.toFixed(0)}% | ` +
      `${Object.keys(r.notCompleted).length ? JSON.stringify(r.notCompleted) : '0'} | ${r.load1.toFixed(1)} |`),
    '',
    'Node CPU: the whole local stack (enqueuers, fauxqs, poller, worker handlers, postgres.js) is one Node process; near 100% ' +
      'means that process, not PostgreSQL or the job design, bounds the end-to-end rate here (2 cores shared with PostgreSQL).', '',
    'FIELD-NOTES anchors (same kind of machine): plain-SQL cycle ≈ 700/s on one connection; 20k jobs with 10 connections ≈ ' +
      '1.5–1.8k/s; graphile-worker 0.17 at concurrency 10 ≈ 1.4–2.8k/s.', '',
  );
  return lines.join('\n');
}
