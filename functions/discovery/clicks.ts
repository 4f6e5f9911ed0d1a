import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Sql } from 'postgres';
import * as z from 'zod/mini';
import { asService } from '../../db/context.ts';
import { secretSetting } from '../_shared/secrets.ts';
import { visitorAddress } from './visitor-address.ts';

/** A generated secret's value (infra/config.ts `{ secret: 'generated' }`: 48 characters). */
const generatedSecret = z.string().check(z.minLength(32, 'must be at least 32 characters'));

/** CLICK_HASH_SECRET (Secrets Manager, by CLICK_HASH_SECRET_SECRET_ARN): the HMAC key of visitor hashes (at least 32 characters; rotating it starts new visitors). */
export const clickHashSecret = secretSetting('CLICK_HASH_SECRET', generatedSecret);

/**
 * EDGE_ORIGIN_SECRET (Secrets Manager): the value CloudFront puts in every request it forwards to /track-click, in
 * EDGE_SECRET_HEADER (infra/stacks/edge-stack.ts). Behind CloudFront, API Gateway's source address is the edge's, the
 * same for everyone near it; CloudFront names the viewer in `cloudfront-viewer-address`. That header is believed only
 * beside this secret, so a client calling the API directly cannot choose the address it is counted by.
 */
export const edgeOriginSecret = secretSetting('EDGE_ORIGIN_SECRET', generatedSecret);
export const EDGE_SECRET_HEADER = 'x-streamvibe-edge';

/** The viewer's address as CloudFront sends it, `<ip>:<port>` (IPv6 unbracketed): the part before the last colon. */
function viewerAddressOf(value: string | undefined): string | undefined {
  const port = value?.lastIndexOf(':') ?? -1;
  return port > 0 ? value!.slice(0, port) : undefined;
}

/**
 * The address a click is counted by: the viewer CloudFront names when the request carries the edge's secret, else the
 * source address API Gateway saw (a direct call to the API; locally, the gateway's). The secret is read only for
 * requests that claim to come from the edge.
 */
export async function clickSourceAddress(headers: Record<string, string | undefined>, sourceIp: string): Promise<string> {
  const presented = headers[EDGE_SECRET_HEADER];
  const viewer = viewerAddressOf(headers['cloudfront-viewer-address']);
  if (presented === undefined || viewer === undefined) return sourceIp;
  const expected = Buffer.from(await edgeOriginSecret());
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected) ? viewer : sourceIp;
}

/**
 * Who clicked, as a keyed hash of the address it is counted by (clickSourceAddress; IPv4 whole, IPv6 its /64: visitorAddress), never
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
