import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quiet } from '../../db/bootstrap.ts';
import { isLostConnection } from '../../functions/_shared/errors.ts';
import { startTestApi, waitFor, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('connection_loss_api'); });
afterAll(() => api?.stop());

describe('a request whose database connection is lost', () => {
  it('gets a 503 with Retry-After and the error body (not a 500), nothing of it is written, and the retry succeeds', async () => {
    const { token } = await api.signUp();
    const displayName = 'Lost Connection';
    // The owner holds the slug lock profile setup takes (functions/account/queries.ts), so the request waits inside PostgreSQL.
    const holder = postgres(api.db.url.owner, { max: 1, ...quiet });
    let release!: () => void;
    let locked!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    const isLocked = new Promise<void>((resolve) => { locked = resolve; });
    const held = holder.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`profile-slug:${displayName.toLowerCase()}`}))`;
      locked();
      await released;
    });
    try {
      await isLocked;
      const pending = api.request('POST', '/auth-profile-setup', { token, body: { display_name: displayName } });
      const waiting = await waitFor(async () => (await api.db.app<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`)[0]);
      await api.db.app`SELECT pg_terminate_backend(${waiting.pid})`;

      const lost = await pending;
      expect(lost.status).toBe(503);
      expect(lost.headers.get('retry-after')).toBe('1');
      expect(lost.body.error).toMatchObject({ code: 'service_unavailable', message: expect.stringMatching(/retry the request/) });
    } finally {
      release();
      await held;
      await holder.end();
    }
    const [before] = await api.db.owner<{ onboarded: boolean }[]>`
      SELECT onboarded_at IS NOT NULL AS onboarded FROM users WHERE display_name = ${displayName}`;
    expect(before).toBeUndefined();

    const retried = await api.request('POST', '/auth-profile-setup', { token, body: { display_name: displayName } });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ display_name: displayName, onboarded: true });
  });

  it('is told apart from other failures: postgres.js\'s connection codes, socket errors, 57P01-57P03 and class 08 but 08P01', () => {
    for (const code of ['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNRESET', 'EPIPE',
      '57P01', '57P02', '57P03', '08006', '08003']) expect(isLostConnection({ code }), code).toBe(true);
    for (const error of [{ code: '08P01' }, { code: '57014' }, { code: '23505' }, { code: 'UNDEFINED_VALUE' }, new Error('x'), null, undefined, 'text']) {
      expect(isLostConnection(error), JSON.stringify(error)).toBe(false);
    }
  });
});
