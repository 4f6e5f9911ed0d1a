/** The profile section of bench:jobs: each drain path again, on fresh connections, under the profiler (profile.ts). */
import type { Sql } from 'postgres';
import { APP_ROLE } from '../../db/roles.ts';
import { graphileRound } from './graphile.ts';
import { functionsByIdRound, functionsClaimRound, type LifecycleContext } from './lifecycle.ts';
import { log } from './measure.ts';
import { profilingClient, startProfiler, type RoundProfile } from './profile.ts';

/** The roles the app's statements run as: the login role, the role asService sets, and SECURITY DEFINER functions' owner. */
const APP_ROLES = [APP_ROLE, 'service_role', 'streamvibe_definer'];

export interface ProfileOptions {
  urls: { superuser: string; app: string; owner: string };
  owner: Sql;
  ctx: LifecycleContext;
  /** Jobs per profiled round. */
  jobs: number;
  /** The batched rounds' batch size (0: none). */
  batch: number;
}

/** Profiles StreamVibe's paths (per job and batched) and graphile-worker's; empty when pg_stat_statements is not loaded. */
export async function profileJobPaths({ urls, owner, ctx, jobs, batch }: ProfileOptions): Promise<RoundProfile[]> {
  const profiler = await startProfiler(urls.superuser);
  const profiles: RoundProfile[] = [];
  try {
    if (!profiler.available) {
      log(`profile skipped: ${profiler.why}`);
      return profiles;
    }
    const profiled = (name: string, round: (p: LifecycleContext) => Promise<unknown>) => profiler.profile(name, APP_ROLES, async (phase) => {
      const client = profilingClient(urls.app, ctx.workers);
      try {
        await round({ ...ctx, app: client, jobs, phase });
      } finally {
        await client.end({ timeout: 5 });
      }
      return jobs;
    });
    profiles.push(await profiled('StreamVibe functions, claim', (p) => functionsClaimRound(p, 'profile: functions, claim', 'xa')));
    if (batch) {
      profiles.push(await profiled(`StreamVibe functions, claim in batches of ${batch}`,
        (p) => functionsClaimRound(p, 'profile: functions, claim batches', 'xc', batch)));
    }
    profiles.push(await profiled('StreamVibe functions, by id', (p) => functionsByIdRound(p, 'profile: functions, by id', 'xb')));
    if (batch) {
      profiles.push(await profiled(`StreamVibe functions, by id in batches of ${batch}`,
        (p) => functionsByIdRound(p, 'profile: functions, by id batches', 'xd', batch)));
    }
    const ownerRole = decodeURIComponent(new URL(urls.owner).username);
    profiles.push(await profiler.profile('graphile-worker', [ownerRole], async (phase) => {
      await graphileRound(urls.owner, owner, jobs, ctx.workers, ctx.maxMs, phase);
      return jobs;
    }));
    return profiles;
  } finally {
    await profiler.close();
  }
}
