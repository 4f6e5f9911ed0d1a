import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_my_content'); });
afterAll(async () => { await api?.stop(); });

interface Creator {
  token: string;
  userId: string;
  slug: string;
  accounts: Record<'youtube' | 'tiktok', string>;
}

// On a whole minute an hour ago; sent as text and cast in SQL, so microseconds survive (a Date keeps milliseconds).
const BASE_MS = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
const at = (minutesAgo: number, micros = 0) =>
  new Date(BASE_MS - minutesAgo * 60_000).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);

/** A signed-up, public creator (profile set up) with a YouTube and a TikTok account, written as the sync would (service_role). */
async function creator(name: string, roles: 'admin'[] = []): Promise<Creator> {
  const { token, userId } = await api.signUp({ roles });
  const setup = await api.request('POST', '/auth-profile-setup', { token, body: { display_name: `${name} ${userId.slice(0, 6)}` } });
  expect(setup.status).toBe(200);
  const accounts = await asService(api.db.app, async (tx) => Object.fromEntries(await Promise.all(['youtube', 'tiktok'].map(async (platform) => {
    const [account] = await tx`
      INSERT INTO social_account (user_id, platform_id, platform_account_id, handle, status_id)
      SELECT ${userId}, p.id, ${`acct-${randomUUID()}`}, ${`@${name}`}, (SELECT id FROM account_status WHERE slug = 'active')
      FROM platform p WHERE p.slug = ${platform} RETURNING id`;
    return [platform, account!.id as string];
  }))));
  return { token, userId, slug: setup.body.profile_slug, accounts: accounts as Creator['accounts'] };
}

interface ItemFields {
  title: string;
  description?: string;
  platform?: 'youtube' | 'tiktok';
  type?: string;
  category?: string | null;
  visibility?: 'public' | 'unlisted' | 'private';
  minutesAgo?: number;
  micros?: number;
  views?: number;
  deleted?: boolean;
}

async function item(owner: Creator, fields: ItemFields): Promise<string> {
  const [row] = await asService(api.db.app, (tx) => tx`
    INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description,
                              url, category_code, visibility, published_at, views_count, deleted_at)
    SELECT sa.id, sa.user_id, sa.platform_id, (SELECT id FROM content_type WHERE slug = ${fields.type ?? 'long_video'}),
           ${`pc-${randomUUID()}`}, ${fields.title}, ${fields.description ?? ''}, 'https://watch.example.com/v',
           ${fields.category === undefined ? 'gaming' : fields.category}, ${fields.visibility ?? 'public'},
           ${at(fields.minutesAgo ?? 0, fields.micros)}::text::timestamptz, ${fields.views ?? 0}, ${fields.deleted ? new Date() : null}
    FROM social_account sa WHERE sa.id = ${owner.accounts[fields.platform ?? 'youtube']}
    RETURNING id`);
  return row!.id;
}

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id).sort();
const list = (who: Creator, query = '') => api.request('GET', `/my-content${query}`, { token: who.token });
const patch = (who: Creator, body: unknown) => api.request('PATCH', '/my-content', { token: who.token, body });
const remove = (who: Creator, id: string) => api.request('DELETE', `/my-content?content_id=${id}`, { token: who.token });
const revisionsOf = (id: string) => asService(api.db.app, (tx) => tx`
  SELECT revision_number, title, description, visibility, change_source, changed_by FROM content_revision
  WHERE content_item_id = ${id} ORDER BY revision_number`);
const rowOf = async (id: string) => (await asService(api.db.app, (tx) => tx`
  SELECT title, description, visibility, category_code, deleted_at, user_edited_fields FROM content_item WHERE id = ${id}`))[0]!;
const discoverable = async (who: Creator) => ids((await api.request('GET', `/browse-content?creator_slug=${who.slug}&limit=100`)).body);

describe('GET /my-content: the caller’s own items, whatever their visibility', () => {
  let owner: Creator;
  let other: Creator;
  const item_ = {} as Record<'video' | 'short' | 'privateTikTok' | 'unlisted' | 'deleted' | 'music' | 'othersPublic', string>;
  beforeAll(async () => {
    [owner, other] = [await creator('owner'), await creator('other')];
    item_.video = await item(owner, { title: 'Minecraft survival tutorial', description: 'Build a base on day one', minutesAgo: 1, views: 50 });
    item_.short = await item(owner, { title: 'Speedrun shorts', type: 'short_video', minutesAgo: 2, views: 500 });
    item_.privateTikTok = await item(owner, { title: 'Private draft', platform: 'tiktok', visibility: 'private', minutesAgo: 3, views: 5 });
    item_.unlisted = await item(owner, { title: 'Unlisted preview', visibility: 'unlisted', minutesAgo: 4, category: 'comedy' });
    item_.deleted = await item(owner, { title: 'Deleted take', deleted: true, minutesAgo: 5 });
    item_.music = await item(owner, { title: 'Guitar cover (100% acoustic)', category: 'music', minutesAgo: 6, views: 90 });
    item_.othersPublic = await item(other, { title: 'Minecraft survival tutorial', minutesAgo: 1 });
  });

  it('lists private and unlisted items of the caller, newest first, never another user’s, and deleted ones only with include_deleted', async () => {
    const res = await list(owner);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(
      [item_.video, item_.short, item_.privateTikTok, item_.unlisted, item_.music]);
    expect(res.body.items[2]).toMatchObject({ platform: 'tiktok', social_account_id: owner.accounts.tiktok, type: 'long_video',
      title: 'Private draft', visibility: 'private', category: 'gaming', deleted_at: null, views_count: 5, tags: [] });
    expect(res.body.page).toEqual({ limit: 20, has_more: false, next_cursor: null });

    const withDeleted = await list(owner, '?include_deleted=true');
    expect(ids(withDeleted.body)).toEqual(Object.entries(item_).filter(([k]) => k !== 'othersPublic').map(([, v]) => v).sort());
    expect(withDeleted.body.items.find((i: { id: string }) => i.id === item_.deleted).deleted_at).toEqual(expect.any(String));
  });

  it('filters by platform, account, visibility, category, content type and text', async () => {
    const cases: [string, string[]][] = [
      ['?platform=tiktok', [item_.privateTikTok]],
      [`?social_account_id=${owner.accounts.tiktok}`, [item_.privateTikTok]],
      [`?social_account_id=${owner.accounts.youtube}`, [item_.video, item_.short, item_.unlisted, item_.music]],
      // Another user's account: no rows, not their items.
      [`?social_account_id=${other.accounts.youtube}`, []],
      ['?visibility=private', [item_.privateTikTok]],
      ['?visibility=unlisted', [item_.unlisted]],
      ['?category=comedy', [item_.unlisted]],
      ['?type=short_video', [item_.short]],
      ['?q=minecraft', [item_.video]],
      ['?q=base', [item_.video]],                   // a word of the description (full-text)
      ['?q=speedr', [item_.short]],                  // part of a title
      [`?q=${encodeURIComponent('100%')}`, [item_.music]], // % is literal, not a wildcard
      ['?q=_', []],
      ['?q=deleted', []],
      ['?q=deleted&include_deleted=true', [item_.deleted]],
      ['?platform=youtube&visibility=public&category=gaming', [item_.video, item_.short]],
    ];
    for (const [query, expected] of cases) {
      const res = await list(owner, query);
      expect(res.status, query).toBe(200);
      expect(ids(res.body), query).toEqual([...expected].sort());
    }
  });

  it('sorts by views, most first', async () => {
    const res = await list(owner, '?sort=views');
    expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([item_.short, item_.music, item_.video, item_.privateTikTok, item_.unlisted]);
  });

  it('shows the owner private, unlisted and deleted items that discovery never shows', async () => {
    expect(await discoverable(owner)).toEqual([item_.video, item_.short, item_.music].sort());
    expect(ids((await list(owner, '?include_deleted=true')).body)).toEqual(expect.arrayContaining([item_.privateTikTok, item_.unlisted, item_.deleted]));
  });

  it('gives an admin their own items only (the read policy would show them everyone’s)', async () => {
    const admin = await creator('admin', ['admin']);
    const mine = await item(admin, { title: 'Admin’s own video' });
    expect(ids((await list(admin, '?include_deleted=true&limit=100')).body)).toEqual([mine]);
  });

  it('answers 401 without a token and 400 for bad parameters, naming them', async () => {
    expect((await api.request('GET', '/my-content')).status).toBe(401);
    const bad: [string, string][] = [
      ['?limit=0', 'limit'], ['?limit=101', 'limit'], ['?visibility=secret', 'visibility'], ['?social_account_id=nope', 'social_account_id'],
      ['?sort=title', 'sort'], ['?category=Gaming!', 'category'], ['?platform=You%20Tube', 'platform'], ['?include_deleted=yes', 'include_deleted'],
      [`?q=${'x'.repeat(201)}`, 'q'], ['?q=%20%20', 'q'], ['?cursor=not%20a%20cursor', 'cursor'],
    ];
    for (const [query, path] of bad) {
      const res = await list(owner, query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path), query).toContain(path);
    }
    for (const cursor of ['eyJ4IjoxfQ', Buffer.from(JSON.stringify(['views', '1', 'x'])).toString('base64url')]) {
      const res = await list(owner, `?cursor=${cursor}`);
      expect([res.status, res.body.error.code], cursor).toEqual([400, 'bad_request']);
    }
  });
});

describe('GET /my-content pages with keyset cursors', () => {
  it('walks every item exactly once, in order, across pages, by date and by views, with ties broken by id', async () => {
    const pager = await creator('pager');
    const created: { id: string; minutesAgo: number; micros: number; views: number }[] = [];
    for (let i = 0; i < 23; i += 1) {
      // Groups of three share a minute: two exact ties, one microseconds apart (a millisecond cursor would skip or repeat it).
      const fields = { minutesAgo: Math.floor(i / 3), micros: i % 3 === 2 ? 7 : 5, views: 10 * (i % 4) };
      created.push({ id: await item(pager, { title: `Episode ${i}`, visibility: i % 5 === 0 ? 'private' : 'public', ...fields }), ...fields });
    }
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? 1 : -1);
    const expected = {
      published_at: [...created].sort((a, b) => a.minutesAgo - b.minutesAgo || b.micros - a.micros || byId(a, b)).map((c) => c.id),
      views: [...created].sort((a, b) => b.views - a.views || byId(a, b)).map((c) => c.id),
    };
    for (const sort of ['published_at', 'views'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await list(pager, `?sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((i: { id: string }) => i.id));
        cursor = res.body.page.next_cursor;
        expect(res.body.page.has_more).toBe(cursor !== null);
        pages += 1;
      } while (cursor);
      expect(pages, sort).toBe(6);
      expect(seen, sort).toEqual(expected[sort]);
    }
  });
});

describe('PATCH /my-content', () => {
  let owner: Creator;
  let other: Creator;
  beforeAll(async () => { [owner, other] = [await creator('editor'), await creator('stranger')]; });

  it('changes the title and records exactly one revision (the previous version, by the caller as a user), and one per later change', async () => {
    const id = await item(owner, { title: 'Platform title', description: 'Platform description' });
    const res = await patch(owner, { content_id: id, title: '  My better title  ' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, title: 'My better title', description: 'Platform description' });
    expect(await revisionsOf(id)).toEqual([{ revision_number: 1, title: 'Platform title', description: 'Platform description',
      visibility: 'public', change_source: 'user', changed_by: owner.userId }]);

    // Title and description together: one UPDATE, one revision. The same text again: no change, no revision.
    await patch(owner, { content_id: id, title: 'Third title', description: 'My description' });
    await patch(owner, { content_id: id, title: 'Third title' });
    const revisions = await revisionsOf(id);
    expect(revisions.map((r) => [r.revision_number, r.title, r.description])).toEqual([
      [1, 'Platform title', 'Platform description'], [2, 'My better title', 'Platform description']]);
    expect((await rowOf(id)).title).toBe('Third title');
  });

  it('marks what the user edited so a sync keeps it: the sync’s upsert rule keeps the user’s title and takes the platform’s other fields', async () => {
    const id = await item(owner, { title: 'Platform title', description: 'Platform description' });
    await patch(owner, { content_id: id, title: 'Creator’s title', visibility: 'unlisted' });
    expect((await rowOf(id)).user_edited_fields).toEqual(['title', 'visibility']);

    // What the sync must do (db/migrations/013): keep a marked field in the upsert statement itself. A service write marks nothing.
    await asService(api.db.app, (tx) => tx`
      UPDATE content_item c SET
        title = CASE WHEN 'title' = ANY(c.user_edited_fields) THEN c.title ELSE 'Renamed on the platform' END,
        description = CASE WHEN 'description' = ANY(c.user_edited_fields) THEN c.description ELSE 'New platform description' END,
        visibility = CASE WHEN 'visibility' = ANY(c.user_edited_fields) THEN c.visibility ELSE 'public' END
      WHERE c.id = ${id}`);
    expect(await rowOf(id)).toMatchObject({ title: 'Creator’s title', description: 'New platform description', visibility: 'unlisted',
      user_edited_fields: ['title', 'visibility'] });
    // The service's change is a system revision, not the user's.
    expect((await revisionsOf(id)).map((r) => [r.change_source, r.changed_by])).toEqual([['user', owner.userId], ['system', null]]);
  });

  it('replaces the caller’s own tags (lower case, trimmed, deduplicated) and keeps the platform’s and the AI’s', async () => {
    const id = await item(owner, { title: 'Tagged' });
    await asService(api.db.app, (tx) => tx`INSERT INTO content_tag (content_id, tag, source) VALUES
      (${id}, 'minecraft', 'platform'), (${id}, 'survival', 'ai_generated'), (${id}, 'old-user-tag', 'user')`);
    const tagsOf = (body: { tags: { tag: string; source: string }[] }) => body.tags.map((t) => `${t.source}:${t.tag}`);

    const res = await patch(owner, { content_id: id, tags: ['Speedrun', ' speedrun ', 'Lo Fi', 'MINECRAFT'] });
    expect(res.status).toBe(200);
    // minecraft is already the platform's: kept once, as the platform's.
    expect(tagsOf(res.body)).toEqual(['user:lo fi', 'user:speedrun', 'ai_generated:survival', 'platform:minecraft']);

    const cleared = await patch(owner, { content_id: id, tags: [] });
    expect(tagsOf(cleared.body)).toEqual(['ai_generated:survival', 'platform:minecraft']);
    expect(tagsOf((await list(owner, '?q=tagged')).body.items[0])).toEqual(['ai_generated:survival', 'platform:minecraft']);
    expect(await revisionsOf(id), 'tags are no revision').toEqual([]);
  });

  it('takes a visibility change into discovery: a public item made private leaves /browse-content, and back', async () => {
    const id = await item(owner, { title: 'Going private' });
    expect(await discoverable(owner)).toContain(id);
    expect((await patch(owner, { content_id: id, visibility: 'private' })).body.visibility).toBe('private');
    expect(await discoverable(owner)).not.toContain(id);
    expect((await api.request('GET', `/get-content-detail?id=${id}`)).status).toBe(404);
    await patch(owner, { content_id: id, visibility: 'public' });
    expect(await discoverable(owner)).toContain(id);
  });

  it('sets and clears the category; an unknown category is a 400 naming it', async () => {
    const id = await item(owner, { title: 'Categorised' });
    expect((await patch(owner, { content_id: id, category: 'music' })).body.category).toBe('music');
    expect((await patch(owner, { content_id: id, category: null })).body.category).toBeNull();
    const unknown = await patch(owner, { content_id: id, category: 'knitting' });
    expect([unknown.status, unknown.body.error.details]).toEqual([400, [{ path: 'category', message: 'Unknown category' }]]);
  });

  it('answers 404 for another user’s item (an admin’s too) and for no item, changing nothing; 409 for a deleted one', async () => {
    const theirs = await item(other, { title: 'Not yours' });
    const admin = await creator('patch-admin', ['admin']);
    for (const [who, id] of [[owner, theirs], [admin, theirs], [owner, randomUUID()]] as const) {
      const res = await patch(who, { content_id: id, title: 'Hijacked', tags: ['x'] });
      expect([res.status, res.body.error.code]).toEqual([404, 'not_found']);
    }
    expect((await rowOf(theirs)).title).toBe('Not yours');
    expect(await revisionsOf(theirs)).toEqual([]);

    const deleted = await item(owner, { title: 'Gone', deleted: true });
    const res = await patch(owner, { content_id: deleted, title: 'Back?' });
    expect([res.status, res.body.error.code]).toEqual([409, 'conflict']);
  });

  it('rejects bad input with 400 and its details, before any change', async () => {
    const id = await item(owner, { title: 'Stays' });
    const cases: unknown[] = [
      {}, { content_id: id }, { content_id: 'not-a-uuid', title: 'x' }, { content_id: id, title: '' }, { content_id: id, title: '   ' },
      { content_id: id, title: 'x'.repeat(501) }, { content_id: id, description: 'x'.repeat(10_001) },
      { content_id: id, visibility: 'secret' }, { content_id: id, category: 'Not A Code' },
      { content_id: id, tags: Array.from({ length: 31 }, (_, i) => `t${i}`) }, { content_id: id, tags: ['x'.repeat(51)] },
      { content_id: id, tags: [''] }, { content_id: id, tags: ['a\nb'] }, { content_id: id, tags: 'gaming' },
      { content_id: id, title: 'x', user_id: other.userId }, { content_id: id, title: 'x', views_count: 1e9 },
    ];
    for (const body of cases) {
      const res = await patch(owner, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await rowOf(id)).toMatchObject({ title: 'Stays', user_edited_fields: [] });
    expect((await api.request('PATCH', '/my-content', { body: { content_id: id, title: 'x' } })).status).toBe(401);
  });

  it('takes the limits themselves: a 500-character title, a 10,000-character description, 30 tags of 50 characters', async () => {
    const id = await item(owner, { title: 'Limits' });
    const tags = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}${'t'.repeat(48)}`);
    const res = await patch(owner, { content_id: id, title: 'é'.repeat(500), description: 'd'.repeat(10_000), tags });
    expect(res.status).toBe(200);
    expect(res.body.tags).toHaveLength(30);
  });
});

describe('DELETE /my-content', () => {
  let owner: Creator;
  let other: Creator;
  beforeAll(async () => { [owner, other] = [await creator('deleter'), await creator('bystander')]; });

  it('soft-deletes: gone from the list and from discovery, listed with include_deleted, the row and its history kept', async () => {
    const id = await item(owner, { title: 'To archive' });
    await patch(owner, { content_id: id, title: 'Renamed before archiving' });
    const res = await remove(owner, id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, already_deleted: false });
    expect(ids((await list(owner)).body)).not.toContain(id);
    expect(await discoverable(owner)).not.toContain(id);
    const archived = (await list(owner, '?include_deleted=true')).body.items.find((i: { id: string }) => i.id === id);
    expect(archived).toMatchObject({ title: 'Renamed before archiving', deleted_at: res.body.deleted_at });
    expect((await rowOf(id)).deleted_at).not.toBeNull();
    expect(await revisionsOf(id)).toHaveLength(1);
  });

  it('is idempotent: deleting again answers 200 with the first deleted_at', async () => {
    const id = await item(owner, { title: 'Twice' });
    const first = await remove(owner, id);
    const second = await remove(owner, id);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id, deleted_at: first.body.deleted_at, already_deleted: true });
  });

  it('answers 404 for another user’s item and for no item (deleting nothing), 400 for a malformed or missing id', async () => {
    const theirs = await item(other, { title: 'Keep out' });
    for (const id of [theirs, randomUUID()]) {
      const res = await remove(owner, id);
      expect([res.status, res.body.error.code], id).toEqual([404, 'not_found']);
    }
    expect((await rowOf(theirs)).deleted_at).toBeNull();
    for (const query of ['?content_id=42', '']) {
      const res = await api.request('DELETE', `/my-content${query}`, { token: owner.token });
      expect([res.status, res.body.error.code], query).toEqual([400, 'validation_failed']);
    }
    expect((await api.request('DELETE', `/my-content?content_id=${theirs}`)).status).toBe(401);
  });
});
