import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import type { ProviderAnswer } from './http.ts';
import { ProviderError, type Platform, type ProviderErrorKind } from './port.ts';

/** The Graph API version both Meta adapters (and later Page / Instagram sync) call: one place to move it. */
export const GRAPH_API_VERSION = 'v23.0';

const GraphErrorBody = z.object({
  error: z.looseObject({
    message: z.optional(z.string()),
    code: z.optional(z.number()),
    error_subcode: z.optional(z.number()),
  }),
});

/** App (4), user (17), Page (32) and API-specific (613) limits: Graph sends them on a 400 or 403, not a 429. */
const THROTTLING_CODES = new Set([4, 17, 32, 613]);
/** Code 100 on a code exchange: expired (36007), redirect_uri not the dialog's (36008), already used (36009). */
const SPENT_CODE_SUBCODES = new Set([36007, 36008, 36009]);

/**
 * A Graph API error body (`{"error":{"message","type","code","error_subcode","fbtrace_id"}}`, from graph.facebook.com
 * and graph.instagram.com) as a ProviderError, or undefined when the answer carries none. The numeric code decides,
 * not the HTTP status: throttling comes as 400, and a spent authorization code is a generic code 100.
 */
export function graphError(platform: Platform, answer: ProviderAnswer): ProviderError | undefined {
  const parsed = GraphErrorBody.safeParse(answer.body);
  if (!parsed.success) return undefined;
  const { message = 'unknown Graph API error', code, error_subcode: subcode } = parsed.data.error;
  const providerCode = subcode === undefined ? String(code) : `${code}/${subcode}`;
  const kind = graphErrorKind(code, subcode, message, answer.status);
  const retryAfterSeconds = kind === 'rate_limited' ? regainAccessSeconds(answer.headers) : undefined;
  return new ProviderError(platform, kind, `${platform}: ${message}`,
    { status: answer.status, providerCode, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
}

/**
 * When a throttled app may call again: the largest `estimated_time_to_regain_access` (minutes) of the
 * `x-business-use-case-usage` header (`{"<id>":[{"type","call_count",…,"estimated_time_to_regain_access"}]}`), which
 * Instagram and Page calls carry; undefined when absent or 0 (`x-app-usage` gives percentages only).
 */
function regainAccessSeconds(headers: Headers): number | undefined {
  try {
    const usage = JSON.parse(headers.get('x-business-use-case-usage') ?? '{}') as Record<string, { estimated_time_to_regain_access?: unknown }[]>;
    const minutes = Math.max(0, ...Object.values(usage).flat().map((entry) => Number(entry.estimated_time_to_regain_access) || 0));
    return minutes > 0 ? minutes * 60 : undefined;
  } catch {
    return undefined;
  }
}

/** appsecret_proof: HMAC-SHA256 of the token with the app secret, which Facebook calls carry (user and Page tokens). */
export const appsecretProof = (clientSecret: string, token: string) => createHmac('sha256', clientSecret).update(token).digest('hex');

function graphErrorKind(code: number | undefined, subcode: number | undefined, message: string, status: number): ProviderErrorKind {
  if (code === 190) return 'invalid_grant';  // token invalid, expired (463), password changed (460), app removed (458)
  if (code === 100 && ((subcode !== undefined && SPENT_CODE_SUBCODES.has(subcode)) || /authorization code|verification code/i.test(message))) return 'invalid_grant';
  if (code !== undefined && THROTTLING_CODES.has(code)) return 'rate_limited';
  if (code === 10 || (code !== undefined && code >= 200 && code <= 299)) return 'access_denied';
  // "Error validating client secret." comes as code 1, which is otherwise Graph's "unknown error, retry".
  if (code === 101 || /client secret/i.test(message)) return 'invalid_client';
  if (code === 1 || code === 2 || status >= 500) return 'unavailable';
  return 'bad_response';
}
