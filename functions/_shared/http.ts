import middy, { type MiddlewareObj } from '@middy/core';
import httpCors from '@middy/http-cors';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpRouterHandler from '@middy/http-router';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { claimsFromEvent, isAdmin } from './claims.ts';
import {
  AppError, ForbiddenError, InvalidJsonError, NotFoundError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError,
  fromPostgresError, isLostConnection,
} from './errors.ts';
import { logger } from './logger.ts';
import { nulPath } from './schemas.ts';
import './zod-locale.ts';
import type { Claims } from '../../db/roles.ts';
import type { Caller } from '../../db/context.ts';
import { cacheControl, type RawResponse, type Request, type Route, type RouteSpec } from './route.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
const MAX_BODY_BYTES = 64 * 1024;

/** What the middlewares established about a request, carried on the event (as the body parser carries the body). */
interface Parsed {
  claims?: Claims;
  query?: unknown;
  params?: unknown;
  body?: unknown;
  rawBody?: string;
}
type ParsedEvent = HttpEvent & { parsed?: Parsed };
const parsed = (event: HttpEvent): Parsed => ((event as ParsedEvent).parsed ??= {});

/**
 * Authorisation by the route's mode; JWTs were already verified by API Gateway (or the local gateway). A signed-in
 * caller's `sub` becomes the `user_id` of every log line of the request (the logger's keys reset per invocation).
 */
const authorise = (route: RouteSpec): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const claims = claimsFromEvent(request.event);
    if (claims) logger.appendKeys({ user_id: claims.sub });
    if ((route.auth === 'user' || route.auth === 'admin') && !claims) throw new UnauthorizedError('A valid access token is required');
    if (route.auth === 'admin' && !isAdmin(claims!)) throw new ForbiddenError('This route is for administrators');
    parsed(request.event).claims = claims;
  },
});

function zodIssues(error: z.core.$ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** zod validation of the path parameters, the query string and of the JSON body (parsed by @middy/http-json-body-parser), after the one check of text bound for PostgreSQL (no NUL). */
const validate = (route: RouteSpec): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const state = parsed(request.event);
    if (route.params) {
      // API Gateway (and @middy/http-router, locally) put the `{name}` segments of the matched route here.
      const given = request.event.pathParameters ?? {};
      rejectNul(given, 'Invalid path parameters');
      const params = route.params().safeParse(given);
      if (!params.success) throw new ValidationError('Invalid path parameters', zodIssues(params.error));
      state.params = params.data;
    }
    const input = request.event.queryStringParameters ?? {};
    rejectNul(input, 'Invalid query parameters');
    // A route without a query schema takes no parameters: unknown ones are ignored (as z.object({}) would strip them).
    const query = route.query?.().safeParse(input) ?? { success: true, data: {} };
    if (!query.success) throw new ValidationError('Invalid query parameters', zodIssues(query.error));
    state.query = query.data;
    if (route.headers) {
      const headers = route.headers().safeParse(request.event.headers);
      if (!headers.success) throw new ValidationError('Invalid request headers', zodIssues(headers.error));
    }
    if (route.body) {
      rejectNul(request.event.body, 'Invalid request body');
      const body = route.body().safeParse(request.event.body);
      if (!body.success) throw new ValidationError('Invalid request body', zodIssues(body.error));
      state.body = body.data;
    }
  },
});

/** PostgreSQL text cannot hold NUL (U+0000): a request carrying one anywhere is a 400 naming where, never a 5xx. */
function rejectNul(input: unknown, message: string) {
  const path = nulPath(input);
  if (path !== undefined) throw new ValidationError(message, [{ path, message: 'must not contain NUL characters' }]);
}

/** The 64 KB limit, for routes that take a body (one without ignores whatever a client sends, as its document says). */
const limitBody: MiddlewareObj<HttpEvent, HttpResult> = {
  before: (request) => {
    const body = request.event.body;
    if (body && Buffer.byteLength(body, request.event.isBase64Encoded ? 'base64' : 'utf8') > MAX_BODY_BYTES) {
      throw new PayloadTooLargeError(`Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    }
    parsed(request.event).rawBody = body;
  },
};

/**
 * The one error map: AppErrors (and PostgreSQL errors we raise on purpose) become 4xx; a lost database connection a 503
 * with Retry-After; anything else a bare 500.
 */
const errorMap: MiddlewareObj<HttpEvent, HttpResult> = {
  onError: (request) => {
    const error = request.error;
    const requestId = request.context.awsRequestId;
    const mapped = error instanceof AppError ? error : fromPostgresError(error) ?? fromBodyParserError(error);
    if (mapped) {
      // Once per rejection, with its reason; a PostgreSQL error's own text stays here, never in the answer.
      const cause = mapped.cause as { code?: string; constraint_name?: string; message?: string } | undefined;
      logger.info('request rejected', {
        status: mapped.statusCode, code: mapped.code, reason: mapped.message,
        ...(cause?.code ? { sqlstate: cause.code, constraint: cause.constraint_name, database_message: cause.message } : {}),
      });
      request.response = json(mapped.statusCode, {
        error: { code: mapped.code, message: mapped.message, ...(mapped.details === undefined ? {} : { details: mapped.details }) },
      });
    } else if (isLostConnection(error)) {
      // Not a bug of ours nor the client's: the connection went away (and an unfinished transaction with it); a retry gets a new one.
      logger.warn('database connection lost', { error: error as Error });
      request.response = json(503, { error: { code: 'service_unavailable', message: `The service is briefly unavailable: retry the request (request ${requestId})` } },
        { 'retry-after': '1' });
    } else {
      logger.error('request failed', { error: error as Error });
      request.response = json(500, { error: { code: 'internal_error', message: `Internal error (request ${requestId})` } });
    }
  },
};

/**
 * @middy/http-json-body-parser's http errors in our error shape: 415 for another media type, and its 422 for a
 * missing or malformed body (or a `__proto__` key) as our 400 invalid_json.
 */
function fromBodyParserError(error: unknown): AppError | undefined {
  const { statusCode, cause } = error as { statusCode?: number; cause?: { package?: string } };
  if (cause?.package !== '@middy/http-json-body-parser') return undefined;
  return statusCode === 415 ? new UnsupportedMediaTypeError('Send the body as application/json', undefined, { cause: error })
    : new InvalidJsonError('The request body is missing or is not valid JSON', undefined, { cause: error });
}

/**
 * CORS headers on every answer, errors included (@middy/http-cors). Preflights never reach a function (API Gateway
 * answers them, as the local gateway does, with these same headers), and API Gateway with CORS configured sets these
 * itself, so this is for the local stack and any other proxy.
 */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization,content-type',
  'access-control-allow-methods': 'GET,POST,PATCH,DELETE,OPTIONS', 'access-control-max-age': '600',
};
const cors = httpCors({
  origin: CORS_HEADERS['access-control-allow-origin'], headers: CORS_HEADERS['access-control-allow-headers'],
  methods: CORS_HEADERS['access-control-allow-methods'], maxAge: CORS_HEADERS['access-control-max-age'],
}) as MiddlewareObj<HttpEvent, HttpResult>;

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** One route's code: validated input and the caller in, JSON (or a raw response) with its cache policy out. */
const serve = (route: Route) => async (event: HttpEvent, context: Context): Promise<HttpResult> => {
  const { claims, query, params = {}, body, rawBody } = parsed(event);
  const caller: Caller = route.auth === 'user' || route.auth === 'admin'
    ? { role: 'authenticated', claims: claims! }
    : route.auth === 'webhook' ? { role: 'service_role' } : { role: 'anon' };
  const result = await route.handle({
    query, params, body, caller, claims, rawBody,
    requestId: context.awsRequestId,
    sourceIp: event.requestContext.http.sourceIp,
    userAgent: event.requestContext.http.userAgent ?? '',
    headers: event.headers,
    cookies: cookiesOf(event.cookies),
  } as Request);
  if (isRaw(result)) {
    return { statusCode: result.statusCode, headers: { 'cache-control': cacheControl(route), ...result.headers }, body: result.body };
  }
  return json(route.successStatus ?? 200, result, { 'cache-control': cacheControl(route) });
};

/**
 * A feature's HTTP API (payload 2.0) Lambda: @middy/http-router dispatches on the method and path to one of the
 * feature's routes, each its own middy stack (body limit, auth mode, @middy/http-json-body-parser when it takes a
 * body, zod validation); around them, CORS, logging with the request id, and the error map. Errors have no handler
 * on the way (an unknown path is our NotFoundError), so each one reaches the one error map.
 *
 * The maintained middlewares replaced hand-written CORS headers, JSON parsing and a routeKey table at a measured
 * cost of 7.7 KB and ~2 ms of import per HTTP Lambda; their cold init stayed within run-to-run noise of the
 * hand-written stack's (README, "Bundle sizes"). Kept our own: the error map (@middy/http-error-handler answers with
 * the error's message as the body, not our `{ error: { code, message, details } }`) and the 64 KB body limit (middy
 * has no middleware for it).
 */
export function httpRouter(routes: readonly Route[]) {
  const routeHandler = (route: Route) => middy<HttpEvent, HttpResult>({ timeoutEarlyInMillis: 0 })
    .use([...(route.body || route.signedBody ? [limitBody] : []), authorise(route), ...(route.body ? [httpJsonBodyParser() as MiddlewareObj<HttpEvent, HttpResult>] : []), validate(route)])
    .handler(serve(route));
  return middy<HttpEvent, HttpResult>()
    .use([injectLambdaContext(logger, { resetKeys: true }), cors, errorMap])
    .handler(httpRouterHandler<HttpEvent, HttpResult>({
      routes: routes.map((route) => ({ method: route.method, path: route.path, handler: routeHandler(route) })),
      notFoundResponse: ({ method, path }) => { throw new NotFoundError(`No route ${method} ${path}`); },
    }));
}

/** `name=value` pairs as API Gateway lists them; a name seen twice keeps its first value (the most specific path's). */
function cookiesOf(list: string[] | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const pair of list ?? []) {
    const at = pair.indexOf('=');
    if (at > 0) cookies[pair.slice(0, at).trim()] ??= pair.slice(at + 1).trim();
  }
  return cookies;
}

const isRaw = (value: unknown): value is RawResponse => (value as RawResponse | undefined)?.kind === 'raw';
