import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { asService } from '../../db/context.ts';
import { makeCursor } from '../../functions/_shared/cursor.ts';
import { signStripePayload } from '../../functions/billing/signature.ts';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../../local/stack.ts';
import { startTestApi, type ApiResponse, type TestApi } from '../api.ts';

// Logs are read in this file (one line per rejection): the logger's level is fixed at INFO before it is created.
vi.hoisted(() => { process.env.LOG_LEVEL = 'INFO'; });

let api: TestApi;
let user: { token: string; userId: string };
const logLines: string[] = [];
beforeAll(async () => {
  // The logger writes INFO to stdout and WARN/ERROR to stderr, as Lambda's console does.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    });
  }
  api = await startTestApi('api_hostile');
  user = await api.signUp();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await api?.stop();
});

const NUL = '\u0000';
const raw = (json: string) => Buffer.from(json).toString('base64url');
/** A 400 in the error shape, and none of PostgreSQL's own words in it. */
function expect400(response: ApiResponse, code = 'validation_failed') {
  expect(response.status, response.text).toBe(400);
  expect(response.body.error.code).toBe(code);
  expect(response.text).not.toMatch(/invalid input syntax|violates|constraint|fkey|syntax for type|unicode/i);
}

describe('hostile input is a 400, never a 500', () => {
  it.each([
    ['display_name', { display_name: `Tech${NUL}Channel` }],
    ['bio', { bio: `bio${NUL}` }],
    ['avatar_url', { avatar_url: `https://example.com/a${NUL}.png` }],
    ['website_url', { website_url: `https://example.com/${NUL}` }],
    ['settings.timezone', { settings: { timezone: `Europe/Paris${NUL}` } }],
  ])('PATCH /me with a NUL in %s names the field', async (field, body) => {
    const response = await api.request('PATCH', '/me', { token: user.token, body });
    expect400(response);
    expect(response.body.error.details).toEqual([{ path: field, message: 'must not contain NUL characters' }]);
  });

  it('POST /auth-profile-setup with a NUL in the display name, and a NUL in a query parameter', async () => {
    expect400(await api.request('POST', '/auth-profile-setup', { token: user.token, body: { display_name: `A${NUL}B` } }));
    expect400(await api.request('GET', `/search-content?q=${encodeURIComponent(`cats${NUL}`)}`));
  });

  it.each([
    ['a calendar-invalid date', makeCursor('notifications', ['2024-02-30T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000'])],
    ['a number out of range', raw('[1e20]')],
    ['a cursor of another list', makeCursor('job-logs', ['5'])],
    ['a wrong kind of key', raw('["notifications", {"a": 1}, "x"]')],
    ['not JSON', raw('{{{')],
  ])('GET /notifications with %s as cursor', async (_, cursor) => {
    expect400(await api.request('GET', `/notifications?cursor=${cursor}`, { token: user.token }), 'bad_request');
  });

  it.each([
    ['a number out of range', makeCursor('job-logs', ['100000000000000000000'])],
    ['[1e20]', raw('[1e20]')],
    ['a cursor of another list', makeCursor('notifications', ['2024-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000'])],
    ['a date', makeCursor('job-logs', ['2024-01-01'])],
  ])('GET /job-logs with %s as cursor', async (_, cursor) => {
    const response = await api.request('GET', `/job-logs?job_id=00000000-0000-4000-8000-000000000000&cursor=${cursor}`, { token: user.token });
    expect400(response, 'bad_request');
  });

  it('an unknown primary_category is a 400 naming the field, not a 404 naming a foreign key', async () => {
    const response = await api.request('PATCH', '/me', { token: user.token, body: { primary_category: 'no_such_category' } });
    expect400(response);
    expect(response.body.error.details).toEqual([{ path: 'primary_category', message: 'Unknown category' }]);
  });

  it('a malformed Host header at the local gateway', async () => {
    const { port } = new URL(api.url);
    const response = await new Promise<{ status: number; body: string }>((done, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/browse-categories', headers: { host: 'exa mple.com:x' } }, (res) => {
        let body = '';
        res.on('data', (chunk) => { body += chunk; });
        res.on('end', () => done({ status: res.statusCode!, body }));
      });
      req.on('error', fail);
      req.end();
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe('bad_request');
  });
});

describe('a correctly signed Stripe event the database cannot store is a 400, once, and logged with its id', () => {
  const deliver = (payload: string) => api.request('POST', '/stripe-webhook', {
    rawBody: payload, headers: { 'stripe-signature': signStripePayload(payload, LOCAL_STRIPE_WEBHOOK_SECRET) },
  });

  it('a body of null', async () => {
    expect400(await deliver('null'), 'bad_request');
  });

  it('an event with a NUL in a string', async () => {
    const id = `evt_nul_${Date.now()}`;
    const payload = JSON.stringify({ id, object: 'event', type: 'customer.subscription.updated', created: 1, data: { object: { note: `a${NUL}b` } } });

    const response = await deliver(payload);

    expect400(response, 'bad_request');
    const logged = await asService(api.db.app, (tx) => tx`SELECT 1 FROM stripe_webhook_events WHERE stripe_event_id = ${id}`);
    expect(logged).toHaveLength(0);
    expect(logLines.filter((line) => line.includes(id) && line.includes('NUL'))).toHaveLength(1);
  });
});

describe('rejected requests in the log', () => {
  it('are logged once with status and reason, the database\'s own text there only, and no reserved-key warning', async () => {
    logLines.length = 0;
    await api.request('PATCH', '/me', { token: user.token, body: { primary_category: 'no_such_category' } });

    const rejections = logLines.filter((line) => line.includes('request rejected')).map((line) => JSON.parse(line));
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ level: 'INFO', status: 400, code: 'validation_failed', sqlstate: '23503', constraint: 'users_primary_category_fkey' });
    expect(rejections[0].database_message).toMatch(/foreign key/);
    expect(logLines.filter((line) => /reserved key/i.test(line))).toEqual([]);
  });
});
