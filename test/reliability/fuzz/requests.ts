import fc, { type Arbitrary } from 'fast-check';
import { routeKey, type AuthMode } from '../../../functions/_shared/route.ts';
import { httpRoutes } from '../../../functions/manifest.ts';
import { signStripePayload } from '../../../functions/billing/signature.ts';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../../../local/stack.ts';
import { hostileString, hostileValue, schemaArbitrary, type KnownValues, type Schema } from './arbitraries.ts';

/** One operation of the OpenAPI document, with the auth mode its route declares. */
export interface Operation {
  key: string;
  method: string;
  path: string;
  auth: AuthMode;
  parameters: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema }[];
  /** `json`: a JSON body the middleware parses; `signed`: a raw body the route verifies (the Stripe webhook). */
  body?: { kind: 'json' | 'signed'; schema: Schema };
}

type Json = Record<string, any>;

/** Every operation in the document: routes other features add are fuzzed as soon as they are in the manifest. */
export function operationsOf(document: Json): Operation[] {
  const auth = new Map(httpRoutes().map(({ route }) => [routeKey(route), route]));
  return Object.entries<Json>(document.paths).flatMap(([path, operations]) => Object.entries<Json>(operations).map(([method, op]) => {
    const key = `${method.toUpperCase()} ${path}`;
    const route = auth.get(key);
    if (!route) throw new Error(`${key} is in the OpenAPI document but no route of the manifest`);
    const schema = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
    return {
      key, method: method.toUpperCase(), path, auth: route.auth, parameters: op.parameters,
      ...(schema ? { body: { kind: route.body ? 'json' as const : 'signed' as const, schema } } : {}),
    };
  }));
}

/** The tokens a fuzzed request may carry. */
export interface Credentials {
  user: string;
  otherUser: string;
  admin: string;
  expired: string;
  wrongKey: string;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** What kind of request this is (auth variant, body variant), for the report. */
  variant: string;
}

const truncateJson = (text: string) => text.slice(0, Math.max(1, Math.floor(text.length / 2)));

/** The Authorization header: mostly a valid token for the route's auth mode, otherwise each way a token can be wrong. */
function authArbitrary(op: Operation, tokens: Credentials): Arbitrary<[string, string | undefined]> {
  const valid = op.auth === 'admin' ? tokens.admin : tokens.user;
  const secured = op.auth === 'user' || op.auth === 'admin';
  const variants: [string, string | undefined][] = [
    ['no token', undefined], ['garbage token', 'Bearer not.a.jwt'], ['expired token', `Bearer ${tokens.expired}`],
    ['token signed by another key', `Bearer ${tokens.wrongKey}`], ['Basic scheme', 'Basic dXNlcjpwYXNz'], ['empty bearer', 'Bearer '],
    ['another user', `Bearer ${tokens.otherUser}`], ['token with a tampered payload', `Bearer ${tamper(valid)}`],
  ];
  if (op.auth === 'admin') variants.push(['a non-admin user', `Bearer ${tokens.user}`]);
  return fc.oneof(
    { weight: secured ? 6 : 2, arbitrary: fc.constant<[string, string | undefined]>([secured ? 'valid token' : 'no token', secured ? `Bearer ${valid}` : undefined]) },
    { weight: 2, arbitrary: fc.constantFrom(...variants) },
  );
}

/** A JWT whose payload says something else (`sub` of nobody) under the original signature. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Json;
  return [header, Buffer.from(JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000', 'cognito:groups': ['admin'] })).toString('base64url'), signature].join('.');
}

/** The body and its content type: schema-shaped JSON mostly, else malformed, of a wrong kind, oversized, or of another media type. */
function bodyArbitrary(op: Operation, known: KnownValues): Arbitrary<{ variant: string; body?: string; contentType?: string }> {
  const schema = op.body?.schema ?? { type: 'object' };
  const json = schemaArbitrary(schema, known, '', 0.15).map((value) => JSON.stringify(value) ?? 'null');
  const bodies: Arbitrary<{ variant: string; body?: string; contentType?: string }>[] = [
    json.map((body) => ({ variant: 'schema body', body, contentType: 'application/json' })),
    json.map((body) => ({ variant: 'malformed JSON', body: truncateJson(body), contentType: 'application/json' })),
    hostileValue.map((value) => ({ variant: 'JSON of a wrong kind', body: JSON.stringify(value) ?? 'null', contentType: 'application/json' })),
    fc.constantFrom(70_000, 1_000_000).map((size) => ({ variant: `oversized body (${size} B)`, body: JSON.stringify({ pad: 'x'.repeat(size) }), contentType: 'application/json' })),
    fc.tuple(json, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', 'APPLICATION/JSON'))
      .map(([body, contentType]) => ({ variant: `content-type ${contentType}`, body, contentType })),
    json.map((body) => ({ variant: 'no content-type', body })),
    fc.constant({ variant: 'no body', contentType: 'application/json' }),
    hostileString.map((body) => ({ variant: 'text body', body, contentType: 'application/json' })),
  ];
  if (!op.body) return fc.oneof({ weight: 8, arbitrary: fc.constant({ variant: 'no body' }) }, { weight: 1, arbitrary: fc.oneof(...bodies) });
  return fc.oneof({ weight: 6, arbitrary: bodies[0]! }, ...bodies.slice(1).map((arbitrary) => ({ weight: 1, arbitrary })));
}

/**
 * A query value as text, at most 1,000 characters: API Gateway refuses a request line and headers over 10,240 bytes
 * before any function runs (and Node's local server answers 431 past 16 KB), so longer URLs test neither.
 */
const queryValue = (value: unknown) => (value === null || typeof value !== 'object' ? String(value) : JSON.stringify(value)).slice(0, 1_000);

/**
 * A path parameter's value as one URL segment: encoded, and never empty or a dot segment (`.`, `..`), which every URL
 * parser (and API Gateway) resolves away, so no client can send them as a value.
 */
function pathSegment(text: string): string {
  const segment = encodeURIComponent(text.replace(/[\ud800-\udfff]/gu, '\ufffd'));
  return segment === '' || segment === '.' || segment === '..' ? 'x' : segment;
}

/** A whole request for an operation. */
export function requestArbitrary(op: Operation, baseUrl: string, tokens: Credentials, known: KnownValues): Arbitrary<FuzzRequest> {
  const params = op.parameters.map((p) => fc.record({
    name: fc.constant(p.name), where: fc.constant(p.in),
    // Optional parameters are left out now and then; a hostile value (wrong type, injection) sometimes.
    value: p.required ? schemaArbitrary(p.schema, known, p.name, 0.2) : fc.option(schemaArbitrary(p.schema, known, p.name, 0.2), { freq: 3 }),
    repeated: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  }));
  const extraQuery = fc.option(fc.tuple(fc.constantFrom('unknown', 'user_id', 'limit[]', '__proto__', ''), hostileString), { freq: 6 });
  return fc.tuple(fc.tuple(...params), extraQuery, authArbitrary(op, tokens), bodyArbitrary(op, known), fc.boolean())
    .map(([values, extra, [authVariant, authorization], body, signBody]) => {
      let path = op.path;
      const query = new URLSearchParams();
      const headers: Record<string, string> = {};
      for (const { name, where, value, repeated } of values) {
        if (value === null && where !== 'path') continue;
        const text = queryValue(value);
        if (where === 'path') path = path.replace(`{${name}}`, pathSegment(text));
        else if (where === 'header') headers[name.toLowerCase()] = text.replace(/[^\x20-\x7e\x80-\xff]/g, '?');
        else {
          query.append(name, text);
          if (repeated) query.append(name, text);
        }
      }
      if (extra) query.append(extra[0], extra[1]);
      if (authorization) headers.authorization = authorization;
      if (body.contentType) headers['content-type'] = body.contentType;
      // The webhook: half of the bodies carry a valid signature, so fuzzed events reach the route's own code.
      if (op.body?.kind === 'signed' && signBody && body.body !== undefined) headers['stripe-signature'] = signStripePayload(body.body, LOCAL_STRIPE_WEBHOOK_SECRET);
      const search = query.toString();
      return {
        method: op.method, url: `${baseUrl}${path}${search ? `?${search}` : ''}`, headers,
        ...(body.body !== undefined ? { body: body.body } : {}),
        variant: `${authVariant}; ${body.variant}${op.body?.kind === 'signed' ? (headers['stripe-signature'] && signBody ? ', signed' : ', unsigned') : ''}`,
      };
    });
}
