import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { CORS_HEADERS } from '../functions/_shared/http.ts';
import { pathPattern, routeKey } from '../functions/_shared/route.ts';
import { httpRoutes, type FunctionSpec } from '../functions/manifest.ts';
import { LOCAL_CLIENT_ID, type LocalIdentity } from './identity.ts';
import { invokeLambda } from './invoke.ts';

/** Extra local-only endpoints (identity, docs): return true when handled. */
export type LocalRoute = (req: IncomingMessage, res: ServerResponse, url: URL, body: string) => Promise<boolean>;

const MAX_BODY_BYTES = 10 * 1024 * 1024;  // HTTP API's payload limit
/** host[:port] as RFC 3986 allows it: a name, an IPv4 address or a bracketed IPv6 address. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/;

/**
 * A local HTTP API (payload 2.0): mounts every route of the features' HTTP Lambdas on one port, verifies JWTs for
 * user/admin routes against the local identity's JWKS (401 like API Gateway's JWT authorizer), and invokes the
 * feature's Lambda with the event and context shapes Lambda uses, honouring its timeout.
 */
export async function startGateway(options: { port: number; functions: FunctionSpec[]; identity: LocalIdentity; localRoutes?: LocalRoute[] }) {
  const jwks = createLocalJWKSet(options.identity.jwks());
  const routes = httpRoutes(options.functions);
  const byRoute = new Map(routes.filter((r) => !r.route.path.includes('{')).map((r) => [routeKey(r.route), r]));
  // Routes with path parameters, tried after the fixed paths (API Gateway prefers the most specific route too).
  const templated = routes.filter((r) => r.route.path.includes('{')).map((r) => ({ ...r, pattern: pathPattern(r.route.path) }));
  /** The route a request is for, and its path parameters (URL-decoded, as API Gateway passes them). */
  function match(method: string | undefined, path: string) {
    const fixed = byRoute.get(`${method} ${path}`);
    if (fixed) return { ...fixed, pathParameters: undefined };
    for (const candidate of templated) {
      const groups = candidate.route.method === method ? candidate.pattern.exec(path)?.groups : undefined;
      if (groups) return { ...candidate, pathParameters: Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, decodeSegment(v)])) };
    }
    return undefined;
  }

  async function verify(authorization: string | undefined): Promise<JWTPayload | undefined> {
    const token = authorization?.match(/^Bearer (\S+)$/i)?.[1];
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: options.identity.issuer, algorithms: ['RS256'] });
      const audience = payload.token_use === 'access' ? payload.client_id : payload.aud;
      return audience === LOCAL_CLIENT_ID ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  const server = createServer(async (req, res) => {
    try {
      // The Host header is the client's text: it never builds the URL, and a malformed one is a 400 (not a thrown URL error).
      if (req.headers.host !== undefined && !HOST_HEADER.test(req.headers.host)) {
        return send(res, 400, { error: { code: 'bad_request', message: 'The Host header is malformed' } });
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      if (body === undefined) return send(res, 413, { message: 'Request Entity Too Large' });
      for (const route of options.localRoutes ?? []) if (await route(req, res, url, body)) return;

      if (req.method === 'OPTIONS') return preflight(res);
      const matched = match(req.method, url.pathname);
      if (!matched) return send(res, 404, { message: 'Not Found' });
      const { fn, route, pathParameters } = matched;
      let claims: JWTPayload | undefined;
      if (route.auth === 'user' || route.auth === 'admin') {
        claims = await verify(req.headers.authorization);
        if (!claims) return send(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
      }
      const requestId = randomUUID();
      const event = toEvent(req, url, body, route.method, route.path, requestId, claims, pathParameters);
      const result = await withTimeout(invokeLambda<APIGatewayProxyStructuredResultV2>(fn, event, requestId), fn.timeoutSeconds * 1000);
      if (!result) return send(res, 503, { message: 'Service Unavailable' });
      // With its length, as API Gateway answers (never chunked): head and body then leave in one write.
      const payload = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : result.body ?? '';
      res.writeHead(result.statusCode ?? 200, {
        'apigw-requestid': requestId, ...stringHeaders(result.headers), 'content-length': String(Buffer.byteLength(payload)),
      });
      res.end(payload);
    } catch (error) {
      // API Gateway answers a crashed integration with a bare 500; the handler's own error map runs before this.
      process.stderr.write(`[gateway] ${(error as Error).stack ?? error}\n`);
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
    }
  });
  await new Promise<void>((ready) => server.listen(options.port, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    stop: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}

/** A path segment decoded (`%20` → space); a malformed escape stays as sent, for the route's schema to refuse. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toEvent(req: IncomingMessage, url: URL, body: string, method: string, path: string, requestId: string,
  claims: JWTPayload | undefined, pathParameters: Record<string, string> | undefined): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // HTTP APIs join repeated query parameters with commas.
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    cookies: cookies.length ? cookies : undefined,
    headers,
    queryStringParameters: url.search ? query : undefined,
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: headers.host ?? 'localhost', domainPrefix: 'localhost',
      requestId, routeKey: `${method} ${path}`, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
      http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '' },
      // No route configures authorization scopes, so API Gateway passes scopes as null.
      ...(claims ? { authorizer: { jwt: { claims: stringClaims(claims), scopes: null } } } : {}),
    },
    body: body === '' ? undefined : body,
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

/** API Gateway passes every claim value as a string: numbers and booleans as their text, arrays as "[a b]". */
export function stringClaims(claims: JWTPayload): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  // No Content-Length and no Transfer-Encoding: HTTP/1.1 says there is no body (GETs), so skip reading the stream.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((done) => { timer = setTimeout(() => done(undefined), timeoutMs); });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function stringHeaders(headers: APIGatewayProxyStructuredResultV2['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

/** Preflights are answered here, as API Gateway answers them, with the headers the handlers send. */
function preflight(res: ServerResponse) {
  res.writeHead(204, CORS_HEADERS);
  res.end();
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
