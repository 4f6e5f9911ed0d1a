import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asService } from '../db/context.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

// 008: recency lists (search.term_posting) for common terms, used by search_content_candidates for one-term,
// newest-first, unfiltered queries. Every answer is compared with the plain SQL definition of "the newest N
// discoverable matches".

let db: TestDatabase;
const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);

const TERM = 'zebra';
const MIN_NDOC = 50;   // the term is in ~400 of ~4,400 public items: common (>= 50, <= 10%)
const KEEP = 200;      // the smallest list the refresh allows, so the lists get trimmed

async function creator(isPublic: boolean) {
  const userId = randomUUID();
  const accountId = randomUUID();
  await service(async (tx) => {
    await tx`INSERT INTO users (id, email, is_public) VALUES (${userId}, ${`${userId}@example.com`}, ${isPublic})`;
    await tx`INSERT INTO social_account (id, user_id, platform_id, platform_account_id, status_id)
             SELECT ${accountId}, ${userId}, p.id, ${`acct-${accountId}`}, s.id
             FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'`;
  });
  return accountId;
}

/** `count` items in one statement (one trigger call): title "<prefix> n", published `n` hours + offset ago. */
const items = (accountId: string, count: number, title: string, fields: { offsetHours?: number; every?: number; visibility?: string;
  deleted?: boolean } = {}) => service((tx) => tx`
  INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, published_at,
                            visibility, deleted_at, category_code)
  SELECT sa.id, sa.user_id, sa.platform_id, ct.id, ${randomUUID()} || '-' || n, ${title} || ' ' || n,
         now() - make_interval(hours => n * ${fields.every ?? 1} + ${fields.offsetHours ?? 0}),
         ${fields.visibility ?? 'public'}, ${fields.deleted ? new Date() : null}, 'gaming'
  FROM social_account sa, content_type ct, generate_series(1, ${count}) n
  WHERE sa.id = ${accountId} AND ct.slug = 'long_video'`);

const candidates = (q: string, limit: number) => service(async (tx) =>
  (await tx<{ id: string }[]>`SELECT id FROM search_content_candidates(${q}, 'recent', ${limit}) ORDER BY published_at DESC, id DESC`)
    .map((r) => r.id));
/** The definition: newest public, live matches of a public, live creator. */
const expected = (q: string, limit: number) => service(async (tx) => (await tx<{ id: string }[]>`
  SELECT c.id FROM content_item c JOIN users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
  WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND c.search_vector @@ websearch_to_tsquery('english', ${q})
  ORDER BY c.published_at DESC, c.id DESC LIMIT ${limit}`).map((r) => r.id));
const refresh = () => service(async (tx) => (await tx`SELECT search.refresh_common_terms(${MIN_NDOC}, ${KEEP}) AS n`)[0]!.n as number);
const term = (lexeme: string) => service(async (tx) =>
  (await tx<{ horizon: Date; postings: number }[]>`
    SELECT t.horizon, (SELECT count(*)::int FROM search.term_posting p WHERE p.lexeme = t.lexeme) AS postings
    FROM search.common_term t WHERE t.lexeme = ${lexeme}`)[0]);
/** Public, live items with the lexeme published after its horizon that have no posting: must always be none. */
const missingPostings = (lexeme: string) => service(async (tx) => (await tx<{ n: number }[]>`
  SELECT count(*)::int AS n FROM content_item c JOIN search.common_term t ON t.lexeme = ${lexeme}
  WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND c.published_at > t.horizon
    AND c.search_vector @@ (${`'${lexeme}'`})::tsquery
    AND NOT EXISTS (SELECT 1 FROM search.term_posting p WHERE p.lexeme = t.lexeme AND p.item_id = c.id AND p.published_at = c.published_at)`)[0]!.n);

let publicAccount: string;
beforeAll(async () => {
  db = await createTestDatabase('term_postings', { max: 30 });
  publicAccount = await creator(true);
  const hiddenAccount = await creator(false);
  await items(publicAccount, 4000, 'Speedrun practice session');
  // The term: 360 public items every 10 h, interleaved with private, deleted and hidden-creator ones.
  await items(publicAccount, 360, 'Zebra documentary', { every: 10 });
  await items(publicAccount, 60, 'Zebra private cut', { every: 10, offsetHours: 3, visibility: 'private' });
  await items(publicAccount, 60, 'Zebra removed cut', { every: 10, offsetHours: 5, deleted: true });
  await items(hiddenAccount, 60, 'Zebra hidden creator', { every: 10, offsetHours: 7 });
  expect(await refresh()).toBeGreaterThan(0);
});
afterAll(async () => { await db?.drop(); });

describe('common terms and their lists', () => {
  it('lists the common term with a trimmed, complete list', async () => {
    const zebra = await term(TERM);
    expect(zebra).toBeDefined();
    expect(zebra!.horizon.getTime()).toBeGreaterThan(0);   // trimmed: 360 public postings > KEEP
    expect(zebra!.postings).toBeGreaterThanOrEqual(KEEP);
    expect(zebra!.postings).toBeLessThan(360);
    expect(await missingPostings(TERM)).toBe(0);
    // Terms in more than 10% of the items walk fast without a list ("speedrun": every item).
    expect(await term('speedrun')).toBeUndefined();
  });

  it('answers a one-term query from the list exactly as the definition does, and past the horizon too', async () => {
    for (const limit of [1, 20, 200, 1000]) expect(await candidates(TERM, limit)).toEqual(await expected(TERM, limit));
    expect(await candidates('zebras', 200)).toEqual(await expected('zebras', 200));   // same stem
    expect((await candidates(TERM, 1000)).length).toBe(360);
  });

  it('reads the list (a posting removed by hand hides its item) — the control for the test above', async () => {
    const [newest] = await expected(TERM, 1);
    await service((tx) => tx`DELETE FROM search.term_posting WHERE lexeme = ${TERM} AND item_id = ${newest!}`);
    expect(await candidates(TERM, 20)).not.toContain(newest);
    // Republishing it a microsecond later makes the trigger post it again.
    await service((tx) => tx`UPDATE content_item SET published_at = published_at + interval '1 microsecond' WHERE id = ${newest!}`);
    expect(await candidates(TERM, 20)).toEqual(await expected(TERM, 20));
  });

  it('keeps the lists exact on insert, edit, visibility change, republication and delete', async () => {
    const check = async () => {
      expect(await missingPostings(TERM)).toBe(0);
      expect(await candidates(TERM, 200)).toEqual(await expected(TERM, 200));
    };
    await items(publicAccount, 3, 'Fresh zebra clip', { offsetHours: -1 });   // newest of all
    await check();
    const [fresh] = await expected(TERM, 1);
    await service((tx) => tx`UPDATE content_item SET visibility = 'private' WHERE id = ${fresh!}`);
    await check();
    expect(await candidates(TERM, 200)).not.toContain(fresh);
    await service((tx) => tx`UPDATE content_item SET visibility = 'public' WHERE id = ${fresh!}`);
    await check();
    await service((tx) => tx`UPDATE content_item SET title = 'Fresh lion clip' WHERE id = ${fresh!}`);
    await check();
    // A private item (no posting when written) that is published.
    const [draft] = await service(async (tx) => tx<{ id: string }[]>`
      SELECT id FROM content_item WHERE visibility = 'private' AND title LIKE 'Zebra%' ORDER BY published_at DESC LIMIT 1`);
    await service((tx) => tx`UPDATE content_item SET visibility = 'public' WHERE id = ${draft!.id}`);
    await check();
    expect(await candidates(TERM, 200)).toContain(draft!.id);
    const [old] = (await expected('speedrun', 1000)).slice(-1);
    await service((tx) => tx`UPDATE content_item SET title = 'Speedrun with a zebra', published_at = now() WHERE id = ${old!}`);
    await check();
    expect((await candidates(TERM, 1))[0]).toBe(old);
    await service((tx) => tx`UPDATE content_item SET published_at = now() - interval '9000 hours' WHERE id = ${old!}`);
    await check();
    await service((tx) => tx`UPDATE content_item SET deleted_at = now() WHERE id = ${old!}`);
    await check();
    const [next] = await expected(TERM, 1);
    await service((tx) => tx`DELETE FROM content_item WHERE id = ${next!}`);
    await check();
    expect(await service(async (tx) => (await tx`SELECT count(*)::int AS n FROM search.term_posting WHERE item_id = ${next!}`)[0]!.n)).toBe(0);
  });

  it('leaves no item without its posting when a term becomes common while items are being written', async () => {
    const owl = 'owl';
    await items(publicAccount, 120, 'Owl footage', { every: 7, offsetHours: 2 });
    // A refresh with a huge minimum makes no term common (and drops every list): owl is not common yet.
    await service((tx) => tx`SELECT search.refresh_common_terms(${1_000_000}, ${KEEP})`);
    expect(await term(owl)).toBeUndefined();
    // A writer whose insert ran before the term was common and commits while the refresh runs: the refresh must wait
    // for it (its trigger saw no term; an unwaiting refresh would not see its uncommitted item).
    let commitWriter!: () => void;
    let inserted!: () => void;
    const insertedFirst = new Promise<void>((resolve) => { inserted = resolve; });
    const writer = asService(db.app, async (tx) => {
      await tx`INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, published_at)
               SELECT sa.id, sa.user_id, sa.platform_id, ct.id, ${randomUUID()}, 'Owl in flight', now() + interval '1 hour'
               FROM social_account sa, content_type ct WHERE sa.id = ${publicAccount} AND ct.slug = 'long_video'`;
      inserted();
      await new Promise<void>((resolve) => { commitWriter = resolve; });
    });
    await insertedFirst;
    // The refresh that makes it common, racing that writer and 20 more adding owl items.
    const refreshed = refresh();
    setTimeout(() => commitWriter(), 200);
    await Promise.all([
      refreshed, writer,
      ...Array.from({ length: 20 }, (_, i) => items(publicAccount, 3, `Owl live ${i}`, { offsetHours: -2 })),
    ]);
    expect(await term(owl)).toBeDefined();
    expect(await missingPostings(owl)).toBe(0);
    expect(await candidates(owl, 200)).toEqual(await expected(owl, 200));
  });

  it('refuses a list shorter than one candidate set', async () => {
    await expect(service((tx) => tx`SELECT search.refresh_common_terms(NULL, 100)`)).rejects.toThrow(/at least 200/);
  });
});
