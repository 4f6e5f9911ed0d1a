import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { asService } from '../_shared/db.ts';
import type { Platform } from './providers/port.ts';

/** How long a started authorization waits for the provider's redirect. */
export const STATE_TTL_SECONDS = 600;

const random = () => randomBytes(32).toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The cookie that binds an authorization to the browser that started it (one per platform: flows may overlap). */
export const bindingCookie = (platform: Platform) => `sv_oauth_${platform}`;

export interface StartedAuthorization {
  /** Goes to the provider and comes back: 256 random bits, stored only as its hash. */
  state: string;
  /** Goes into the HttpOnly cookie; the callback must bring it back. */
  browserNonce: string;
  codeVerifier: string;
}

/** Records an authorization the user starts: unforgeable (random), theirs, single-use, valid STATE_TTL_SECONDS. */
export async function startAuthorization(sql: Sql, userId: string, platform: Platform): Promise<StartedAuthorization> {
  const started = { state: random(), browserNonce: random(), codeVerifier: random() };
  await asService(sql, (tx) => tx`
    INSERT INTO oauth.pending_authorization (state_hash, user_id, platform_slug, browser_hash, code_verifier, expires_at)
    VALUES (${sha256(started.state)}, ${userId}, ${platform}, ${sha256(started.browserNonce)}, ${started.codeVerifier},
            now() + make_interval(secs => ${STATE_TTL_SECONDS}))`);
  return started;
}

/** Why a returning state is refused; each is its own `?error=` code. */
export type StateFailure = 'invalid_state' | 'state_expired' | 'state_used' | 'state_mismatch';

/**
 * Spends the state that came back (whatever happens next, it never works again) and returns who started it, or why
 * it is refused: unknown or for another platform (forged), past its TTL, already spent (replayed), or brought by a
 * browser other than the one that started it (no cookie, or another user's).
 */
export async function consumeAuthorization(sql: Sql, platform: Platform, state: string, browserNonce: string | undefined):
  Promise<{ ok: true; userId: string; codeVerifier: string } | { ok: false; failure: StateFailure }> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(state)) return { ok: false, failure: 'invalid_state' };
  const [row] = await asService(sql, (tx) => tx`
    WITH found AS (
      SELECT state_hash, used_at FROM oauth.pending_authorization WHERE state_hash = ${sha256(state)} FOR UPDATE
    ), spent AS (
      UPDATE oauth.pending_authorization p SET used_at = now() FROM found f
      WHERE p.state_hash = f.state_hash AND f.used_at IS NULL
      RETURNING p.state_hash
    )
    SELECT p.user_id, p.platform_slug, p.browser_hash, p.code_verifier, p.expires_at <= now() AS expired, f.used_at IS NOT NULL AS replayed
    FROM found f JOIN oauth.pending_authorization p ON p.state_hash = f.state_hash`);
  if (!row || row.platform_slug !== platform) return { ok: false, failure: 'invalid_state' };
  if (row.replayed) return { ok: false, failure: 'state_used' };
  if (row.expired) return { ok: false, failure: 'state_expired' };
  if (!browserNonce || !sha256(browserNonce).equals(row.browser_hash as Buffer)) return { ok: false, failure: 'state_mismatch' };
  return { ok: true, userId: row.user_id as string, codeVerifier: row.code_verifier as string };
}

/** Spent and expired authorizations older than a day: nothing needs them any more. */
export async function purgeAuthorizations(sql: Sql): Promise<number> {
  const rows = await asService(sql, (tx) => tx`
    DELETE FROM oauth.pending_authorization WHERE created_at < now() - interval '1 day' RETURNING 1`);
  return rows.length;
}
