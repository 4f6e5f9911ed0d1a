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
  response?: z.ZodMiniType;
  /** Non-JSON responses (sitemap, robots) declare their media type. */
  responseMediaType?: string;
  successStatus?: number;
  /** Public GET routes a CDN may cache. */
  cache?: { maxAgeSeconds: number; sMaxAgeSeconds: number };
}

export const defineRoute = <R extends RouteSpec>(route: R): R => route;
