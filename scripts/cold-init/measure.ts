/**
 * Cold init of Lambda bundles, as `npm run bundle:sizes` reports it: for each bundle, a fresh Node process imports it
 * and serves one realistic request (invocations.ts) against a throwaway PostgreSQL with the migrations applied,
 * connected as the app role, as the Lambdas connect. Init = import + first request, timed inside the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bootstrapDatabase, connectionUrl, migrateDatabase } from '../../db/bootstrap.ts';
import { APP_ROLE } from '../../db/roles.ts';
import { findFreePort, startEmbeddedPostgres } from '../../local/embedded-postgres.ts';
import { LOCAL_SECRET_SETTINGS } from '../../local/stack.ts';
import { seedLocalSecrets } from '../../local/secrets.ts';
import { INVOCATIONS, lambdaEnv, STRIPE_WEBHOOK_SECRET } from './invocations.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
/** A cold start takes well under a second here; one that takes this long is stuck (a query that never answers). */
const CHILD_TIMEOUT_MS = 30_000;
const DATABASE = 'streamvibe_cold_init';

/** A bundle on disk, by the name its invocation is registered under (invocations.ts). */
export interface Bundle {
  name: string;
  file: string;
}
export interface ColdStart {
  importMs: number;
  firstMs: number;
  outcome: string;
}
export interface ColdInit {
  name: string;
  /** Import + first request: the median and the fastest of its cold starts. */
  medianMs: number;
  minMs: number;
  importMedianMs: number;
  firstMedianMs: number;
  /** Outcomes other than the invocation's expected one (each would mean the request never reached its query). */
  unexpected: string[];
}

/** A fresh embedded PostgreSQL in a temp dir, migrated; the URL the Lambdas connect with, and how to stop it. */
async function startDatabase(): Promise<{ appUrl: string; stop: () => Promise<void> }> {
  const tempDir = await mkdtemp(join(tmpdir(), 'sv-cold-init-'));
  // Ctrl-C exits without unwinding (embedded-postgres stops the cluster on signals, then exits): remove the files then.
  const removeTempDir = () => rmSync(tempDir, { recursive: true, force: true });
  process.once('exit', removeTempDir);
  const cluster = await startEmbeddedPostgres({ dataDir: join(tempDir, 'pg'), port: await findFreePort(), persistent: false })
    .catch(async (error: unknown) => { await rm(tempDir, { recursive: true, force: true }); throw error; });
  const stop = async () => {
    await cluster.stop();
    await rm(tempDir, { recursive: true, force: true });
    process.off('exit', removeTempDir);
  };
  try {
    const ownerUrl = await bootstrapDatabase(cluster.superuserUrl, DATABASE, 'cold_init_owner');
    await migrateDatabase(ownerUrl, 'cold_init_app');
    return { appUrl: connectionUrl(ownerUrl, { user: APP_ROLE, password: 'cold_init_app' }), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** One cold start of a bundle: a fresh Node process with the NODE_OPTIONS the CDK app sets (none inherited, no compile cache), killed when stuck. */
function coldStart(name: string, file: string, databaseUrl: string, secrets: Record<string, string>): Promise<ColdStart> {
  const invocation = INVOCATIONS[name];
  if (!invocation) return Promise.reject(new Error(`no cold-start invocation for ${name} in scripts/cold-init/invocations.ts`));
  const child = spawn(process.execPath, [CHILD, pathToFileURL(file).href, JSON.stringify(invocation.event()), name], {
    env: lambdaEnv(databaseUrl, name, secrets), stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const line = /^COLD_INIT (.+)$/m.exec(stdout)?.[1];
      if (line) return resolve(JSON.parse(line) as ColdStart);
      const why = signal === 'SIGKILL' ? `no answer within ${CHILD_TIMEOUT_MS} ms` : `exit ${code ?? signal}`;
      reject(new Error(`cold start of ${name} failed (${why}): ${`${stderr}${stdout}`.trim().slice(-2000)}`));
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * Measures the baseline and every bundle `runs` times, one cold start at a time. Each round runs every bundle once,
 * each next to a run of the baseline (baseline first in even rounds, second in odd ones), and starts one bundle
 * further along than the last round: load from other processes then drifts over the baseline and the bundles alike.
 * An uncounted first round puts the files in the page cache and the catalog in PostgreSQL's buffers. Stops the
 * database however it ends.
 */
export async function measureColdInits(baseline: Bundle, bundles: Bundle[], runs: number): Promise<ColdInit[]> {
  const database = await startDatabase();
  // Secret settings come from Secrets Manager at cold start, as in AWS: here the local endpoint, seeded in this process.
  const { environment: secrets } = await seedLocalSecrets({ ...LOCAL_SECRET_SETTINGS, STRIPE_WEBHOOK_SECRETS: STRIPE_WEBHOOK_SECRET });
  try {
    const samples = new Map([baseline, ...bundles].map((b) => [b.name, [] as ColdStart[]]));
    for (let round = 0; round <= runs; round += 1) {
      for (let i = 0; i < bundles.length; i += 1) {
        const bundle = bundles[(i + round) % bundles.length]!;
        for (const { name, file } of round % 2 ? [bundle, baseline] : [baseline, bundle]) {
          const sample = await coldStart(name, file, database.appUrl, secrets);
          if (round > 0) samples.get(name)!.push(sample);
        }
      }
    }
    return [...samples].map(([name, runsOf]) => {
      const totals = runsOf.map((s) => s.importMs + s.firstMs);
      return {
        name, medianMs: median(totals), minMs: Math.min(...totals),
        importMedianMs: median(runsOf.map((s) => s.importMs)), firstMedianMs: median(runsOf.map((s) => s.firstMs)),
        unexpected: runsOf.map((s) => s.outcome).filter((outcome) => outcome !== INVOCATIONS[name]!.expected),
      };
    });
  } finally {
    await database.stop();
  }
}
