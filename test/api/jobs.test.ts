import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { queues, scheduledFunctions } from '../../functions/manifest.ts';
import { startTestApi, type TestApi, waitFor } from '../api.ts';

let api: TestApi;
// Short visibility timeouts make SQS redelivery observable within a test.
beforeAll(async () => { api = await startTestApi('api_jobs', { visibilityTimeoutSeconds: 2 }); });
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const job = async (id: string) => (await service((tx) => tx`SELECT * FROM job_queue WHERE id = ${id}`))[0]!;

const waitForStatus = (id: string, status: string) =>
  waitFor(async () => { const row = await job(id); return row.status === status && row; });

async function admin() {
  return api.signUp({ roles: ['admin'] });
}

describe('job topology', () => {
  it('has one queue (with a DLQ) per job_type.queue_name (categories may share one: quota_reset and trending_refresh)', async () => {
    const categories = await service((tx) => tx`SELECT DISTINCT queue_name FROM job_type ORDER BY queue_name`);
    expect(Object.keys(queues).sort()).toEqual(categories.map((c) => c.queue_name));
    expect(Object.keys(api.stack.queues.dlqUrls).sort()).toEqual(Object.keys(queues).sort());
  });

  it('declares the schedules the issue lists, at their rates', () => {
    const jobSchedules = scheduledFunctions().filter((f) => f.feature !== 'discovery').flatMap((f) => f.trigger.tasks);
    expect(Object.fromEntries(jobSchedules.map((t) => [t.name, t.everyMinutes]))).toEqual({
      'outbox-sweep': 1, 'detect-stuck-jobs': 5, 'retry-failed-jobs': 5, 'expire-stale-jobs': 15,
      'cleanup': 1440, 'quota-reset': 60, 'trending-refresh': 15, 'stripe-webhook-retry': 15, 'billing-transitions': 15,
      'token-refresh': 5, 'oauth-state-purge': 60, 'auto-sync': 15, 'follower-sync': 360, 'trending-keywords': 60,
      'seo-auto-submit': 1,
    });
  });
});

describe('a job created through a route', () => {
  it('runs to completion through SQS and the worker, with progress, result and logs visible to its owner', async () => {
    const { token } = await admin();
    const created = await api.request('POST', '/admin-run-job', { token, body: { job_type: 'trending_refresh' } });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ created: true, status: 'pending' });
    const jobId = created.body.job_id as string;
    // Sent at once: marked dispatched, or already claimed by the worker (which can win the race against the mark,
    // since only a pending job is marked).
    const sent = await job(jobId);
    expect(sent.dispatched_at !== null || sent.status !== 'pending', JSON.stringify(sent)).toBe(true);

    const done = await waitFor(async () => {
      const res = await api.request('GET', `/job-status?job_id=${jobId}`, { token });
      return res.body.status === 'completed' && res.body;
    });
    expect(done).toMatchObject({ job_type: 'trending_refresh', job_category: 'trending_refresh', progress: 100, result: { ranked: 0 } });
    expect(done.progress_message).toMatch(/^Ranked \d+ items$/);
    const listed = await api.request('GET', '/jobs?status=completed', { token });
    expect(listed.body.items.map((j: { id: string }) => j.id)).toEqual([jobId]);
  });

  it('is never shown to, or cancellable by, another user; admins only are allowed to start maintenance jobs', async () => {
    const owner = await admin();
    const other = await api.signUp();
    const created = await api.request('POST', '/admin-run-job', { token: owner.token, body: { job_type: 'quota_reset', params: { note: 'x' } } });
    const jobId = created.body.job_id as string;
    expect((await api.request('GET', `/job-status?job_id=${jobId}`, { token: other.token })).status).toBe(404);
    expect((await api.request('GET', `/job-logs?job_id=${jobId}`, { token: other.token })).status).toBe(404);
    expect((await api.request('POST', '/job-cancel', { token: other.token, body: { job_id: jobId } })).status).toBe(404);
    expect((await api.request('GET', '/jobs', { token: other.token })).body.items).toEqual([]);
    const forbidden = await api.request('POST', '/admin-run-job', { token: other.token, body: { job_type: 'quota_reset' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    expect((await api.request('POST', '/admin-run-job', { body: { job_type: 'quota_reset' } })).status).toBe(401);
  });

  it('lets the owner cancel a pending job once, and shows per-user stats (queue-wide stats to admins only)', async () => {
    const owner = await admin();
    const user = await api.signUp();
    const [row] = await service((tx) => tx`SELECT create_job(${owner.userId}, 'quota_reset', '{"cancel": "me"}'::jsonb, 5, now() + interval '1 hour') AS id`);
    const jobId = row!.id as string;
    const cancelled = await api.request('POST', '/job-cancel', { token: owner.token, body: { job_id: jobId } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ cancelled: true, job: { id: jobId, status: 'cancelled' } });
    const again = await api.request('POST', '/job-cancel', { token: owner.token, body: { job_id: jobId } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    const logs = await api.request('GET', `/job-logs?job_id=${jobId}`, { token: owner.token });
    expect(logs.body.items.map((l: { message: string }) => l.message)).toEqual(['cancelled by the user']);

    const mine = await api.request('GET', '/job-stats', { token: owner.token });
    expect(mine.body.mine).toEqual([{ job_type: 'quota_reset', job_category: 'quota_reset', status: 'cancelled', job_count: 1 }]);
    expect(mine.body.queue.length).toBeGreaterThan(0);
    const plain = await api.request('GET', '/job-stats', { token: user.token });
    expect(plain.body).toEqual({ mine: [] });
  });

  it('rejects bad input with 400', async () => {
    const { token } = await admin();
    for (const path of ['/job-status?job_id=not-a-uuid', "/job-status?job_id=1' OR '1'='1", '/jobs?limit=1000', '/jobs?status=done',
      '/jobs?offset=-1', '/job-logs?job_id=00000000-0000-0000-0000-000000000000&cursor=%%%']) {
      const res = await api.request('GET', path, { token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toMatch(/^(validation_failed|bad_request)$/);
    }
    const unknownKind = await api.request('POST', '/admin-run-job', { token, body: { job_type: 'sync_youtube' } });
    expect(unknownKind.status).toBe(400);
  });
});

describe('delivery semantics', () => {
  it('runs a job inserted straight in SQL once the outbox sweeper (every minute) picks it up', async () => {
    const { userId } = await admin();
    const [row] = await service((tx) => tx`SELECT create_job(${userId}, 'quota_reset', '{"source": "sql"}'::jsonb, 5) AS id`);
    const jobId = row!.id as string;
    expect((await job(jobId)).dispatched_at).toBeNull();
    await api.stack.scheduler.run('outbox-sweep');
    const done = await waitForStatus(jobId, 'completed');
    expect(done.result).toEqual({ subscriptions_reset: 0 });
  });

  it('runs a job once when its message is delivered twice', async () => {
    const { userId } = await admin();
    const [row] = await service((tx) => tx`SELECT create_job(${userId}, 'trending_refresh', '{"limit": 5}'::jsonb, 5) AS id`);
    const jobId = row!.id as string;
    const body = JSON.stringify({ job_id: jobId });
    await Promise.all([1, 2].map(() => api.stack.queues.client.send(new SendMessageCommand({ QueueUrl: api.stack.queues.urls.maintenance, MessageBody: body }))));
    const done = await waitForStatus(jobId, 'completed');
    await new Promise((r) => setTimeout(r, 1500));  // let the duplicate be received and dropped
    const after = await job(jobId);
    expect(after.completed_at).toEqual(done.completed_at);
    expect(after.worker_id).toBe(done.worker_id);
    expect(after.retry_count).toBe(0);
    const logs = await service((tx) => tx`SELECT count(*)::int AS n FROM job_log WHERE job_id = ${jobId} AND level = 'error'`);
    expect(logs[0]!.n).toBe(0);
  });

  it('recovers a job whose worker died mid-run: stuck detection fails it, the retry runs it to completion', async () => {
    const { userId } = await admin();
    const [row] = await service((tx) => tx`SELECT create_job(${userId}, 'trending_refresh', '{"limit": 7}'::jsonb, 5) AS id`);
    const jobId = row!.id as string;
    // A worker claimed it and died: no heartbeat for 31 minutes.
    await service((tx) => tx`SELECT start_job(${jobId}, 'worker-that-died')`);
    await service((tx) => tx`UPDATE job_queue SET heartbeat_at = now() - interval '31 minutes', dispatched_at = now() WHERE id = ${jobId}`);
    expect(await api.stack.scheduler.run('detect-stuck-jobs')).toEqual({ stuck: 1 });
    const stuck = await job(jobId);
    expect(stuck).toMatchObject({ status: 'failed', retry_count: 0 });
    expect(stuck.next_retry_at).not.toBeNull();
    // The backoff has elapsed (the clock moved on): the retry schedule requeues and sends it.
    await service((tx) => tx`UPDATE job_queue SET next_retry_at = now() WHERE id = ${jobId}`);
    await api.stack.scheduler.run('retry-failed-jobs');
    const done = await waitForStatus(jobId, 'completed');
    expect(done.retry_count).toBe(1);
    expect(done.worker_id).not.toBe('worker-that-died');
  });

  it('fails a job that always throws after max_retries, with exponentially growing delays, and dead-letters its message', async () => {
    const { token } = await admin();
    // refresh_trending_content rejects a limit of 0: every attempt throws.
    const created = await api.request('POST', '/admin-run-job', { token, body: { job_type: 'trending_refresh', params: { limit: 0 } } });
    const jobId = created.body.job_id as string;
    const delaysSeconds: number[] = [];
    for (;;) {
      const failed = await waitFor(async () => {
        const row = await job(jobId);
        return row.status === 'failed' && row.retry_count === delaysSeconds.length && row;
      });
      if (!failed.next_retry_at) break;
      delaysSeconds.push((failed.next_retry_at.getTime() - failed.completed_at.getTime()) / 1000);
      await service((tx) => tx`UPDATE job_queue SET next_retry_at = now() WHERE id = ${jobId}`);
      await api.stack.scheduler.run('retry-failed-jobs');
    }
    const final = await job(jobId);
    expect(final.retry_count).toBe(final.max_retries);
    expect(delaysSeconds).toHaveLength(final.max_retries);
    delaysSeconds.forEach((delay, n) => {
      expect(delay).toBeGreaterThanOrEqual(30 * 2 ** n * 0.75 - 1);
      expect(delay).toBeLessThanOrEqual(30 * 2 ** n + 1);
      if (n > 0) expect(delay).toBeGreaterThan(delaysSeconds[n - 1]!);
    });
    const { Messages = [] } = await api.stack.queues.client.send(new ReceiveMessageCommand({
      QueueUrl: api.stack.queues.dlqUrls.maintenance, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'],
    }));
    const dead = Messages.find((m) => JSON.parse(m.Body!).job_id === jobId);
    expect(dead?.MessageAttributes?.failure_reason?.StringValue).toMatch(/trending limit must be between 1 and 1000/);
    expect(dead?.MessageAttributes?.attempts?.StringValue).toBe(String(final.max_retries + 1));
  });

  it('sends a poison message (not a job) to the DLQ through the redrive policy', async () => {
    const poison = `not json ${Date.now()}`;
    await api.stack.queues.client.send(new SendMessageCommand({ QueueUrl: api.stack.queues.urls.maintenance, MessageBody: poison }));
    const dead = await waitFor(async () => {
      const { Messages = [] } = await api.stack.queues.client.send(new ReceiveMessageCommand({
        QueueUrl: api.stack.queues.dlqUrls.maintenance, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
      }));
      return Messages.find((m) => m.Body === poison);
    }, 40_000);
    expect(dead.Body).toBe(poison);
  }, 60_000);
});

describe('load: 1,000 jobs across 50 users', () => {
  it('all complete, nothing is lost, and no user ever has more than 10 active jobs', async () => {
    const users = await Promise.all(Array.from({ length: 50 }, () => admin()));
    let maxActiveSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [row] = await service((tx) => tx`
          SELECT coalesce(max(n), 0)::int AS max FROM (
            SELECT count(*) AS n FROM job_queue WHERE status IN ('pending', 'processing') OR next_retry_at IS NOT NULL GROUP BY user_id) c`);
        maxActiveSeen = Math.max(maxActiveSeen, row!.max);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const created: string[] = [];
    let refusals = 0;
    const started = Date.now();
    await Promise.all(users.map(async (user) => {
      for (let i = 0; i < 20; i += 1) {
        for (;;) {
          const res = await api.request('POST', '/admin-run-job', { token: user.token, body: { job_type: 'quota_reset', params: { n: i } } });
          if (res.status === 202) { created.push(res.body.job_id); break; }
          expect(res.status).toBe(429);
          expect(res.body.error.code).toBe('rate_limited');
          refusals += 1;
          await new Promise((r) => setTimeout(r, 250));  // a polite client backs off when told 429
        }
      }
    }));
    await waitFor(async () => {
      const [row] = await service((tx) => tx`SELECT count(*)::int AS n FROM job_queue WHERE id = ANY(${created}::uuid[]) AND status = 'completed'`);
      return row!.n === 1000;
    }, 120_000);
    console.log(`1000 jobs created and completed in ${Date.now() - started} ms (${refusals} cap refusals)`);
    sampling = false;
    await sampler;
    expect(new Set(created).size).toBe(1000);
    expect(maxActiveSeen).toBeLessThanOrEqual(10);
    expect(maxActiveSeen).toBeGreaterThan(1);
    expect(refusals).toBeGreaterThan(0);
  }, 180_000);
});
