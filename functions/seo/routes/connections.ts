import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { httpsUrl, uuid } from '../../_shared/schemas.ts';
import { connect, disconnect } from '../connections.ts';
import { listConnections } from '../queries.ts';
import { CONNECTED_ENGINES, tags } from './common.ts';

const Connection = () => z.object({
  id: z.string(), search_engine: z.enum(CONNECTED_ENGINES), site_url: z.string(), is_active: z.boolean(), is_verified: z.boolean(),
  verified_at: z.nullable(z.string()), last_submission_at: z.nullable(z.string()),
  last_error: z.nullable(z.string()).check(z.describe('why the engine last refused this connection (what to fix)')), created_at: z.string(),
});

export const connectionsRoute = defineRoute({
  method: 'GET', path: '/seo-connections', auth: 'user', tags, response: () => z.object({ items: z.array(Connection()) }),
  summary: 'The caller’s Google and Bing connections (never a key)',
}, async ({ claims }) => ({ items: await listConnections(db(), claims) }));

export const CreateConnectionBody = () => z.strictObject({
  search_engine: z.enum(CONNECTED_ENGINES),
  site_url: httpsUrl,
  service_account_key: z.optional(z.string().check(z.maxLength(10_000),
    z.describe('google: the service account’s JSON key file, as downloaded from the Google Cloud console'))),
  api_key: z.optional(z.string().check(z.regex(/^[A-Za-z0-9]{16,64}$/, 'must be the API key from Bing Webmaster Tools → Settings → API access'),
    z.describe('bing: the API key from Bing Webmaster Tools → Settings → API access'))),
}).check(z.refine((body) => (body.search_engine === 'google'
  ? body.service_account_key !== undefined && body.api_key === undefined
  : body.api_key !== undefined && body.service_account_key === undefined), 'Send service_account_key for google, api_key for bing'));

export const createConnectionRoute = defineRoute({
  method: 'POST', path: '/seo-connections', auth: 'user', tags, operationId: 'seo-connections-create', body: CreateConnectionBody, successStatus: 201, errors: [422],
  response: () => z.extend(Connection(), { verification: z.string().check(z.describe('what the engine confirmed')) }),
  summary: 'Connect Google (a service account key) or Bing (an API key) for a site on the public site, verified with the engine first',
}, ({ claims, body }) => connect(db(), claims.sub, body));

export const deleteConnectionRoute = defineRoute({
  method: 'DELETE', path: '/seo-connections', auth: 'user', tags, operationId: 'seo-connections-delete', query: () => z.object({ id: uuid }),
  response: () => z.object({ id: z.string(), removed: z.literal(true) }),
  summary: 'Remove one of the caller’s connections: its secret is deleted and its waiting URLs fail',
}, ({ claims, query }) => disconnect(db(), claims.sub, query.id));
