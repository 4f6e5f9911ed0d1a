import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger, redactLogValue } from '../functions/_shared/logger.ts';
import { startTestApi, waitFor, type TestApi } from './api.ts';
import { connectAccount } from './oauth-browser.ts';

// Every line the functions write, down to debug, is captured here (they run in this process) and kept off the test output.
vi.hoisted(() => { process.env.LOG_LEVEL = 'DEBUG'; });

const output: string[] = [];
const restoreOutput: (() => void)[] = [];
let api: TestApi;

beforeAll(async () => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      output.push(text);
      return text.startsWith('{"level"') || (rest.length > 0 && typeof rest.at(-1) !== 'function') ? true : write(chunk, ...rest);
    }) as typeof stream.write;
    restoreOutput.push(() => { stream.write = write; });
  }
  api = await startTestApi('log_redaction');
});
afterAll(async () => {
  await api?.stop();
  for (const restore of restoreOutput) restore();
});

/** The JSON log lines written since `from` (an index into the captured output). */
const logLinesSince = (from: number) => output.slice(from).join('').split('\n')
  .filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line) as Record<string, unknown>);

describe('logger redaction: what any log call is given, no token or email reaches the line', () => {
  it('drops values under secret keys and masks JWTs, bearer credentials and emails in strings and errors\' fields', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    const error = Object.assign(new Error(`duplicate for ana@example.com with ${jwt}`), {
      code: '23505', detail: 'Key (email)=(ana@example.com) already exists.',
    });
    const from = output.length;

    logger.warn(`refresh for bob@example.org failed`, {
      access_token: 'ya29.opaque-access', refreshToken: 'opaque-refresh', client_secret: 'cs', 'set-cookie': 'sv=1',
      headers: { Authorization: 'Bearer opaque-bearer', accept: 'application/json' }, email: 'carol@example.net',
      note: `Authorization: Bearer opaque-2 from dave@example.com`, error,
    });

    const [line] = logLinesSince(from);
    const text = JSON.stringify(line);
    for (const secret of ['ya29.opaque-access', 'opaque-refresh', '"cs"', 'sv=1', 'opaque-bearer', 'opaque-2', jwt, '@example.']) {
      expect(text, secret).not.toContain(secret);
    }
    expect(line).toMatchObject({
      message: 'refresh for [email] failed', access_token: '[redacted]', email: '[redacted]', note: 'Authorization: Bearer [redacted] from [email]',
      headers: { Authorization: '[redacted]', accept: 'application/json' },
      error: { code: '23505', detail: 'Key (email)=([email]) already exists.', message: 'duplicate for [email] with [jwt]' },
    });
  });

  it('leaves ids, stack traces through node_modules/@scope paths and empty values as they are', () => {
    expect(redactLogValue('stack', 'at f (/app/node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js:1:2)'))
      .toBe('at f (/app/node_modules/@aws-lambda-powertools/logger/lib/esm/Logger.js:1:2)');
    expect(redactLogValue('userId', '2f1c8a52-5b8e-4a53-9f2e-4f7f6f4b7c11')).toBe('2f1c8a52-5b8e-4a53-9f2e-4f7f6f4b7c11');
    expect(redactLogValue('secretName', 'streamvibe/local/oauth/youtube/abc')).toBe('streamvibe/local/oauth/youtube/abc');
    expect(redactLogValue('token', undefined)).toBeUndefined();
  });
});

describe('functions\' logs through the local stack: the request id and user id, never the token or the email', () => {
  it('a signed-in request\'s lines carry its request id and the caller\'s sub as user_id, and neither its JWT nor the email', async () => {
    const user = await api.signUp({ email: `log-scan-${Date.now()}@example.com` });
    const from = output.length;

    // A rejected request logs once ('request rejected'), as the caller.
    const rejected = await api.request('GET', '/job-status?job_id=not-a-uuid', { token: user.token });
    const me = await api.request('GET', '/me', { token: user.token });

    expect([rejected.status, me.status]).toEqual([400, 200]);
    const lines = logLinesSince(from);
    const rejection = lines.find((l) => l.message === 'request rejected');
    expect(rejection).toMatchObject({ user_id: user.userId, function_request_id: rejected.headers.get('apigw-requestid') });
    const text = output.slice(from).join('');
    expect(text).not.toContain(user.token);
    expect(text).not.toContain(user.token.split('.')[1]);
    expect(text).not.toContain(user.email);
  });

  it('an OAuth connection and its token refresh log no provider token, JWT or email; public requests carry no user_id', async () => {
    const user = await api.signUp({ email: `oauth-scan-${Date.now()}@example.com` });
    const from = output.length;

    const { answer } = await connectAccount(api, 'youtube', user.token, 'log-scan-youtube');
    expect(answer.status).toBe(303);
    const [connection] = await api.db.owner`SELECT id FROM platform_connection WHERE user_id = ${user.userId}`;
    await api.db.owner`UPDATE platform_connection SET token_expires_at = now() + interval '1 minute' WHERE id = ${connection!.id}`;
    for (const token of api.stack.platforms.state.tokens.values()) token.issuedAt -= 25 * 3600 * 1000;
    await api.stack.scheduler.run('token-refresh');
    await waitFor(async () => {
      const [job] = await api.db.owner`SELECT status FROM job_queue WHERE params->>'connection_id' = ${connection!.id}`;
      return job?.status === 'completed';
    });

    const text = output.slice(from).join('');
    expect(text).toContain('platform account connected');
    // A worker's lines name the job, and the job's user by id: none for the system's refresh job, the user for a sync.
    const [job] = await api.db.owner`SELECT id FROM job_queue WHERE params->>'connection_id' = ${connection!.id}`;
    const refreshLine = logLinesSince(from).find((l) => l.message === 'job run succeeded' && l.job_id === job!.id);
    expect(refreshLine).toMatchObject({ job_kind: 'token_refresh' });
    expect(refreshLine!.user_id).toBeUndefined();
    const sync = await api.request('POST', '/sync-youtube', { token: user.token, body: {} });
    expect(sync.status).toBe(202);
    const syncJob = sync.body.job_id as string;
    await waitFor(async () => (await api.db.owner`SELECT status FROM job_queue WHERE id = ${syncJob}`)[0]?.status === 'completed');
    expect(logLinesSince(from).find((l) => l.message === 'job run succeeded' && l.job_id === syncJob))
      .toMatchObject({ user_id: user.userId, job_kind: 'sync_youtube' });
    const tokens = [...api.stack.platforms.state.tokens.keys()];
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of [...tokens, user.token, user.email]) expect(text.includes(token), 'a token or the email is in the logs').toBe(false);
    // The callback is a public route (the cookie binds it to the browser): its line names the user by id, as logged.
    const callback = logLinesSince(from).find((l) => l.message === 'platform account connected');
    expect(callback).toMatchObject({ userId: user.userId });
    expect(callback!.user_id).toBeUndefined();
  });
});
