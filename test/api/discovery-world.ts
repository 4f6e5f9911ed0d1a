import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { asService } from '../../db/context.ts';

/**
 * The discovery tests' world, written as service_role through the app login (as the sync would):
 *
 *   alice   public, verified, gaming, YouTube + TikTok; most of the discoverable items
 *   bob     public, music, YouTube
 *   quiet   public, no items (a creator page with an empty list)
 *   carol   PRIVATE (is_public = false): her public items must never be discoverable
 *   dave    public but DELETED (deleted_at set): same
 *   many    `extraCreators` more public creators, for creator pagination
 *
 * Alice and Bob also own private, unlisted and deleted items. Timestamps and view counts repeat on purpose, so
 * keyset pages must break ties by id. Secrets that must never leak are recorded in `secrets`.
 */
export interface DiscoveryWorld {
  users: Record<'alice' | 'bob' | 'quiet' | 'carol' | 'dave', { id: string; slug: string; email: string }>;
  /** Discoverable item ids. */
  discoverable: string[];
  /** Items that exist but must never be listed: private/unlisted/deleted, or of a private/deleted creator. */
  hidden: string[];
  /** Titles by label, for search tests. */
  items: Record<string, string>;
  /** Values no discovery response may contain (emails, Stripe ids, visitor hashes, vault secret names, …). */
  secrets: string[];
}

// An hour ago, on a whole minute: recent enough for every trending window, in the past for every item.
const BASE_TIME = Math.floor(Date.now() / 60_000) * 60_000 - 60 * 60_000;
// Sent as text and cast in SQL: postgres.js serialises a timestamptz-typed parameter through Date (milliseconds).
const at = (minutesAgo: number, micros = 0) => new Date(BASE_TIME - minutesAgo * 60_000).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);

export async function buildDiscoveryWorld(app: Sql, options: { extraCreators?: number; itemsPerCreator?: number } = {}): Promise<DiscoveryWorld> {
  const extraCreators = options.extraCreators ?? 25;
  const secrets: string[] = [];
  const discoverable: string[] = [];
  const hidden: string[] = [];
  const items: Record<string, string> = {};

  return asService(app, async (tx) => {
    const ids = async (table: string, key: string) =>
      Object.fromEntries((await tx<{ k: string; id: string }[]>`SELECT ${tx(key)} AS k, id FROM ${tx(table)}`).map((r) => [r.k, r.id]));
    const platform = await ids('platform', 'slug');
    const type = await ids('content_type', 'slug');
    const [active] = await tx<{ id: string }[]>`SELECT id FROM account_status WHERE slug = 'active'`;

    async function creator(name: string, fields: { isPublic?: boolean; deleted?: boolean; category?: string; verified?: boolean;
      bio?: string; createdMinutesAgo?: number; createdMicros?: number; platforms?: { slug: string; followers: number; views?: number }[] }) {
      const id = randomUUID();
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      const email = `${slug}-${id.slice(0, 6)}@private.example`;
      const stripe = `cus_secret_${id.slice(0, 12)}`;
      secrets.push(email, stripe);
      await tx`INSERT INTO users (id, email, display_name, profile_slug, bio, is_public, is_verified, primary_category,
                                  stripe_customer_id, onboarded_at, deleted_at, created_at, website_url, avatar_url)
               VALUES (${id}, ${email}, ${name}, ${slug}, ${fields.bio ?? `${name} makes videos`}, ${fields.isPublic ?? true},
                       ${fields.verified ?? false}, ${fields.category ?? null}, ${stripe}, now(),
                       ${fields.deleted ? new Date() : null}, ${at(fields.createdMinutesAgo ?? 100_000, fields.createdMicros ?? 3)}::text::timestamptz,
                       ${`https://${slug}.example.com`}, ${`https://img.example.com/${slug}.png`})`;
      const accounts: Record<string, string> = {};
      for (const p of fields.platforms ?? [{ slug: 'youtube', followers: 100 }]) {
        const connection = randomUUID();
        const vault = `streamvibe/test/oauth/${connection}`;
        const platformUserId = `puid-secret-${connection.slice(0, 8)}`;
        secrets.push(vault, platformUserId);
        await tx`INSERT INTO platform_connection (id, user_id, platform_id, platform_user_id, vault_secret_name, status_id)
                 VALUES (${connection}, ${id}, ${platform[p.slug]!}, ${platformUserId}, ${vault}, ${active!.id})`;
        const [account] = await tx<{ id: string }[]>`
          INSERT INTO social_account (user_id, platform_id, connection_id, platform_account_id, handle, display_name, profile_url,
                                      follower_count, total_views, status_id, sync_cursor)
          VALUES (${id}, ${platform[p.slug]!}, ${connection}, ${`acct-${slug}-${p.slug}`}, ${`@${slug}`}, ${name},
                  ${`https://${p.slug}.example.com/${slug}`}, ${p.followers}, ${p.views ?? 0}, ${active!.id},
                  ${`sync-cursor-secret-${connection.slice(0, 8)}`})
          RETURNING id`;
        accounts[p.slug] = account!.id;
        secrets.push(`sync-cursor-secret-${connection.slice(0, 8)}`);
      }
      return { id, slug, email, accounts };
    }

    async function item(owner: { accounts: Record<string, string> }, fields: { title: string; description?: string; platform?: string;
      type?: string; category?: string; minutesAgo: number; micros?: number; views?: number; visibility?: string; deleted?: boolean;
      thumbnail?: string; duration?: number }) {
      const id = randomUUID();
      const accountId = owner.accounts[fields.platform ?? 'youtube']!;
      await tx`
        INSERT INTO content_item (id, social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description,
                                  url, thumbnail_url, duration_seconds, category_code, visibility, published_at, views_count, deleted_at,
                                  platform_data)
        SELECT ${id}, sa.id, sa.user_id, sa.platform_id, ${type[fields.type ?? 'long_video']!}, ${`pc-${id}`}, ${fields.title},
               ${fields.description ?? `About ${fields.title}`}, ${`https://watch.example.com/${id}`}, ${fields.thumbnail ?? null},
               ${fields.duration ?? null}, ${fields.category ?? null}, ${fields.visibility ?? 'public'},
               ${at(fields.minutesAgo, fields.micros)}::text::timestamptz, ${fields.views ?? 0}, ${fields.deleted ? new Date() : null},
               ${JSON.stringify({ internal: `platform-data-secret-${id.slice(0, 8)}` })}
        FROM social_account sa WHERE sa.id = ${accountId}`;
      secrets.push(`platform-data-secret-${id.slice(0, 8)}`);
      return id;
    }

    const alice = await creator('Alice Gamer', { verified: true, category: 'gaming', bio: 'Speedruns and minecraft builds',
      createdMinutesAgo: 50_000, platforms: [{ slug: 'youtube', followers: 90_000, views: 5_000_000 }, { slug: 'tiktok', followers: 10_000, views: 1_000 }] });
    const bob = await creator('Bob Beats', { category: 'music', bio: 'Lo-fi guitar covers', createdMinutesAgo: 40_000,
      platforms: [{ slug: 'youtube', followers: 50_000, views: 9_000_000 }] });
    const quiet = await creator('Quiet Person', { category: 'education', createdMinutesAgo: 30_000, platforms: [{ slug: 'youtube', followers: 5 }] });
    const carol = await creator('Carol Private', { isPublic: false, category: 'gaming', bio: 'minecraft secrets' });
    const dave = await creator('Dave Deleted', { deleted: true, category: 'gaming' });

    // Discoverable: 3 titled items for search, then 36 more with repeating timestamps (groups of 3) and views.
    const titled: [string, string, Parameters<typeof item>[1]][] = [
      ['minecraft', 'alice', { title: 'Minecraft survival tutorial', description: 'Build a base on day one', category: 'gaming', minutesAgo: 1,
        views: 5000, thumbnail: 'https://img.example.com/mc.jpg', duration: 754 }],
      ['python', 'bob', { title: 'Python programming tutorial for beginners', category: 'education', minutesAgo: 2, views: 3000, type: 'short_video' }],
      ['guitar', 'bob', { title: 'Acoustic guitar cover session', description: 'Wonderwall on a rainy day', category: 'music', minutesAgo: 3,
        views: 7000, type: 'image', thumbnail: 'https://img.example.com/g.jpg' }],
    ];
    const owners = { alice, bob };
    for (const [label, owner, fields] of titled) {
      const id = await item(owners[owner as 'alice' | 'bob'], fields);
      discoverable.push(id);
      items[label] = id;
    }
    for (let i = 0; i < 36; i += 1) {
      const owner = i % 4 === 3 ? bob : alice;
      const id = await item(owner, {
        title: `Episode ${i} highlights`, category: i % 3 === 0 ? 'gaming' : i % 3 === 1 ? 'music' : 'comedy',
        platform: owner === alice && i % 5 === 0 ? 'tiktok' : 'youtube', type: i % 2 === 0 ? 'long_video' : 'reel',
        // Groups of three share a minute: two are exact ties, the third differs by microseconds only (a cursor that
        // kept milliseconds would skip or repeat it).
        minutesAgo: 10 + Math.floor(i / 3), micros: i % 3 === 2 ? 7 : 5, views: 100 * (i % 7),
      });
      discoverable.push(id);
    }
    // Hidden: private / unlisted / deleted items of public creators, and public items of hidden creators.
    hidden.push(
      await item(alice, { title: 'Private minecraft draft', visibility: 'private', minutesAgo: 0, views: 1e6, category: 'gaming' }),
      await item(alice, { title: 'Unlisted minecraft preview', visibility: 'unlisted', minutesAgo: 0, views: 1e6, category: 'gaming' }),
      await item(bob, { title: 'Deleted guitar take', deleted: true, minutesAgo: 0, views: 1e6, category: 'music' }),
      await item(carol, { title: 'Zanzibarquux minecraft secret base', minutesAgo: 0, views: 1e6, category: 'gaming' }),
      await item(dave, { title: 'Deleted creator minecraft tutorial', minutesAgo: 0, views: 1e6, category: 'gaming' }),
    );

    for (let i = 0; i < extraCreators; i += 1) {
      // Followers and views repeat (ties broken by id); sign-up times tie in threes, one differing by microseconds.
      await creator(`Extra Creator ${String(i).padStart(2, '0')}`, { category: i % 2 ? 'comedy' : 'music',
        createdMinutesAgo: 20_000 + Math.floor(i / 3), createdMicros: i % 3 === 2 ? 9 : 3,
        platforms: [{ slug: 'youtube', followers: 1_000 * (i % 4), views: 10 * (i % 6) }] });
    }

    // Tags, media, clicks (with visitor hashes that must never leak) and the refreshed derived data.
    await tx`INSERT INTO content_tag (content_id, tag, tag_type, source) VALUES
               (${items.minecraft!}, 'minecraft', 'keyword', 'ai_generated'), (${items.minecraft!}, 'survival', 'topic', 'user'),
               (${discoverable[3]!}, 'minecraft', 'keyword', 'platform'), (${hidden[3]!}, 'minecraft', 'keyword', 'user')`;
    await tx`INSERT INTO content_media (content_id, media_type, url, width, height, mime_type, alt_text, sort_order) VALUES
               (${items.minecraft!}, 'thumbnail', 'https://img.example.com/mc-large.jpg', 1280, 720, 'image/jpeg', 'A base', 0)`;
    for (const [n, id] of discoverable.slice(0, 5).entries()) {
      const visitor = `visitor-hash-secret-${n}-${id.slice(0, 8)}`;
      secrets.push(visitor);
      await tx`SELECT track_content_click(${id}, ${visitor}, NULL, 'https://referrer.example', 'TestAgent/1.0')`;
    }
    await refreshDerivedData(tx);
    return {
      users: {
        alice: { id: alice.id, slug: alice.slug, email: alice.email }, bob: { id: bob.id, slug: bob.slug, email: bob.email },
        quiet: { id: quiet.id, slug: quiet.slug, email: quiet.email }, carol: { id: carol.id, slug: carol.slug, email: carol.email },
        dave: { id: dave.id, slug: dave.slug, email: dave.email },
      },
      discoverable, hidden, items, secrets,
    };
  });
}

/** What the schedules would do: trending ranks, the search lexicon, category counts and creator totals. */
export async function refreshDerivedData(tx: TransactionSql) {
  await tx`SELECT refresh_trending_content(100)`;
  await tx`SELECT search.refresh_lexicon()`;
  await tx`SELECT search.refresh_category_counts(600)`;
  await tx`SELECT search.refresh_creator_stats()`;
}
