import type * as z from 'zod/mini';
import type { Claims } from '../../db/roles.ts';
import type { Caller } from '../../db/context.ts';

/** Who may call a route: anyone; a signed-in user; a user in the admin group; a signed third-party callback. */
export type AuthMode = 'public' | 'user' | 'admin' | 'webhook';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A zod/mini schema, built when first asked for (see RouteSpec). */
export type LazySchema<S extends z.ZodMiniType = z.ZodMiniType> = () => S;
/** What a route's lazy schema parses to: the type its code gets (`Parsed<typeof JobsQuery>`). */
export type Parsed<F extends LazySchema> = z.output<ReturnType<F>>;

/**
 * An HTTP route: its method, path, auth mode and the zod/mini schemas the handler validates with (and OpenAPI shows).
 * The schemas are thunks, built on first use and then kept (defineRoute): a Lambda's cold start builds none, its first
 * request only the schemas of the route it serves, and the response schemas only the OpenAPI generator ever builds.
 */
export interface RouteSpec {
  method: HttpMethod;
  /**
   * The path; a segment `{name}` is a path parameter (API Gateway's syntax, which @middy/http-router and OpenAPI share):
   * `params` must then declare exactly those names.
   */
  path: `/${string}`;
  auth: AuthMode;
  summary: string;
  tags: string[];
  /** The OpenAPI operationId; default: the path without its slash, dots as dashes (`/sitemap.xml` → `sitemap-xml`). */
  operationId?: string;
  query?: LazySchema;
  /** The path parameters (`{slug}` in the path), validated like the query: a 400 names the one that fails. */
  params?: LazySchema<z.ZodMiniObject>;
  /** Request headers the route needs (keys in lower case, as API Gateway passes them); validated like the query. */
  headers?: LazySchema<z.ZodMiniObject>;
  /** A JSON body: 415 for another media type, 400 when malformed or invalid; the handler gets it parsed. */
  body?: LazySchema;
  /**
   * A body the route's code reads raw, verifies (a signature over its bytes) and then parses with this schema itself (a
   * webhook): documented as the request body, never parsed by the middleware.
   */
  signedBody?: LazySchema;
  /** The success body, for the OpenAPI document (handlers do not parse their output). */
  response?: LazySchema;
  /** Non-JSON responses (sitemap, robots) declare their media type. */
  responseMediaType?: string;
  successStatus?: number;
  /** Error statuses beyond the common ones, for the OpenAPI document: 402 (the plan lacks it), 422 (a third party refused the input). */
  errors?: readonly (402 | 422)[];
  /** Headers of the success answer beyond Cache-Control (a redirect's Location, a Set-Cookie), for the OpenAPI document. */
  responseHeaders?: Record<string, { description: string; required: boolean }>;
  /** Public GET routes a CDN may cache. */
  cache?: { maxAgeSeconds: number; sMaxAgeSeconds: number };
}

/** What a route's code gets: validated input, the caller and the request facts it may use. */
export interface Request<R extends RouteSpec = RouteSpec> {
  query: R['query'] extends LazySchema ? Parsed<R['query']> : Record<string, never>;
  params: R['params'] extends LazySchema ? Parsed<R['params']> : Record<string, never>;
  body: R['body'] extends LazySchema ? Parsed<R['body']> : undefined;
  /** Who is calling, as the database should see them (anon on public routes, the user on user routes). */
  caller: Caller;
  /** Verified claims (user and admin routes). */
  claims: R['auth'] extends 'user' | 'admin' ? Claims : Claims | undefined;
  requestId: string;
  sourceIp: string;
  userAgent: string;
  headers: Record<string, string | undefined>;
  /** The request's cookies by name (API Gateway passes them apart from the headers). */
  cookies: Record<string, string>;
  rawBody: string | undefined;
}

/** A response that is not JSON (XML, plain text) or needs its own status/headers. */
export interface RawResponse {
  kind: 'raw';
  statusCode: number;
  body: string;
  headers?: Record<string, string>;
}
export const raw = (statusCode: number, body: string, headers?: Record<string, string>): RawResponse =>
  ({ kind: 'raw', statusCode, body, headers });

/** A route whole: its declaration and its code, which gets validated input and returns JSON-able data or a `raw()` response. */
export type Route<R extends RouteSpec = RouteSpec> = R & { handle: (request: Request<R>) => Promise<unknown> };

const SCHEMA_FIELDS = ['query', 'params', 'headers', 'body', 'signedBody', 'response'] as const;

/** A thunk that builds its value once, on its first call, and then returns that value. */
function memoized<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/**
 * Declares a route beside its code (the manifest, the local gateway and the OpenAPI document read the declaration);
 * each schema thunk is built once, when first called.
 */
export function defineRoute<R extends RouteSpec>(spec: R, handle: (request: Request<R>) => Promise<unknown>): Route<R> {
  const route: RouteSpec = { ...spec };
  for (const field of SCHEMA_FIELDS) if (spec[field]) Object.assign(route, { [field]: memoized(spec[field]) });
  return { ...route as R, handle };
}

/** API Gateway's route key, `GET /me`: what the feature's Lambda dispatches on. */
export const routeKey = (route: Pick<RouteSpec, 'method' | 'path'>) => `${route.method} ${route.path}`;

/** The names of a path's parameters, in order: `/creator/{slug}` → `['slug']`. */
export const pathParameterNames = (path: string) => [...path.matchAll(/\{([^/{}]+)\}/g)].map((m) => m[1]!);

/**
 * A regular expression matching the request paths of a route's path, one segment per `{name}` as API Gateway matches
 * them, capturing each as a named group.
 */
export const pathPattern = (path: string) => new RegExp(`^${path.split(/(\{[^/{}]+\})/).map((part, i) =>
  i % 2 ? `(?<${part.slice(1, -1)}>[^/]+)` : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('')}$`);

export const operationId = (route: RouteSpec) =>
  route.operationId ?? route.path.slice(1).replace(/[{}]/g, '').replace(/[./]/g, '-');

/** The Cache-Control of a route's successful answers: its `cache` lifetimes on public routes, else never stored. */
export function cacheControl(route: Pick<RouteSpec, 'auth' | 'cache'>): string {
  if (route.auth !== 'public' || !route.cache) return 'private, no-store';
  const { maxAgeSeconds, sMaxAgeSeconds } = route.cache;
  return `public, max-age=${maxAgeSeconds}, s-maxage=${sMaxAgeSeconds}, stale-while-revalidate=${sMaxAgeSeconds * 2}`;
}
