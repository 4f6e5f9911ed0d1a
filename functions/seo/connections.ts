import type { Sql } from 'postgres';
import { NotFoundError } from '../_shared/errors.ts';
import { logger } from '../_shared/logger.ts';
import { engines } from './clients.ts';
import { seoSettings } from './config.ts';
import { parseServiceAccountKey } from './engines/google.ts';
import { SeoEngineError, type VerifyResult } from './engines/port.ts';
import { VerificationFailedError } from './errors.ts';
import { connectionSiteUrl } from './pages.ts';
import { deactivateConnection, saveConnection } from './queries.ts';
import { seoVault, type SeoSecret } from './vault.ts';

/** A connection to make: Google's service account key, or Bing's API key (the route's schema checks which is sent). */
export interface NewConnection {
  search_engine: 'google' | 'bing';
  site_url: string;
  service_account_key?: string;
  api_key?: string;
}

/**
 * Connects the user to Google or Bing for a site: the engine is asked first (Google: a token for the service account
 * and a metadata read of the site, which only an owner may make; Bing: the site's URL submission quota, which only the
 * key of a user who verified the site may read), then the credentials go to their own secret and the row keeps its
 * name. A refusal is a 422 with the engine's fix-it message; nothing is stored.
 */
export async function connect(sql: Sql, userId: string, input: NewConnection) {
  const siteUrl = connectionSiteUrl(input.site_url, seoSettings().site);
  const { secret, verification } = await verify(input, siteUrl);
  if (!verification.ok) {
    throw new VerificationFailedError(verification.details, { search_engine: input.search_engine, reason: verification.error.kind });
  }
  const vault = seoVault();
  const secretName = await vault.put(secret);
  let saved: Awaited<ReturnType<typeof saveConnection>>;
  try {
    saved = await saveConnection(sql, { userId, engine: input.search_engine, siteUrl, secretName });
  } catch (error) {
    await vault.delete(secretName);
    throw error;
  }
  if (saved.replacedSecret && saved.replacedSecret !== secretName) await vault.delete(saved.replacedSecret);
  logger.info('seo connection saved', { connectionId: saved.connection.id, engine: input.search_engine, replaced: Boolean(saved.replacedSecret) });
  return { ...saved.connection, verification: verification.details };
}

async function verify(input: NewConnection, siteUrl: string): Promise<{ secret: SeoSecret; verification: VerifyResult }> {
  if (input.search_engine === 'bing') {
    const apiKey = input.api_key ?? '';
    return { secret: { engine: 'bing', apiKey }, verification: await engines().bing.verify({ apiKey, siteUrl }) };
  }
  let serviceAccount;
  try {
    serviceAccount = parseServiceAccountKey(input.service_account_key ?? '');
  } catch (error) {
    if (error instanceof SeoEngineError) throw new VerificationFailedError(error.message, { search_engine: 'google', reason: error.kind });
    throw error;
  }
  return { secret: { engine: 'google', serviceAccount }, verification: await engines().google.verify({ serviceAccount, siteUrl }) };
}

/** Removes one of the user's connections: the row is deactivated, its waiting URLs fail, and its secret is deleted. */
export async function disconnect(sql: Sql, userId: string, id: string) {
  const secretName = await deactivateConnection(sql, userId, id);
  if (secretName === undefined) throw new NotFoundError('No such SEO connection of yours');
  await seoVault().delete(secretName);
  return { id, removed: true };
}
