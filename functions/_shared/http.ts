import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { claimsFromEvent, isAdmin } from './claims.ts';
import {
  AppError, ForbiddenError, InvalidJsonError, NotFoundError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError, ValidationError,
  fromPostgresError,
} from './errors.ts';
import { logger } from './logger.ts';
import { nulPath } from './schemas.ts';
import './zod-locale.ts';
import type { Claims } from '../../db/roles.ts';
import type { Caller } from '../../db/context.ts';
import { cacheControl, routeKey, type RawResponse, type Request, type Route } from './route.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
const MAX_BODY_BYTES = 64 * 1024;
const emptyObject = z.object({});

/** What the middlewares established about a request, carried on the event (as the body parser carries the body). */
interface Parsed {
  route?: Route;
  claims?: Claims;
  query?: unknown;
  body?: unknown;
  rawBody?: string;
}
type ParsedEvent = HttpEvent & { parsed?: Parsed };
const parsed = (event: HttpEvent): Parsed => ((event as ParsedEvent).parsed ??= {});

const routeOf = (event: HttpEvent): Route => parsed(event).route!;

/** The route API Gateway matched (its routeKey); a key this feature does not serve is a 404 in the error shape. */
const findRoute = (routes: readonly Route[]): MiddlewareObj<HttpEvent, HttpResult> => {
  const table = new Map(routes.map((route) => [routeKey(route), route]));
  return {
    before: (request) => {
      const route = table.get(request.event.routeKey);
      if (!route) throw new NotFoundError(`No route ${request.event.routeKey}`);
      parsed(request.event).route = route;
    },
  };
};

/** Authorisation by the route's mode; JWTs were already verified by API Gateway (or the local gateway). */
const authorise: MiddlewareObj<HttpEvent, HttpResult> = {
  before: (request) => {
    const route = routeOf(request.event);
    const claims = claimsFromEvent(request.event);
    if ((route.auth === 'user' || route.auth === 'admin') && !claims) throw new UnauthorizedError('A valid access token is required');
    if (route.auth === 'admin' && !isAdmin(claims!)) throw new ForbiddenError('This route is for administrators');
    parsed(request.event).claims = claims;
  },
};

function zodIssues(error: z.core.$ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

const JSON_MEDIA_TYPE = /^application\/(.+\+)?json($|;)/;

/** The JSON body of a route that takes one: 415 for another media type, 400 when it is missing or malformed. */
function jsonBody(event: HttpEvent): unknown {
  if (!JSON_MEDIA_TYPE.test(event.headers['content-type'] ?? '')) throw new UnsupportedMediaTypeError('Send the body as application/json');
  try {
    return JSON.parse(event.isBase64Encoded ? Buffer.from(event.body!, 'base64').toString('utf8') : event.body!);
  } catch {
    throw new InvalidJsonError('The request body is missing or is not valid JSON');
  }
}

/** zod validation of the query string and the JSON body, after the one check of text bound for PostgreSQL (no NUL). */
const validate: MiddlewareObj<HttpEvent, HttpResult> = {
  before: (request) => {
    const state = parsed(request.event);
    const route = state.route!;
    const input = request.event.queryStringParameters ?? {};
    rejectNul(input, 'Invalid query parameters');
    const query = (route.query ?? emptyObject).safeParse(input);
    if (!query.success) throw new ValidationError('Invalid query parameters', zodIssues(query.error));
    state.query = query.data;
    if (route.headers) {
      const headers = route.headers.safeParse(request.event.headers);
      if (!headers.success) throw new ValidationError('Invalid request headers', zodIssues(headers.error));
    }
    if (route.body) {
      const json = jsonBody(request.event);
      rejectNul(json, 'Invalid request body');
      const body = route.body.safeParse(json);
      if (!body.success) throw new ValidationError('Invalid request body', zodIssues(body.error));
      state.body = body.data;
    }
  },
};

/** PostgreSQL text cannot hold NUL (U+0000): a request carrying one anywhere is a 400 naming where, never a 5xx. */
function rejectNul(input: unknown, message: string) {
  const path = nulPath(input);
  if (path !== undefined) throw new ValidationError(message, [{ path, message: 'must not contain NUL characters' }]);
}

const limitBody: MiddlewareObj<HttpEvent, HttpResult> = {
  before: (request) => {
    const body = request.event.body;
    if (body && Buffer.byteLength(body, request.event.isBase64Encoded ? 'base64' : 'utf8') > MAX_BODY_BYTES) {
      throw new PayloadTooLargeError(`Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    }
    parsed(request.event).rawBody = body;
  },
};

/** The one error map: AppErrors (and PostgreSQL errors we raise on purpose) become 4xx; anything else a bare 500. */
const errorMap: MiddlewareObj<HttpEvent, HttpResult> = {
  onError: (request) => {
    const error = request.error;
    const requestId = request.context.awsRequestId;
    const mapped = error instanceof AppError ? error : fromPostgresError(error);
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
    } else {
      logger.error('request failed', { error: error as Error });
      request.response = json(500, { error: { code: 'internal_error', message: `Internal error (request ${requestId})` } });
    }
  },
};

/**
 * CORS headers on every answer, errors included. Preflights never reach a function (API Gateway answers them, as the
 * local gateway does), and API Gateway with CORS configured sets these itself, so this is for the local stack and any
 * other proxy. A constant instead of @middy/http-cors and @middy/util: 4 KB less in every bundle.
 */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization,content-type',
  'access-control-allow-methods': 'GET,POST,PATCH,DELETE,OPTIONS', 'access-control-max-age': '600',
};
const addCors = (request: { response: HttpResult | null | undefined }) => {
  if (request.response) request.response.headers = { ...CORS_HEADERS, ...request.response.headers };
};
const cors: MiddlewareObj<HttpEvent, HttpResult> = { after: addCors, onError: addCors };

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/**
 * A feature's HTTP API (payload 2.0) Lambda: dispatches on API Gateway's routeKey to one of the feature's routes, with
 * body limit, JSON body, auth mode, zod validation, CORS, logging with the request id, and the error map around it.
 */
export function httpRouter(routes: readonly Route[]) {
  const base = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const { route, claims, query, body, rawBody } = parsed(event) as Parsed & { route: Route };
    const caller: Caller = route.auth === 'user' || route.auth === 'admin'
      ? { role: 'authenticated', claims: claims! }
      : route.auth === 'webhook' ? { role: 'service_role' } : { role: 'anon' };
    const result = await route.handle({
      query, body, caller, claims, rawBody,
      requestId: context.awsRequestId,
      sourceIp: event.requestContext.http.sourceIp,
      userAgent: event.requestContext.http.userAgent ?? '',
      headers: event.headers,
    } as Request);
    if (isRaw(result)) {
      return { statusCode: result.statusCode, headers: { 'cache-control': cacheControl(route), ...result.headers }, body: result.body };
    }
    return json(route.successStatus ?? 200, result, { 'cache-control': cacheControl(route) });
  };

  return middy<HttpEvent, HttpResult>()
    .use([
      injectLambdaContext(logger, { resetKeys: true }),
      cors,
      errorMap,
      findRoute(routes),
      limitBody,
      authorise,
      validate,
    ])
    .handler(base);
}

const isRaw = (value: unknown): value is RawResponse => (value as RawResponse | undefined)?.kind === 'raw';
