import type * as z from 'zod/mini';

/** Who may call a route: anyone; a signed-in user; a user in the admin group; a signed third-party callback. */
export type AuthMode = 'public' | 'user' | 'admin' | 'webhook';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** An HTTP route: its method, path, auth mode and the zod/mini schemas the handler validates with (and OpenAPI shows). */
export interface RouteSpec {
  method: HttpMethod;
  path: `/${string}`;
  auth: AuthMode;
  summary: string;
  tags: string[];
  query?: z.ZodMiniType;
  body?: z.ZodMiniType;
  /** The success body, for the OpenAPI document only (handlers do not parse their output); see `documented`. */
  response?: z.ZodMiniType;
  /** Non-JSON responses (sitemap, robots) declare their media type. */
  responseMediaType?: string;
  successStatus?: number;
  /** Public GET routes a CDN may cache. */
  cache?: { maxAgeSeconds: number; sMaxAgeSeconds: number };
}

export const defineRoute = <R extends RouteSpec>(route: R): R => route;

/**
 * The route as the manifest and the OpenAPI document see it: with its response schema. A handler imports its route
 * module without it, so its bundle carries only the schemas it validates with.
 */
export const documented = <R extends RouteSpec>(route: R, response: z.ZodMiniType): R & { response: z.ZodMiniType } =>
  ({ ...route, response });
