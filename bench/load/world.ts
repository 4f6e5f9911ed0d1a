import { randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';

/** A signed-in creator of the load's world: their token and the ids their reads use. */
export interface LoadUser {
  token: string;
  slug: string;
  contentIds: string[];
  jobIds: string[];
}

const PASSWORD = 'load test password';

async function call(url: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const { token, json, ...rest } = init;
  const response = await fetch(url, {
    redirect: 'manual', ...rest,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...rest.headers as Record<string, string> },
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text.slice(0, 200)}`);
  return { response, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, any> };
}

/**
 * Creators as a person makes them, over HTTP only (so `npm run bench:load` and the test build the same world): sign up
 * and in, a profile, premium (owner SQL: what a Stripe event would do), a YouTube account connected through the
 * sandbox's consent page, and a full sync of its `items` items, waited for.
 */
export async function loadWorld(baseUrl: string, owner: Sql, creators: number, items: number): Promise<LoadUser[]> {
  return Promise.all(Array.from({ length: creators }, async (_, i) => {
    const email = `load-${randomUUID()}@example.com`;
    const { body: signedUp } = await call(`${baseUrl}/auth/sign-up`, { method: 'POST', json: { email, password: PASSWORD } });
    const token = (await call(`${baseUrl}/auth/sign-in`, { method: 'POST', json: { email, password: PASSWORD } })).body.id_token as string;
    await call(`${baseUrl}/auth-profile-setup`, { method: 'POST', token, json: { display_name: `Load Creator ${i + 1}`, primary_category: 'gaming' } });
    await owner`
      INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${signedUp.userSub as string}, t.id, s.id
      FROM subscription_tier t, subscription_status s WHERE t.slug = 'premium' AND s.slug = 'active'`;
    // OAuth: init, the consent page's form as a person submits it, and the callback with the browser's cookie.
    const init = await call(`${baseUrl}/oauth-youtube-init`, { token });
    const cookie = init.response.headers.get('set-cookie')?.split(';')[0] ?? '';
    const page = (await call(init.body.authorization_url)).text;
    const form = new URLSearchParams([...page.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)]
      .map(([, name, value]) => [name!, value!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))]));
    form.set('login', `items-${items + i}`);
    form.set('decision', 'allow');
    const consented = await call(init.body.authorization_url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await call(consented.response.headers.get('location')!, { headers: { cookie } });
    const job = (await call(`${baseUrl}/sync-youtube`, { method: 'POST', token, json: { full: true } })).body.job_id as string;
    for (let waited = 0; (await call(`${baseUrl}/job-status?job_id=${job}`, { token })).body.status !== 'completed'; waited += 200) {
      if (waited > 60_000) throw new Error(`the sync of creator ${i + 1} did not complete`);
      await new Promise((resume) => setTimeout(resume, 200));
    }
    const [me] = await owner`SELECT profile_slug FROM users WHERE id = ${signedUp.userSub as string}`;
    const content = (await call(`${baseUrl}/my-content?limit=50`, { token })).body.items as { id: string }[];
    return { token, slug: me!.profile_slug as string, contentIds: content.map((c) => c.id), jobIds: [job] };
  }));
}
