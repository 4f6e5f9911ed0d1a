import { expect } from 'vitest';
import type { Platform } from '../functions/oauth/providers/port.ts';
import type { TestApi } from './api.ts';

const unescapeHtml = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
  .replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/**
 * What a person does on a provider's (sandbox) consent page: opens the authorize URL, types a login and clicks
 * Allow or Cancel. Returns where the provider redirects the browser (the callback URL, with code and state).
 */
export async function consent(authorizationUrl: string, options: { login: string; decision?: 'allow' | 'deny' }): Promise<URL> {
  const page = await fetch(authorizationUrl);
  const html = await page.text();
  expect(page.status, html.slice(0, 300)).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no consent form on ${authorizationUrl}`);
  const form = new URLSearchParams([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)]
    .map(([, name, value]) => [unescapeHtml(name!), unescapeHtml(value!)]));
  form.set('login', options.login);
  form.set('decision', options.decision ?? 'allow');
  const answer = await fetch(new URL(unescapeHtml(action), authorizationUrl), {
    method: 'POST', body: form, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(answer.status, await answer.text()).toBe(302);
  return new URL(answer.headers.get('location')!);
}

/** The browser-binding cookie the init answer set, as a browser would send it back: `name=value`. */
export const cookieOf = (setCookie: string | null) => setCookie?.split(';')[0] ?? '';

export interface StartedFlow {
  authorizationUrl: string;
  state: string;
  cookie: string;
}

/** GET /oauth-<platform>-init as the user. */
export async function startFlow(api: TestApi, platform: Platform, token: string): Promise<StartedFlow> {
  const init = await api.request('GET', `/oauth-${platform}-init`, { token });
  expect(init.status, init.text).toBe(200);
  return { authorizationUrl: init.body.authorization_url, state: init.body.state, cookie: cookieOf(init.headers.get('set-cookie')) };
}

/** The provider's redirect, followed to our callback with the browser's cookie: where the callback sends the browser. */
export async function followCallback(api: TestApi, callback: URL, cookie: string | undefined) {
  const answer = await api.request('GET', `${callback.pathname}${callback.search}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  expect(answer.status, answer.text).toBe(303);
  return { answer, landing: new URL(answer.headers.get('location')!) };
}

/** The whole connect journey for one account: init, consent as `login`, callback. */
export async function connectAccount(api: TestApi, platform: Platform, token: string, login: string) {
  const flow = await startFlow(api, platform, token);
  const callback = await consent(flow.authorizationUrl, { login });
  return { flow, callback, ...await followCallback(api, callback, flow.cookie) };
}
