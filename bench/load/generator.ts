/**
 * The load generator, in a process of its own (`node --import tsx bench/load/generator.ts <config JSON>`): CONCURRENCY
 * virtual users for DURATION, each request drawn from a weighted mix of anonymous browsing and search, signed-in reads
 * of the caller's jobs and content, and the writes that start syncs and AI jobs. Prints one JSON line: per route,
 * the count, errors (a status ≥ 400 or no answer) with samples, and latencies (p50, p95, max).
 */
import type { LoadUser } from './world.ts';

export interface LoadConfig {
  url: string;
  durationMs: number;
  concurrency: number;
  users: LoadUser[];
}

export interface RouteStats { count: number; errors: number; samples: string[]; p50: number; p95: number; max: number }

type Pick = (user: LoadUser, n: number) => { route: string; method?: string; path: string; token?: string; body?: unknown };
const at = <T>(list: T[], n: number) => list[n % list.length]!;
const WORDS = ['game', 'music', 'video', 'how', 'best', 'review', 'live', 'tutorial'];

/** The mix: weight, and how to make the request (n: a running number that varies the parameters). */
const MIX: [number, Pick][] = [
  [10, (_, n) => ({ route: 'GET /browse-content', path: `/browse-content?category=gaming&sort=${at(['recent', 'popular', 'trending'], n)}` })],
  [4, () => ({ route: 'GET /browse-categories', path: '/browse-categories' })],
  [4, () => ({ route: 'GET /browse-creators', path: '/browse-creators?category=gaming' })],
  [8, (_, n) => ({ route: 'GET /search-content', path: `/search-content?q=${at(WORDS, n)}` })],
  [3, (_, n) => ({ route: 'GET /search-creators', path: `/search-creators?q=${at(['load', 'creator'], n)}` })],
  [5, (_, n) => ({ route: 'GET /get-trending', path: `/get-trending?period=${at(['today', 'week', 'month'], n)}` })],
  [4, (u) => ({ route: 'GET /get-creator-by-slug', path: `/get-creator-by-slug?slug=${u.slug}` })],
  [4, (u, n) => ({ route: 'GET /get-content-detail', path: `/get-content-detail?id=${at(u.contentIds, n)}` })],
  [3, (u) => ({ route: 'GET /creator/{slug}', path: `/creator/${u.slug}` })],
  [3, (u, n) => ({ route: 'GET /content/{id}', path: `/content/${at(u.contentIds, n)}` })],
  [6, (u) => ({ route: 'GET /jobs', path: '/jobs', token: u.token })],
  [3, (u) => ({ route: 'GET /job-stats', path: '/job-stats', token: u.token })],
  [3, (u, n) => ({ route: 'GET /job-status', path: `/job-status?job_id=${at(u.jobIds, n)}`, token: u.token })],
  [6, (u, n) => ({ route: 'GET /my-content', path: `/my-content?sort=${at(['published_at', 'views'], n)}`, token: u.token })],
  [3, (u) => ({ route: 'GET /me', path: '/me', token: u.token })],
  [2, (u) => ({ route: 'GET /notifications', path: '/notifications', token: u.token })],
  [2, (u) => ({ route: 'GET /connections', path: '/connections', token: u.token })],
  [1, (u) => ({ route: 'POST /sync-youtube', method: 'POST', path: '/sync-youtube', token: u.token, body: {} })],
  [1, (u, n) => ({ route: 'POST /ai-generate-tags', method: 'POST', path: '/ai-generate-tags', token: u.token, body: { content_item_id: at(u.contentIds, n % 3) } })],
];
const TOTAL_WEIGHT = MIX.reduce((sum, [weight]) => sum + weight, 0);

function pickRequest(user: LoadUser, n: number) {
  let ticket = (n * 7919) % TOTAL_WEIGHT;
  for (const [weight, make] of MIX) {
    if (ticket < weight) return make(user, n);
    ticket -= weight;
  }
  throw new Error('unreachable');
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** Runs the load and returns the stats per route. */
export async function generateLoad(config: LoadConfig): Promise<Record<string, RouteStats>> {
  const latencies = new Map<string, number[]>();
  const errors = new Map<string, string[]>();
  const deadline = Date.now() + config.durationMs;
  let counter = 0;
  await Promise.all(Array.from({ length: config.concurrency }, async () => {
    while (Date.now() < deadline) {
      const n = counter++;
      const request = pickRequest(at(config.users, n), n);
      const started = performance.now();
      let problem: string | undefined;
      try {
        const response = await fetch(`${config.url}${request.path}`, {
          method: request.method ?? 'GET', redirect: 'manual',
          headers: { ...(request.token ? { authorization: `Bearer ${request.token}` } : {}), ...(request.body ? { 'content-type': 'application/json' } : {}) },
          ...(request.body ? { body: JSON.stringify(request.body) } : {}),
        });
        const text = await response.text();
        if (response.status >= 400) problem = `${response.status} ${request.path}: ${text.slice(0, 160)}`;
      } catch (error) {
        problem = `no answer ${request.path}: ${(error as Error).message}`;
      }
      (latencies.get(request.route) ?? latencies.set(request.route, []).get(request.route)!).push(performance.now() - started);
      if (problem) (errors.get(request.route) ?? errors.set(request.route, []).get(request.route)!).push(problem);
    }
  }));
  return Object.fromEntries([...latencies].sort(([a], [b]) => a.localeCompare(b)).map(([route, times]) => {
    const sorted = times.sort((a, b) => a - b);
    const failed = errors.get(route) ?? [];
    return [route, { count: sorted.length, errors: failed.length, samples: failed.slice(0, 3), p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), max: sorted.at(-1) ?? 0 }];
  }));
}

if (process.argv[1]?.endsWith('generator.ts')) {
  const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
  process.stdout.write(`${JSON.stringify(await generateLoad(config))}\n`);
}
