import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_account'); });
afterAll(async () => { await api?.stop(); });

describe('sign-up through the local identity', () => {
  it('runs the post-confirmation handler: the users row exists, with no subscription (free tier)', async () => {
    const { userId, email } = await api.signUp();
    const [user] = await api.db.owner`SELECT email FROM users WHERE id = ${userId}`;
    expect(user!.email).toBe(email);
    expect(await api.db.owner`SELECT 1 FROM subscription WHERE user_id = ${userId}`).toHaveLength(0);
  });
});

describe('GET /me', () => {
  it('returns the caller’s profile, settings, free-tier quotas and email from the token', async () => {
    const { token, userId, email } = await api.signUp();
    const res = await api.request('GET', '/me', { token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.body).toMatchObject({ id: userId, email, onboarded: false, is_public: false, roles: [],
      settings: { theme: 'system', email_notifications: true },
      subscription: { tier: 'free', status: 'none', cancel_at_period_end: false } });
    expect(res.body.subscription.quotas).toEqual([
      { quota_type: 'ai_analysis', used: 0, limit: 25, remaining: 25 },
      { quota_type: 'seo_submission', used: 0, limit: 0, remaining: 0 },
      { quota_type: 'sync', used: 0, limit: 30, remaining: 30 },
    ]);
  });

  it('answers 401 without a token, with a forged token, and with an expired-format token', async () => {
    expect((await api.request('GET', '/me')).status).toBe(401);
    expect((await api.request('GET', '/me', { token: 'not-a-jwt' })).status).toBe(401);
    const forged = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ.';
    expect((await api.request('GET', '/me', { token: forged })).status).toBe(401);
  });
});

describe('POST /auth-profile-setup', () => {
  it('sets the profile, derives a unique slug, numbers a colliding one, and marks the account onboarded', async () => {
    const first = await api.signUp();
    const second = await api.signUp();
    const body = { display_name: 'Tech Gaming Channel', bio: 'Gaming tutorials', primary_category: 'gaming' };
    const a = await api.request('POST', '/auth-profile-setup', { token: first.token, body });
    const b = await api.request('POST', '/auth-profile-setup', { token: second.token, body });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ profile_slug: 'tech-gaming-channel', onboarded: true, is_public: true, primary_category: 'gaming' });
    expect(b.body.profile_slug).toBe('tech-gaming-channel-2');
  });

  it('gives concurrent sign-ups with the same name distinct slugs', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => api.signUp()));
    const results = await Promise.all(users.map((u) => api.request('POST', '/auth-profile-setup', { token: u.token, body: { display_name: 'Same Name' } })));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(results.map((r) => r.body.profile_slug)).size).toBe(6);
  });

  it('rejects bad input with 400 and a clear code, never 500', async () => {
    const { token } = await api.signUp();
    const cases = [
      { body: {} },
      { body: { display_name: '' } },
      { body: { display_name: 'x'.repeat(101) } },
      { body: { display_name: 'ok', primary_category: "gaming'; DROP TABLE users; --" } },
      { body: { display_name: 'ok', avatar_url: 'javascript:alert(1)' } },
      { body: { display_name: 'ok', is_verified: true } },
    ];
    for (const { body } of cases) {
      const res = await api.request('POST', '/auth-profile-setup', { token, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const malformed = await api.request('POST', '/auth-profile-setup', { token, rawBody: '{"display_name":' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const unknownCategory = await api.request('POST', '/auth-profile-setup', { token, body: { display_name: 'ok', primary_category: 'knitting' } });
    expect(unknownCategory.status).toBe(400);
    expect(unknownCategory.body.error.details).toEqual([{ path: 'primary_category', message: 'Unknown category' }]);
    const tooBig = await api.request('POST', '/auth-profile-setup', { token, body: { display_name: 'ok', bio: 'x'.repeat(70_000) } });
    expect(tooBig.status).toBe(413);
  });

  it('answers a body that is not JSON with 415, and sends CORS headers with answers, errors and preflights alike', async () => {
    const { token } = await api.signUp();
    const text = await api.request('POST', '/auth-profile-setup', { token, rawBody: 'display_name=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('unsupported_media_type');
    const empty = await api.request('POST', '/auth-profile-setup', { token, rawBody: '' });
    expect([empty.status, empty.body.error.code]).toEqual([400, 'invalid_json']);
    // API Gateway answers preflights itself (CORS configuration): not an operation of the document.
    const preflight = await api.request('OPTIONS', '/me', { outsideApi: true });
    expect(preflight.status).toBe(204);
    for (const res of [text, empty, await api.request('GET', '/me', { token }), preflight]) {
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    }
  });

  it('names each rejected field in details, in zod\'s English messages (zod/mini has none of its own)', async () => {
    const { token } = await api.signUp();

    const res = await api.request('POST', '/auth-profile-setup', { token, body: { display_name: 'x'.repeat(101), is_verified: true } });

    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'validation_failed', message: 'Invalid request body', details: [
      { path: 'display_name', message: 'Too big: expected string to have <=100 characters' },
      { path: '', message: 'Unrecognized key: "is_verified"' },
    ] } });
  });
});

describe('PATCH /me', () => {
  it('changes profile fields and settings, and refuses privileged fields', async () => {
    const { token } = await api.signUp();
    const res = await api.request('PATCH', '/me', { token, body: { bio: 'New bio', settings: { theme: 'dark', sync_frequency_hours: 6 } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ bio: 'New bio', settings: { theme: 'dark', sync_frequency_hours: 6 } });
    for (const body of [{ is_verified: true }, { total_followers: 10 ** 9 }, { settings: { tier: 'premium' } }, {}]) {
      const refused = await api.request('PATCH', '/me', { token, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('settings.timezone', () => {
  it('accepts IANA time zone names (canonical, UTC, Etc/GMT±N and the tz database’s aliases) and nothing else', async () => {
    const { token } = await api.signUp();
    const patch = (timezone: string) => api.request('PATCH', '/me', { token, body: { settings: { timezone } } });
    for (const timezone of ['Europe/Paris', 'UTC', 'Etc/UTC', 'Asia/Kolkata', 'Asia/Calcutta', 'America/Argentina/Buenos_Aires',
      'America/Port-au-Prince', 'Etc/GMT+5', 'US/Eastern']) {
      const res = await patch(timezone);
      expect(res.status, timezone).toBe(200);
      expect(res.body.settings.timezone).toBe(timezone);
    }
    for (const timezone of ['Mars/Olympus_Mons', 'europe/paris', 'utc', '+01:00', '-0500', 'Europe/Paris ', '', 'Paris', 'x'.repeat(65)]) {
      const res = await patch(timezone);
      expect(res.status, timezone).toBe(400);
      expect(res.body.error.details[0].path, timezone).toBe('settings.timezone');
    }
  });
});

describe('notifications', () => {
  it('lists the caller’s notifications newest first with keyset pages, and marks them read', async () => {
    const { token, userId } = await api.signUp();
    const other = await api.signUp();
    await asService(api.db.app, async (tx) => {
      await tx`INSERT INTO notification (user_id, title, created_at)
               SELECT ${userId}, 'n' || i, now() - make_interval(secs => i / 1000000.0) FROM generate_series(1, 25) i`;  // microseconds apart
      await tx`INSERT INTO notification (user_id, title) VALUES (${other.userId}, 'not yours')`;
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api.request('GET', `/notifications?limit=10${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(page.status).toBe(200);
      expect(page.body.unread_count).toBe(25);
      seen.push(...page.body.items.map((n: { title: string }) => n.title));
      cursor = page.body.page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `n${i + 1}`));

    const marked = await api.request('POST', '/notifications-mark-read', { token, body: { all: true } });
    expect(marked.body).toEqual({ updated: 25 });
    const unread = await api.request('GET', '/notifications?unread_only=true', { token });
    expect(unread.body).toMatchObject({ items: [], unread_count: 0 });
    const badCursor = await api.request('GET', '/notifications?cursor=bm90LWpzb24', { token });
    expect(badCursor.status).toBe(400);
  });
});
