import { createHmac } from 'node:crypto';
import type { Sql } from 'postgres';
import * as z from 'zod/mini';
import { asService } from '../../db/context.ts';
import { secretSetting } from '../_shared/secrets.ts';

/** CLICK_HASH_SECRET (Secrets Manager, by CLICK_HASH_SECRET_SECRET_ARN): the HMAC key of visitor hashes (at least 32 characters; rotating it starts new visitors). */
export const clickHashSecret = secretSetting('CLICK_HASH_SECRET', z.string().check(z.minLength(32, 'must be at least 32 characters')));

/**
 * Who clicked, as a keyed hash of what the server saw (source IP as API Gateway reports it, and user agent): stable
 * for a visitor within the hour that dedupes clicks, not reversible without the secret, never client-supplied.
 */
export const visitorHash = (secret: string, sourceIp: string, userAgent: string) =>
  createHmac('sha256', secret).update(`${sourceIp}\n${userAgent}`).digest('base64url');

/**
 * /track-click: counts the click once per visitor per item per hour (track_content_click, one statement under the
 * unique index, so concurrent clicks count once). Runs as service_role: the function is service-only by design.
 * An item that is not discoverable is not counted.
 */
export function trackClick(sql: Sql, click: { contentId: string; visitorHash: string; referrer?: string; userAgent: string }) {
  return asService(sql, async (tx) => {
    const [row] = await tx<{ counted: boolean }[]>`
      SELECT track_content_click(${click.contentId}::uuid, ${click.visitorHash}, NULL, ${click.referrer ?? null}, ${click.userAgent || null}) AS counted`;
    return { counted: row!.counted };
  });
}
