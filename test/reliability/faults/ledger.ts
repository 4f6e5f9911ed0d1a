import type { Sql } from 'postgres';
import type { TestApi } from '../../api.ts';

/**
 * A record of every status a job takes (a trigger on job_queue, in the test's own database): how many times each job
 * started and how many times it completed, whatever the job_queue row says now.
 */
export async function installJobLedger(owner: Sql): Promise<void> {
  await owner`CREATE TABLE reliability_job_ledger (job_id uuid NOT NULL, status text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`;
  await owner`CREATE INDEX ON reliability_job_ledger (job_id, status)`;
  await owner`
    CREATE FUNCTION reliability_record_job() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
    BEGIN
      INSERT INTO public.reliability_job_ledger (job_id, status) VALUES (NEW.id, NEW.status::text);
      RETURN NULL;
    END $$`;
  await owner`CREATE TRIGGER reliability_record_job AFTER INSERT OR UPDATE OF status ON job_queue FOR EACH ROW EXECUTE FUNCTION reliability_record_job()`;
}

export interface JobOutcome {
  id: string;
  status: string;
  final: boolean;
  starts: number;
  completions: number;
}

/** Where each job stands, and how often it started and completed (from the ledger). */
export async function jobOutcomes(owner: Sql, ids: string[]): Promise<JobOutcome[]> {
  return owner<JobOutcome[]>`
    SELECT q.id, q.status::text AS status,
           (q.status IN ('completed', 'cancelled') OR (q.status = 'failed' AND q.next_retry_at IS NULL)) AS final,
           (SELECT count(*)::int FROM reliability_job_ledger l WHERE l.job_id = q.id AND l.status = 'processing') AS starts,
           (SELECT count(*)::int FROM reliability_job_ledger l WHERE l.job_id = q.id AND l.status = 'completed') AS completions
    FROM job_queue q WHERE q.id = ANY (${ids}::uuid[])`;
}

export interface Recovery {
  /** Times the clock was moved on because nothing progressed (each time: stuck detection, retries, the outbox sweep). */
  clockAdvances: number;
  elapsedMs: number;
}

const STUCK_AFTER = '31 minutes';  // past detect-stuck-jobs' 30 minutes
const RESEND_AFTER = '6 minutes';  // past the outbox sweep's 5 minutes

/**
 * Waits until every job is final, as the deployed system gets there: workers, and when nothing moves for `quietMs`,
 * the scheduled recovery (stuck-job detection, retries after their backoff, the outbox sweep of lost messages) with
 * the clock moved past the timeouts those tasks wait for (the rows' timestamps are moved back instead).
 */
export async function driveToFinal(api: TestApi, ids: string[], options: { quietMs?: number; timeoutMs?: number } = {}): Promise<Recovery> {
  const { quietMs = 3_000, timeoutMs = 120_000 } = options;
  const started = Date.now();
  let clockAdvances = 0;
  let lastFinal = -1;
  let lastChange = Date.now();
  for (;;) {
    const outcomes = await jobOutcomes(api.db.owner, ids).catch((error: unknown) => {
      if (Date.now() - started > timeoutMs) throw error;
      console.warn('recovery: the ledger could not be read yet (the database is still coming back):', error);
      return undefined;
    });
    if (!outcomes) {
      await new Promise((resume) => setTimeout(resume, 1_000));
      continue;
    }
    const final = outcomes.filter((o) => o.final).length;
    if (final === ids.length) return { clockAdvances, elapsedMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`${ids.length - final} of ${ids.length} jobs not final after ${timeoutMs} ms`);
    if (final !== lastFinal) {
      lastFinal = final;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > quietMs) {
      await api.db.owner`
        UPDATE job_queue SET
          heartbeat_at = CASE WHEN status = 'processing' THEN heartbeat_at - ${STUCK_AFTER}::interval ELSE heartbeat_at END,
          next_retry_at = CASE WHEN status = 'failed' AND next_retry_at IS NOT NULL THEN now() ELSE next_retry_at END,
          dispatched_at = CASE WHEN status = 'pending' THEN dispatched_at - ${RESEND_AFTER}::interval ELSE dispatched_at END
        WHERE id = ANY (${ids}::uuid[])`;
      // A schedule that fails (the database still coming back under load: CONNECT_TIMEOUT) simply runs again on its next
      // turn, as EventBridge Scheduler's next invocation would.
      for (const task of ['detect-stuck-jobs', 'retry-failed-jobs', 'outbox-sweep']) {
        await api.stack.scheduler.run(task).catch((error: unknown) => console.warn(`recovery: ${task} failed, runs again next round:`, error));
      }
      clockAdvances += 1;
      lastChange = Date.now();
    }
    await new Promise((resume) => setTimeout(resume, 250));
  }
}
