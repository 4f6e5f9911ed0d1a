import * as z from 'zod/mini';
import type { FunctionSpec } from '../manifest.ts';
import { cacheControl, operationId, pathParameterNames, type RouteSpec } from './route.ts';

/** Every tag a route may carry, with what it groups (a route with another tag fails the generator). */
const TAGS: Record<string, string> = {
  Account: 'The signed-in caller’s profile, settings, subscription, quotas and notifications',
  AI: 'Titles, tags and descriptions suggested for the caller’s content (a provider’s model or the offline engine), applying them, settings, costs',
  Sync: 'Bringing a connected account’s content in: a background job per sync, within the month’s quota',
  Connections: 'Connecting YouTube, Instagram, TikTok, Facebook and X accounts (OAuth), listing and disconnecting them',
  Content: 'The signed-in creator’s own content: list it whatever its visibility, edit it (kept over later syncs), delete it',
  Jobs: 'The signed-in caller’s background jobs: list, status, logs, counts and cancellation',
  Admin: 'Administration and moderation: roles, creators, hidden items, jobs, dead letters, maintenance (`admin` in the token’s `cognito:groups`)',
  Billing: 'Plans and payments: Stripe Checkout and the customer portal, the caller’s plan, usage and invoices; Stripe’s signed webhooks (no bearer token)',
  Discovery: 'The public discovery platform: browse, search, trending, creator and content pages, SEO, sitemap (cacheable)',
  SEO: 'Submitting the caller’s public pages to Google, Bing and IndexNow: connections (keys kept in Secrets Manager), submissions, auto-submit',
  Site: 'The public website’s crawlable pages: server-rendered HTML for creators and content, at the URLs the sitemap lists',
};

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }),
});
/** What API Gateway itself answers with (its JWT authorizer, its payload limit, a crashed or timed-out integration). */
const GatewayMessage = z.object({ message: z.string() });

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errorBody = { $ref: '#/components/schemas/Error' };
const gatewayBody = { $ref: '#/components/schemas/GatewayMessage' };
const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });

/** The error answers, once: operations refer to those that can happen to them. */
const RESPONSES = {
  BadRequest: { description: 'Invalid input (query, headers or body), named in `details`', ...json(errorBody) },
  Unauthorized: {
    description: 'No valid bearer token: API Gateway’s JWT authorizer answers, the function never runs',
    headers: { 'WWW-Authenticate': { required: true, description: 'The bearer challenge', schema: { type: 'string', pattern: '^Bearer\\b' } } },
    ...json(gatewayBody),
  },
  Forbidden: { description: 'Not allowed for the caller', ...json(errorBody) },
  NotFound: { description: 'What the request refers to does not exist or is not visible to the caller', ...json(errorBody) },
  Conflict: { description: 'Conflicts with the current state (already exists, still in use, not in a state that allows it)', ...json(errorBody) },
  PayloadTooLarge: {
    description: 'A body over 64 KB is refused by the function (the error body); over 10 MB by API Gateway (its message)',
    ...json({ anyOf: [errorBody, gatewayBody] }),
  },
  UnsupportedMediaType: { description: 'The body is not `application/json`', ...json(errorBody) },
  PaymentRequired: { description: 'The caller’s plan does not include this: the message says which to upgrade to', ...json(errorBody) },
  UnprocessableContent: { description: 'Well-formed, but refused by the third party it was checked with: the message says what to fix', ...json(errorBody) },
  TooManyRequests: { description: 'Quota exceeded or rate limited', ...json(errorBody) },
  InternalError: {
    description: 'Server fault: the function’s error body (no details, the request id) or, if it crashed, API Gateway’s message',
    ...json({ anyOf: [errorBody, gatewayBody] }),
  },
  ServiceUnavailable: {
    description: 'Retry: the database connection was lost under the request (the function’s error body, with Retry-After in seconds) '
      + 'or the function did not answer within its timeout (API Gateway’s message)',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying (the function’s answer only)', schema: { type: 'string', pattern: '^\\d+$' } } },
    ...json({ anyOf: [errorBody, gatewayBody] }),
  },
};

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 303: 'See Other: the browser goes on to `Location`' };

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...emitted } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  // Inlined into the document, `#/$defs/…` would point at the document's root: a schema that needs them must be split.
  if ('$defs' in emitted) throw new Error('A route schema that emits $defs cannot be inlined into the OpenAPI document');
  return emitted;
}

/** `stripe-signature` → `Stripe-Signature`: header names as their specifications spell them (HTTP ignores case). */
const headerName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());

/** The path, query and header parameters of a route, from the zod schemas of its input. */
function parameters(route: RouteSpec) {
  const fromSchema = (schema: (() => z.ZodMiniType) | undefined, where: 'path' | 'query' | 'header') => {
    if (!schema) return [];
    const { properties = {}, required = [] } = jsonSchema(schema(), 'input');
    return Object.entries(properties).map(([name, { description, ...property }]) => ({
      name: where === 'header' ? headerName(name) : name, in: where, required: where === 'path' || required.includes(name),
      ...(typeof description === 'string' ? { description } : {}), schema: property,
    }));
  };
  const path = fromSchema(route.params, 'path');
  const declared = path.map((p) => p.name).sort().join(',');
  if (declared !== pathParameterNames(route.path).sort().join(',')) {
    throw new Error(`${route.method} ${route.path}: params must declare exactly the path's {names} (declared: ${declared || 'none'})`);
  }
  return [...path, ...fromSchema(route.query, 'query'), ...fromSchema(route.headers, 'header')];
}

function requestBody(route: RouteSpec) {
  const schema = route.body ?? route.signedBody;
  if (!schema) return {};
  const description = route.body ? 'JSON' : 'The raw JSON the signature covers (read as sent, verified, then parsed)';
  return { requestBody: { required: true, description, ...json(jsonSchema(schema(), 'input')) } };
}

/** A page's own error answers (HTML for a person or a crawler): what the site's pages send for 404 and 410. */
const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });

/** What an operation can answer: its success, and the errors its auth mode and input make possible. */
function responses(route: RouteSpec) {
  const page = route.responseMediaType === 'text/html';
  const status = route.successStatus ?? 200;
  const secured = route.auth === 'user' || route.auth === 'admin';
  const hasBody = Boolean(route.body ?? route.signedBody);
  const content = route.responseMediaType
    ? { [route.responseMediaType]: { schema: { type: 'string' } } }
    : { 'application/json': { schema: route.response ? jsonSchema(route.response(), 'output') : {} } };
  return {
    [String(status)]: {
      description: SUCCESS_DESCRIPTIONS[status] ?? 'Success',
      headers: {
        'Cache-Control': { required: true, schema: { type: 'string', const: cacheControl(route) } },
        ...Object.fromEntries(Object.entries(route.responseHeaders ?? {}).map(([name, { description, required }]) =>
          [name, { required, description, schema: { type: 'string' } }])),
      },
      // A redirect has no body.
      ...(status >= 300 && status < 400 ? {} : { content }),
    },
    '400': ref('BadRequest'),
    ...(secured ? { '401': ref('Unauthorized') } : {}),
    ...(route.errors?.includes(402) ? { '402': ref('PaymentRequired') } : {}),
    '403': ref('Forbidden'),
    '404': page ? htmlPage('No such page, or not a public one (an HTML page)') : ref('NotFound'),
    ...(page ? { '410': htmlPage('The page was public and has been deleted (an HTML page); crawlers drop it') } : {}),
    '409': ref('Conflict'),
    ...(hasBody ? { '413': ref('PayloadTooLarge') } : {}),
    ...(route.body ? { '415': ref('UnsupportedMediaType') } : {}),
    ...(route.errors?.includes(422) ? { '422': ref('UnprocessableContent') } : {}),
    '429': ref('TooManyRequests'),
    '500': ref('InternalError'),
    '503': ref('ServiceUnavailable'),
  };
}

function operation(route: RouteSpec) {
  for (const tag of route.tags) if (!(tag in TAGS)) throw new Error(`${route.method} ${route.path}: tag ${tag} is not declared in openapi.ts`);
  const secured = route.auth === 'user' || route.auth === 'admin';
  const description = {
    public: 'Public: no token.', user: 'Needs a signed-in user’s bearer token.',
    admin: 'Needs the bearer token of a user in the admin group (403 otherwise).',
    webhook: 'No bearer token: the `Stripe-Signature` header authenticates the delivery.',
  }[route.auth];
  return {
    operationId: operationId(route),
    summary: route.summary,
    description,
    tags: route.tags,
    security: secured ? [{ bearerAuth: [] }] : [],
    parameters: parameters(route),
    ...requestBody(route),
    responses: responses(route),
  };
}

/** The OpenAPI 3.1 document of every route of the features' HTTP Lambdas, generated from the zod schemas they validate with. */
export function openApiDocument(functions: FunctionSpec[], serverUrl = '/') {
  const paths: Record<string, Record<string, ReturnType<typeof operation>>> = {};
  const routes = functions.flatMap((fn): readonly RouteSpec[] => (fn.trigger.kind === 'http' ? fn.trigger.routes : []));
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'StreamVibe API', version: '1.0.0',
      description: 'Creators connect their platforms, sync content, get AI tags and SEO, and are discovered.',
      license: { name: 'Proprietary (all rights reserved)', identifier: 'LicenseRef-StreamVibe-Proprietary' },
    },
    servers: [{ url: serverUrl, description: 'This deployment' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http', scheme: 'bearer', bearerFormat: 'JWT',
          description: 'A Cognito ID or access token (`Authorization: Bearer …`), verified by API Gateway’s JWT authorizer',
        },
      },
      schemas: { Error: jsonSchema(ErrorBody, 'output'), GatewayMessage: jsonSchema(GatewayMessage, 'output') },
      responses: RESPONSES,
    },
  };
}
