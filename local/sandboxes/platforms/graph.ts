/**
 * What the Instagram and Facebook sandboxes share with the real Graph API: its error body, its token checks (the 190
 * family, appsecret_proof) and its `fields` selection.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IssuedToken, SandboxResponse, SandboxState } from './server.ts';

/** A Graph path, with or without the version prefix (`/v23.0/me` and `/me` are the same call). */
export const graphPath = (path: string) => new RegExp(`^/(?:v\\d+\\.\\d+/)?${path}$`);

/** `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`. */
export function graphError(status: number, code: number, message: string, options: { subcode?: number; type?: string } = {}): SandboxResponse {
  const { subcode, type = 'OAuthException' } = options;
  return { status, body: { error: { message, type, code, ...(subcode === undefined ? {} : { error_subcode: subcode }), fbtrace_id: randomBytes(9).toString('base64url') } } };
}

const graphTime = (ms: number) => new Date(ms).toUTCString();

/**
 * The live access token of `platform` a Graph call carries, or Graph's refusal: 190 for an unknown token, a revoked
 * grant (subcode 458, the user removed the app) or an expired token (463); 100 for an appsecret_proof that is sent
 * and does not match (HMAC-SHA256 of the token with the app secret).
 */
export function graphToken(state: SandboxState, platform: string, value: string | null | undefined, appsecretProof?: string | null): IssuedToken | SandboxResponse {
  const token = value ? state.tokens.get(value) : undefined;
  if (!value || !token || token.platform !== platform || token.kind !== 'access') return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
  if (token.revoked) return graphError(400, 190, 'Error validating access token: The user has not authorized application.', { subcode: 458 });
  if (token.expiresAt <= state.now()) {
    return graphError(400, 190, `Error validating access token: Session has expired on ${graphTime(token.expiresAt)}. The current time is ${graphTime(state.now())}.`, { subcode: 463 });
  }
  if (appsecretProof != null && appsecretProof !== createHmac('sha256', state.clients.get(token.clientId) ?? '').update(value).digest('hex')) {
    return graphError(400, 100, 'Invalid appsecret_proof provided in the API argument', { type: 'GraphMethodException' });
  }
  return token;
}

/**
 * Graph's `fields` selection: the fields asked (`a,b{c},d` → a, b, d; the object holds sub-objects already shaped) and
 * `id`, or `defaults` when none are asked. A field the object lacks is Graph's 100 error, so an adapter's typo fails in
 * the sandbox as it would in production.
 */
export function selectFields(object: Record<string, unknown>, fields: string | null, defaults: readonly string[], nodeType: string):
  { selected: Record<string, unknown> } | { error: SandboxResponse } {
  const names = fields ? fields.replace(/\{[^}]*\}/g, '').split(',').map((name) => name.trim()).filter(Boolean) : [...defaults];
  const unknown = names.find((name) => !(name in object));
  if (unknown) return { error: graphError(400, 100, `(#100) Tried accessing nonexisting field (${unknown}) on node type (${nodeType})` ) };
  return { selected: Object.fromEntries(['id', ...names].filter((name, i, all) => all.indexOf(name) === i).map((name) => [name, object[name]])) };
}

/** "ig-creator" → "Ig Creator": display names for sandbox accounts. */
export const displayName = (login: string) => login.split(/[._-]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') || login;
