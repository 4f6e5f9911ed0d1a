import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

let api: TestApi;
let world: DiscoveryWorld;
beforeAll(async () => {
  api = await startTestApi('api_discovery_search');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 5 });
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const get = (path: string) => api.request('GET', path);
const search = (query: string) => get(`/search-content?${query}`);

/** Discoverable items matching a websearch query, in an order, computed by PostgreSQL from the fixture. */
const expectedMatches = async (q: string, order: string) => (await service((tx) => tx.unsafe(`
  SELECT c.id FROM content_item c
  WHERE c.id = ANY($1::uuid[]) AND c.search_vector @@ websearch_to_tsquery('english', $2)
  ORDER BY ${order}`, [world.discoverable, q]))).map((r) => r.id as string);

async function walk(path: string, mode: 'cursor' | 'offset', limit: number) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let offset = 0, pages = 0; pages < 100; pages += 1, offset += limit) {
    const res = await get(`${path}&limit=${limit}${mode === 'cursor' ? (cursor ? `&cursor=${cursor}` : '') : `&offset=${offset}`}`);
    expect(res.status, res.text).toBe(200);
    seen.push(...res.body.items.map((i: any) => i.id));
    if (!res.body.page.has_more) return seen;
    cursor = res.body.page.next_cursor;
  }
  throw new Error('too many pages');
}

describe('GET /search-content', () => {
  it('ranks matches by relevance (title hits above description hits) and never returns hidden items', async () => {
    const res = await search('q=minecraft');
    expect(res.status).toBe(200);
    const ids = res.body.items.map((i: any) => i.id);
    expect(ids[0]).toBe(world.items.minecraft);
    expect(new Set(ids)).toEqual(new Set(await expectedMatches('minecraft', 'c.id')));
    for (const hidden of world.hidden) expect(ids).not.toContain(hidden);
    expect(res.body).toMatchObject({ did_you_mean: null, results_for: 'minecraft' });
    const scores = res.body.items.map((i: any) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('understands websearch syntax: phrases, OR and exclusion', async () => {
    const ids = async (q: string) => (await search(`q=${encodeURIComponent(q)}&limit=100`)).body.items.map((i: any) => i.id).sort();
    expect(await ids('"guitar cover"')).toEqual([world.items.guitar]);
    expect(await ids('python or guitar')).toEqual([world.items.python, world.items.guitar].sort());
    expect(await ids('tutorial -python')).toEqual([world.items.minecraft]);
  });

  for (const sort of ['relevance', 'recent', 'popular'] as const) {
    for (const mode of ['cursor', 'offset'] as const) {
      it(`walks every page of a ${sort} search by ${mode}, with no duplicate and no gap`, async () => {
        // "highlights" matches 36 items whose timestamps, views and (identical) ranks tie in groups.
        const order = sort === 'relevance' ? 'ts_rank(c.search_vector, websearch_to_tsquery(\'english\', $2))::float8 DESC, c.id DESC'
          : sort === 'recent' ? 'c.published_at DESC, c.id DESC' : 'c.views_count DESC, c.id DESC';
        const expected = await expectedMatches('highlights', order);
        expect(expected).toHaveLength(36);
        expect(await walk(`/search-content?q=highlights&sort=${sort}`, mode, 5)).toEqual(expected);
      });
    }
  }

  it('applies the browse filters', async () => {
    const ids = async (query: string) => (await search(`q=tutorial&limit=100&${query}`)).body.items.map((i: any) => i.id);
    expect(await ids('category=education')).toEqual([world.items.python]);
    expect(await ids(`creator_slug=${world.users.alice.slug}`)).toEqual([world.items.minecraft]);
    expect(await ids('content_type=short_video')).toEqual([world.items.python]);
    expect(await ids('platform=tiktok')).toEqual([]);
  });

  it('answers a misspelt query with did_you_mean and the corrected query’s results', async () => {
    const res = await search('q=minecarft%20tutorail');
    expect(res.status).toBe(200);
    expect(res.body.did_you_mean).toBe('minecraft tutorial');
    expect(res.body.results_for).toBe('minecraft tutorial');
    expect(res.body.items.map((i: any) => i.id)).toEqual([world.items.minecraft]);
    const kept = await search(`q=${encodeURIComponent('"Pyhton" -zzzz')}`);
    expect(kept.body.did_you_mean).toBe('"python" -zzzz');
  });

  it('never suggests a word that only private, unlisted, deleted or hidden creators’ content contains', async () => {
    const res = await search('q=zanzibarqux');
    expect(res.body).toMatchObject({ items: [], did_you_mean: null, results_for: 'zanzibarqux' });
    const lexicon = await service((tx) => tx`SELECT word FROM search.lexicon WHERE word IN ('zanzibarquux', 'draft', 'preview', 'take')`);
    expect(lexicon).toEqual([]);
  });

  it('learns new words when the lexicon is refreshed', async () => {
    expect((await search('q=speedrunnig')).body.did_you_mean).toBeNull();
    await service((tx) => tx`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, category_code)
      SELECT sa.id, sa.user_id, sa.platform_id, ct.id, 'speedrun-1', 'Speedrunning world record', 'gaming'
      FROM social_account sa, content_type ct WHERE sa.user_id = ${world.users.alice.id} AND ct.slug = 'long_video' LIMIT 1`);
    await service((tx) => tx`SELECT search.refresh_lexicon()`);
    const res = await search('q=speedrunnig');
    expect(res.body.did_you_mean).toBe('speedrunning');
    expect(res.body.items).toHaveLength(1);
  });

  it('returns nothing (not an error) for a query of stop words or punctuation', async () => {
    for (const q of ['the', '!!!', '"" -']) {
      const res = await search(`q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      expect(res.body.items).toEqual([]);
    }
  });
});

describe('GET /search-creators', () => {
  it('matches name, slug and bio words, public creators only', async () => {
    const slugs = async (q: string) => (await get(`/search-creators?q=${encodeURIComponent(q)}`)).body.items.map((c: any) => c.profile_slug);
    expect(await slugs('alice')).toEqual([world.users.alice.slug]);
    expect(await slugs('beats')).toEqual([world.users.bob.slug]);
    expect(await slugs('guitar covers')).toEqual([world.users.bob.slug]);
    expect(await slugs('minecraft')).toEqual([world.users.alice.slug]);  // carol's bio says minecraft too: private
    expect(await slugs('carol')).toEqual([]);
    expect(await slugs('dave')).toEqual([]);
  });

  it('tolerates a typo in a name (trigram word similarity) and ranks the closest first', async () => {
    const res = await get('/search-creators?q=Alise');
    expect(res.status).toBe(200);
    expect(res.body.items[0].profile_slug).toBe(world.users.alice.slug);
    expect(res.body.items[0].score).toBeGreaterThan(0);
    expect(Object.keys(res.body.items[0])).not.toContain('email');
  });

  it('filters and pages (cursor and offset agree)', async () => {
    const all = (await get('/search-creators?q=creator&limit=100')).body.items.map((c: any) => c.profile_slug);
    expect(all.length).toBe(5);
    const byCursor: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`/search-creators?q=creator&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      byCursor.push(...page.body.items.map((c: any) => c.profile_slug));
      cursor = page.body.page.next_cursor;
    } while (cursor);
    expect(byCursor).toEqual(all);
    const byOffset = [0, 2, 4].map((o) => get(`/search-creators?q=creator&limit=2&offset=${o}`));
    expect((await Promise.all(byOffset)).flatMap((r) => r.body.items.map((c: any) => c.profile_slug))).toEqual(all);
    expect((await get('/search-creators?q=gamer&verified_only=true')).body.items.map((c: any) => c.profile_slug)).toEqual([world.users.alice.slug]);
    expect((await get('/search-creators?q=beats&category=gaming')).body.items).toEqual([]);
    expect((await get('/search-creators?q=beats&min_followers=60000')).body.items).toEqual([]);
  });
});

describe('the original StreamVibe API’s parameter names: query for q, sort_by for sort', () => {
  const body = async (path: string) => {
    const res = await get(path);
    expect(res.status, `${path}: ${res.text}`).toBe(200);
    return res.body;
  };

  it('answers /search-content and /search-creators with query= exactly as with q=', async () => {
    expect(await body('/search-content?query=minecraft&limit=5')).toEqual(await body('/search-content?q=minecraft&limit=5'));
    expect(await body('/search-content?query=vidoe&sort=recent')).toEqual(await body('/search-content?q=vidoe&sort=recent'));
    expect(await body('/search-creators?query=alice')).toEqual(await body('/search-creators?q=alice'));
    expect((await body('/search-creators?query=alice')).items.map((c: any) => c.profile_slug)).toEqual([world.users.alice.slug]);
  });

  it('answers /browse-content with sort_by= exactly as with sort=', async () => {
    for (const sort of ['recent', 'popular', 'trending']) {
      expect(await body(`/browse-content?sort_by=${sort}&limit=7`), sort).toEqual(await body(`/browse-content?sort=${sort}&limit=7`));
    }
  });

  it('refuses both names at once, and a search with neither, with a 400 naming the two', async () => {
    for (const path of ['/search-content?q=minecraft&query=minecraft', '/search-content', '/search-content?limit=5',
      '/search-creators?q=alice&query=alice', '/search-creators', '/browse-content?sort=recent&sort_by=popular']) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code, path).toBe('validation_failed');
      const [name, alias] = path.startsWith('/browse') ? ['sort', 'sort_by'] : ['q', 'query'];
      expect(res.body.error.details, path).toContainEqual({ path: name, message: `send exactly one of ${name} and ${alias} (${alias} is the original API's name for ${name})` });
    }
    expect((await get('/search-content?query=%20')).status).toBe(400); // the alias is validated as q is
    expect((await get('/browse-content?sort_by=random')).status).toBe(400);
  });
});
