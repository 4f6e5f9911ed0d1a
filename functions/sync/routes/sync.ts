import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../_shared/errors.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { jobDispatcher } from '../../jobs/dispatcher.ts';
import { PLATFORM_NAMES, PLATFORMS, type Platform } from '../../oauth/providers/port.ts';
import { requestSync } from '../request.ts';


export const SyncBody = () => z._default(z.strictObject({
  social_account_id: z.optional(uuid),
  /** Re-read everything (default: only what is new since the last sync). */
  full: z._default(z.boolean(), false),
}), { full: false });
export const SyncResponse = () => z.object({ job_id: z.string(), created: z.boolean(), status: z.string(), social_account_id: z.string() });

/** The caller's live account of the platform: the one named, or their only one. */
async function accountOf(userId: string, platform: Platform, socialAccountId: string | undefined) {
  const accounts = await asService(db(), (tx) => tx`
    SELECT a.id, s.slug AS status FROM social_account a JOIN platform p ON p.id = a.platform_id JOIN account_status s ON s.id = a.status_id
    WHERE a.user_id = ${userId} AND p.slug = ${platform} AND a.deleted_at IS NULL
      AND (${socialAccountId ?? null}::uuid IS NULL OR a.id = ${socialAccountId ?? null}::uuid)`);
  if (accounts.length === 0) throw new NotFoundError(`No connected ${PLATFORM_NAMES[platform]} account${socialAccountId ? ' with that id' : ''}`);
  if (accounts.length > 1) throw new BadRequestError(`You have ${accounts.length} ${PLATFORM_NAMES[platform]} accounts: say which with social_account_id`);
  const [account] = accounts;
  if (account!.status !== 'active') throw new ConflictError(`This ${PLATFORM_NAMES[platform]} account needs reconnecting before it can sync`);
  return account!.id as string;
}

const syncRoute = (platform: Platform) => defineRoute({
  method: 'POST', path: `/sync-${platform}`, auth: 'user', tags: ['Sync'], body: SyncBody, successStatus: 202, response: SyncResponse,
  summary: `Sync the caller’s ${PLATFORM_NAMES[platform]} account in the background (a job; uses one sync of the month’s quota)`,
}, async ({ claims, body }) => {
  const socialAccountId = await accountOf(claims.sub, platform, body.social_account_id);
  const job = await requestSync(db(), jobDispatcher(), { userId: claims.sub, socialAccountId, kind: `sync_${platform}`, full: body.full });
  return { job_id: job.jobId, created: job.created, status: job.status, social_account_id: socialAccountId };
});

export const syncRoutes = PLATFORMS.map(syncRoute);
