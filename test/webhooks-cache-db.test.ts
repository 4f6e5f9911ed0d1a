import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asAnon, asService, asUser } from '../db/context.ts';
import { claimsFor, createTestDatabase, type TestDatabase } from './db.ts';

/** Module 006's Stripe webhook log and Stripe cache functions against real PostgreSQL. */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('webhooks_cache', { max: 30 }); });
afterAll(async () => { await db?.drop(); });

const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);
const newEventId = () => `evt_${randomUUID().replaceAll('-', '')}`;

interface Logged { id: string; status: string; attempts: number; is_new: boolean }
const logEvent = (eventId: string, type = 'invoice.paid', payload: object = { id: 'in_1' }) =>
  service(async (tx) => ({ ...(await tx`SELECT * FROM log_stripe_webhook_event(${eventId}, ${type}, ${tx.json(payload as never)})`)[0]! }) as Logged);
const event = (eventId: string) => service(async (tx) => (await tx`SELECT * FROM stripe_webhook_events WHERE stripe_event_id = ${eventId}`)[0]!);
const markProcessed = (eventId: string) =>
  service(async (tx) => (await tx`SELECT mark_webhook_processed(${eventId}) AS ok`)[0]!.ok as boolean);
const markFailed = (eventId: string, error = 'db timeout') =>
  service(async (tx) => (await tx`SELECT mark_webhook_failed(${eventId}, ${error}) AS ok`)[0]!.ok as boolean);
const claimDue = (limit = 50) => service(async (tx) => [...await tx`SELECT * FROM retry_failed_webhooks(${limit})`]);
/** Makes an event due now: its retry time (or its attempt's lease) has passed. */
const makeDue = (eventId: string) =>
  service((tx) => tx`UPDATE stripe_webhook_events SET next_retry_at = now() - interval '1 second' WHERE stripe_event_id = ${eventId}`);
const emptyLog = () => service((tx) => tx`DELETE FROM stripe_webhook_events`);

describe('log_stripe_webhook_event: idempotent logging of verified events', () => {
  it('logs a new event as pending with a 5-minute lease for the receiver, which is told it is new', async () => {
    const eventId = newEventId();
    const logged = await logEvent(eventId, 'customer.subscription.created', { id: 'sub_1', customer: 'cus_1' });
    expect(logged).toMatchObject({ status: 'pending', attempts: 1, is_new: true });
    const row = await event(eventId);
    expect(row).toMatchObject({ id: logged.id, event_type: 'customer.subscription.created', payload: { id: 'sub_1', customer: 'cus_1' },
      processed_at: null, last_error: null });
    expect((row.next_retry_at.getTime() - row.created_at.getTime()) / 1000).toBe(300);
  });

  it('returns the same row for a redelivery, marked not new, and keeps the first payload', async () => {
    const eventId = newEventId();
    const first = await logEvent(eventId, 'invoice.paid', { id: 'in_first' });
    const again = await logEvent(eventId, 'invoice.paid', { id: 'in_changed' });
    expect(again).toEqual({ ...first, is_new: false });
    expect((await event(eventId)).payload).toEqual({ id: 'in_first' });
    await markProcessed(eventId);
    expect(await logEvent(eventId)).toMatchObject({ id: first.id, status: 'processed', is_new: false });
  });

  it('20 concurrent deliveries of one event store one row; every caller gets its id and exactly one is told to process it', async () => {
    const eventId = newEventId();
    let begun = 0;
    let release!: () => void;
    const allBegun = new Promise<void>((resolve) => { release = resolve; });
    const results = await Promise.all(Array.from({ length: 20 }, () => service(async (tx) => {
      await tx`SELECT 1`;
      if (++begun === 20) release();
      await allBegun;
      return { ...(await tx`SELECT * FROM log_stripe_webhook_event(${eventId}, 'invoice.paid', '{"id": "in_race"}'::jsonb)`)[0]! } as Logged;
    })));
    const [{ n }] = await service((tx) => tx`SELECT count(*)::int AS n FROM stripe_webhook_events WHERE stripe_event_id = ${eventId}`) as unknown as [{ n: number }];
    expect(n).toBe(1);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([(await event(eventId)).id]));
    expect(results.filter((r) => r.is_new)).toHaveLength(1);
  });

  it('rejects what is not a Stripe event with 22023', async () => {
    for (const [eventId, type, payload] of [
      ['sub_123', 'invoice.paid', '{}'], ['evt_bad id', 'invoice.paid', '{}'], [null, 'invoice.paid', '{}'],
      [newEventId(), 'Invoice Paid', '{}'], [newEventId(), null, '{}'], [newEventId(), 'invoice.paid', '[1]'], [newEventId(), 'invoice.paid', null],
    ] as const) {
      await expect(service((tx) => tx`SELECT log_stripe_webhook_event(${eventId}, ${type}, ${payload}::jsonb)`), String(eventId))
        .rejects.toMatchObject({ code: '22023' });
    }
  });
});

describe('mark_webhook_processed / mark_webhook_failed', () => {
  it('marks an event processed once; later failures or repeats change nothing', async () => {
    const eventId = newEventId();
    await logEvent(eventId);
    expect(await markProcessed(eventId)).toBe(true);
    const done = await event(eventId);
    expect(done).toMatchObject({ status: 'processed', next_retry_at: null });
    expect(done.processed_at).toBeInstanceOf(Date);
    expect(await markProcessed(eventId)).toBe(false);
    expect(await markFailed(eventId)).toBe(false);
    expect(await event(eventId)).toMatchObject({ status: 'processed', last_error: null });
    expect(await markProcessed('evt_unknown')).toBe(false);
    expect(await markFailed('evt_unknown')).toBe(false);
  });

  it('backs off exponentially with jitter up to 6 h and gives up after 10 attempts', async () => {
    const eventId = newEventId();
    await logEvent(eventId);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(await markFailed(eventId, `attempt ${attempt} failed`)).toBe(true);
      const row = await event(eventId);
      expect(row).toMatchObject({ status: 'failed', attempts: attempt, last_error: `attempt ${attempt} failed` });
      if (attempt === 10) {
        expect(row.next_retry_at).toBeNull();  // given up
        break;
      }
      delays.push((row.next_retry_at.getTime() - row.updated_at.getTime()) / 1000);
      await makeDue(eventId);
      expect((await claimDue()).map((e) => e.stripe_event_id)).toContain(eventId);
    }
    delays.forEach((delay, i) => {
      const nominal = Math.min(6 * 3600, 60 * 2 ** i);
      expect(delay, `retry ${i + 1}`).toBeGreaterThanOrEqual(0.75 * nominal - 0.001);
      expect(delay, `retry ${i + 1}`).toBeLessThanOrEqual(nominal + 0.001);
      if (i > 0 && nominal < 6 * 3600) expect(delay).toBeGreaterThan(delays[i - 1]!);
    });
  });
});

describe('retry_failed_webhooks: claims the events due again (the original always errored)', () => {
  it('returns due failed events and expired leases as processing with a new lease, and leaves the rest', async () => {
    await emptyLog();
    const [failedDue, failedLater, leaseExpired, leaseLive, processed, givenUp] = Array.from({ length: 6 }, newEventId);
    for (const id of [failedDue, failedLater, leaseExpired, leaseLive, processed, givenUp]) await logEvent(id!, 'invoice.paid', { id });
    await markFailed(failedDue!, 'first try failed');
    await makeDue(failedDue!);
    await markFailed(failedLater!);
    await makeDue(leaseExpired!);  // the receiver died before reporting
    await markProcessed(processed!);
    await service((tx) => tx`UPDATE stripe_webhook_events SET status = 'failed', attempts = 10, next_retry_at = NULL WHERE stripe_event_id = ${givenUp!}`);

    const claimed = await claimDue();
    expect(claimed.map((e) => e.stripe_event_id).sort()).toEqual([failedDue, leaseExpired].sort());
    const retried = claimed.find((e) => e.stripe_event_id === failedDue)!;
    expect(retried).toMatchObject({ event_type: 'invoice.paid', payload: { id: failedDue }, attempts: 2, last_error: 'first try failed' });
    const row = await event(failedDue!);
    expect(row.status).toBe('processing');
    expect((row.next_retry_at.getTime() - row.updated_at.getTime()) / 1000).toBe(300);
    expect(await claimDue()).toEqual([]);  // claimed events are leased, not handed out again
    expect((await event(failedLater!)).status).toBe('failed');
    expect((await event(leaseLive!)).status).toBe('pending');
  });

  it('gives up on a due event that has used all 10 attempts instead of handing it out', async () => {
    await emptyLog();
    const eventId = newEventId();
    await logEvent(eventId);
    await service((tx) => tx`UPDATE stripe_webhook_events SET status = 'processing', attempts = 10 WHERE stripe_event_id = ${eventId}`);
    await makeDue(eventId);
    expect(await claimDue()).toEqual([]);
    expect(await event(eventId)).toMatchObject({ status: 'failed', next_retry_at: null,
      last_error: 'attempt 10 reported no result within its lease' });
  });

  it('hands each due event to one of several concurrent claimers, and respects the limit', async () => {
    await emptyLog();
    const ids = Array.from({ length: 30 }, newEventId);
    await service(async (tx) => {
      for (const id of ids) await tx`SELECT log_stripe_webhook_event(${id}, 'charge.refunded', '{}'::jsonb)`;
      await tx`UPDATE stripe_webhook_events SET next_retry_at = now() - interval '1 second'`;
    });
    const batches = await Promise.all([1, 2, 3].map(() => claimDue(12)));
    const claimed = batches.flat().map((e) => e.stripe_event_id);
    expect(batches.every((b) => b.length <= 12)).toBe(true);
    expect(claimed).toHaveLength(30);
    expect(new Set(claimed)).toEqual(new Set(ids));
    await expect(claimDue(0)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('Stripe cache over cache_store', () => {
  const put = (key: string, value: unknown, ttlSeconds: number | null = 3600) =>
    service(async (tx) => (await tx`SELECT cache_stripe_data(${key}, ${value === null ? null : tx.json(value as never)}, ${ttlSeconds}) AS expires_at`)[0]!.expires_at as Date);
  const get = (key: string) => service(async (tx) => (await tx`SELECT get_cached_stripe_data(${key}) AS value`)[0]!.value);
  const invalidate = (key: string, prefix = false) =>
    service(async (tx) => (await tx`SELECT invalidate_cache(${key}, ${prefix}) AS n`)[0]!.n as number);
  const expire = (key: string) => service((tx) => tx`UPDATE cache_store SET expires_at = now() - interval '1 second' WHERE key = ${key}`);

  it('stores a value for its TTL and replaces it on the next write', async () => {
    const expiresAt = await put('stripe:price:p1', { amount: 999 }, 60);
    expect(Math.abs(expiresAt.getTime() - Date.now() - 60_000)).toBeLessThan(5_000);
    expect(await get('stripe:price:p1')).toEqual({ amount: 999 });
    await put('stripe:price:p1', { amount: 1299 }, 60);
    expect(await get('stripe:price:p1')).toEqual({ amount: 1299 });
    expect(await get('stripe:price:missing')).toBeNull();
  });

  it('returns null for an expired entry, which cleanup_expired_cache then removes', async () => {
    await put('stripe:customer:c1', { email: 'a@example.com' });
    await put('stripe:customer:c2', { email: 'b@example.com' });
    await expire('stripe:customer:c1');
    expect(await get('stripe:customer:c1')).toBeNull();
    expect(await service(async (tx) => (await tx`SELECT cleanup_expired_cache() AS n`)[0]!.n)).toBe(1);
    expect(await service((tx) => tx`SELECT key FROM cache_store WHERE key LIKE 'stripe:customer:%'`)).toEqual([{ key: 'stripe:customer:c2' }]);
  });

  it('invalidates one key or a prefix taken literally (% and _ are not wildcards)', async () => {
    for (const key of ['stripe:product:a', 'stripe:product:b', 'stripe:products', 'stripe:pro%x', 'stripe:pro_x']) await put(key, { key });
    expect(await invalidate('stripe:product:a')).toBe(1);
    expect(await get('stripe:product:a')).toBeNull();
    expect(await invalidate('stripe:product:', true)).toBe(1);
    expect(await get('stripe:products')).toEqual({ key: 'stripe:products' });
    expect(await invalidate('stripe:pro%', true)).toBe(1);
    expect(await get('stripe:pro_x')).toEqual({ key: 'stripe:pro_x' });
    expect(await invalidate('stripe:nothing')).toBe(0);
    await expect(invalidate('', true)).rejects.toMatchObject({ code: '22023' });
  });

  it('rejects empty or oversized keys, a null value and TTLs outside 1 s..30 days with 22023', async () => {
    await expect(put('', { a: 1 })).rejects.toMatchObject({ code: '22023' });
    await expect(put('k'.repeat(513), { a: 1 })).rejects.toMatchObject({ code: '22023' });
    await expect(put('stripe:x', null)).rejects.toMatchObject({ code: '22023' });
    await expect(put('stripe:x', { a: 1 }, 0)).rejects.toMatchObject({ code: '22023' });
    await expect(put('stripe:x', { a: 1 }, 2_592_001)).rejects.toMatchObject({ code: '22023' });
    await expect(put('stripe:x', { a: 1 }, null)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('security: webhooks and the cache are service_role only', () => {
  const calls = [
    `SELECT log_stripe_webhook_event('evt_x', 'invoice.paid', '{}')`, `SELECT mark_webhook_processed('evt_x')`,
    `SELECT mark_webhook_failed('evt_x', 'e')`, `SELECT * FROM retry_failed_webhooks()`,
    `SELECT cache_stripe_data('k', '{}', 60)`, `SELECT get_cached_stripe_data('k')`, `SELECT invalidate_cache('k')`,
    `SELECT cleanup_expired_cache()`, `SELECT 1 FROM stripe_webhook_events`, `SELECT 1 FROM cache_store`,
  ];

  it('anon can run none of the functions and read neither table', async () => {
    for (const call of calls) await expect(asAnon(db.app, (tx) => tx.unsafe(call)), call).rejects.toMatchObject({ code: '42501' });
  });

  it('a signed-in user can run none of the functions and read neither table', async () => {
    const user = randomUUID();
    await service((tx) => tx`INSERT INTO users (id, email) VALUES (${user}, ${`${user}@example.com`})`);
    for (const call of calls) {
      await expect(asUser(db.app, claimsFor(user), (tx) => tx.unsafe(call)), call).rejects.toMatchObject({ code: '42501' });
    }
  });
});
