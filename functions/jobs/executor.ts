import type { TransactionSql } from 'postgres';

export interface RunningJob {
  id: string;
  userId: string | null;
  kind: string;
  params: Record<string, unknown>;
  retryCount: number;
  maxRetries: number;
}

/** What an executor gets: its job, and ways to report progress and logs and to use the database as the service. */
export interface JobContext {
  job: RunningJob;
  /** Reports progress (0–100) and heartbeats; throws JobCancelledError when the job was cancelled or timed out. */
  progress(percent: number, message?: string): Promise<void>;
  /**
   * The same report inside the caller's transaction (it commits with the work it describes, one commit instead of two);
   * false when the job is no longer this worker's: the caller should stop (throw JobCancelledError) after its commit.
   */
  progressIn(tx: TransactionSql, percent: number, message?: string): Promise<boolean>;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): Promise<void>;
  /**
   * Completes the job inside the caller's transaction, with `result` (the job then ends with what it wrote, in one
   * commit); the worker does not complete it again. False when the job is no longer this worker's.
   */
  completeIn(tx: TransactionSql, result: Record<string, unknown>): Promise<boolean>;
  /** Milliseconds left before the Lambda's timeout: a long job defers itself (DeferJobError) to go on in a fresh invocation. */
  remainingMs(): number;
  /** Runs a transaction as service_role. */
  service<T>(work: (tx: TransactionSql) => Promise<T>): Promise<T>;
}

/** Runs one job kind; its return value becomes the job's result. Throw to fail the attempt (retried with backoff). */
export type Executor = (context: JobContext) => Promise<Record<string, unknown>>;

/** A failure that retrying cannot fix (bad params, revoked access): the job fails for good at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The job stopped being this worker's (cancelled, or taken over after a timeout): stop quietly. */
export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}

/**
 * The job must wait, not fail: a provider said when to come back (a daily quota, a rate window). The job goes back to
 * pending until then without using a retry (defer_job), and the outbox sweep sends it when due.
 */
export class DeferJobError extends Error {
  override name = 'DeferJobError';
  constructor(message: string, readonly until: Date) {
    super(message);
  }
}
