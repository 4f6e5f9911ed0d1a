import { createHmac } from 'node:crypto';
import type { Sql } from 'postgres';
import * as z from 'zod/mini';
import { asService } from '../../db/context.ts';
import { secretSetting } from '../_shared/secrets.ts';
import { visitorAddress } from './visitor-address.ts';

/** CLICK_HASH_SECRET (Secrets Manager, by CLICK_HASH_SECRET_SECRET_ARN): the HMAC key of visitor hashes (at least 32 characters; rotating it starts new visitors). */
export const clickHashSecret = secretSetting('CLICK_HASH_SECRET', z.string().check(z.minLength(32, 'must be at least 32 characters')));

/**
 * Who clicked, as a keyed hash of the source address API Gateway saw (IPv4 whole, IPv6 its /64: visitorAddress), never
 * of anything the client chooses: a rotated User-Agent or a new address inside one's own /64 is the same visitor.
 * Not reversible without the secret. It keys both the once-per-item-per-hour dedupe and the per-minute cap.
 */
export const visitorHash = (secret: string, sourceIp: string) =>
  createHmac('sha256', secret).update(visitorAddress(sourceIp)).digest('base64url');

/**
 * /track-click: counts the click once per visitor per item per hour (track_content_click, one statement under the
 * unique index, so concurrent clicks count once), and at most 60 new clicks per visitor a minute (migration 011;
 * beyond them it raises SV429: a 429). Runs as service_role: the function is service-only by design.
 * An item that is not discoverable is not counted.
 */
export function trackClick(sql: Sql, click: { contentId: string; visitorHash: string; referrer?: string; userAgent: string }) {
  return asService(sql, async (tx) => {
    const [row] = await tx<{ counted: boolean }[]>`
      SELECT track_content_click(${click.contentId}::uuid, ${click.visitorHash}, NULL, ${click.referrer ?? null}, ${click.userAgent || null}) AS counted`;
    return { counted: row!.counted };
  });
}
