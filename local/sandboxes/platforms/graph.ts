/**
 * What the Instagram and Facebook sandboxes share with the real Graph API: its error body, its token checks (the 190
 * family, appsecret_proof) and its `fields` selection.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IssuedToken, SandboxRequest, SandboxResponse, SandboxState } from './server.ts';

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
 * `id`, or `defaults` when none are asked (`reactions.summary(true)` is `reactions`; its modifiers are not played). A field the object lacks is Graph's 100 error, so an adapter's typo fails in
 * the sandbox as it would in production.
 */
export function selectFields(object: Record<string, unknown>, fields: string | null, defaults: readonly string[], nodeType: string):
  { selected: Record<string, unknown> } | { error: SandboxResponse } {
  const names = fields ? fieldNames(fields) : [...defaults];
  const unknown = names.find((name) => !(name in object));
  if (unknown) return { error: graphError(400, 100, `(#100) Tried accessing nonexisting field (${unknown}) on node type (${nodeType})` ) };
  return { selected: Object.fromEntries(['id', ...names].filter((name, i, all) => all.indexOf(name) === i).map((name) => [name, object[name]])) };
}

/** The top-level names of a `fields` list: `a,b{c,d{e}},f.summary(true)` → a, b, f. */
function fieldNames(fields: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of `${fields},`) {
    if (char === '{' || char === '(') depth += 1;
    else if (char === '}' || char === ')') depth -= 1;
    else if (char === ',' && depth === 0) {
      const name = current.trim().split('.')[0]!;
      if (name) names.push(name);
      current = '';
      continue;
    }
    if (depth === 0 && char !== '}' && char !== ')') current += char;
  }
  return names;
}

/** Graph's page size: `limit` (default 25), capped at the edge's maximum as Graph does, without an error. */
export const graphLimit = (query: URLSearchParams, max = 100): number => {
  const limit = Number(query.get('limit') ?? 25);
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, max) : 25;
};

/** Graph's opaque cursors: the sandbox's is a catalogue index, base64url so that clients cannot lean on its shape. */
export const graphCursor = (index: number) => Buffer.from(`sandbox-cursor:${index}`).toString('base64url');
export function graphCursorIndex(cursor: string | null): number | undefined | SandboxResponse {
  if (cursor === null) return undefined;
  const index = /^sandbox-cursor:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))?.[1];
  return index === undefined ? graphError(400, 100, 'Invalid cursor: the after parameter is not a cursor this edge issued') : Number(index);
}

/**
 * An edge's answer: `{data, paging:{cursors:{before,after}, next}}`, newest first. `next` is absolute, on the host the
 * call came to (the sandbox's own), with the node's id instead of `me` and the call's parameters (its access_token
 * included when it came in the query, as Graph does); it is absent on the last page, and `paging` on an empty edge.
 */
export function graphEdge(request: SandboxRequest, nodePath: string, data: unknown[], page: { first?: number; last?: number; more: boolean }): SandboxResponse {
  if (data.length === 0) return { status: 200, body: { data } };
  const cursors = { before: graphCursor(page.first!), after: graphCursor(page.last!) };
  let next: string | undefined;
  if (page.more) {
    const query = new URLSearchParams(request.query);
    query.set('after', cursors.after);
    query.delete('before');
    next = `http://${request.headers.host}/${request.host}/${/^\/(v\d+\.\d+)\//.exec(request.path)?.[1] ?? 'v23.0'}/${nodePath}?${query}`;
  }
  return { status: 200, body: { data, paging: { cursors, ...(next ? { next } : {}) } } };
}

/** Graph's time format: `2026-03-01T09:00:00+0000`. */
export const graphTimestamp = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+0000');

/** "ig-creator" → "Ig Creator": display names for sandbox accounts. */
export const displayName = (login: string) => login.split(/[._-]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') || login;
