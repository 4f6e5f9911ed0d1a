import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions, httpRoutes } from '../../functions/manifest.ts';
import * as z from 'zod/mini';
import { defineRoute, operationId, pathPattern } from '../../functions/_shared/route.ts';
import { openApiDocument } from '../../functions/_shared/openapi.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { ContractViolationError, responseContract } from '../contract.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_openapi'); });
afterAll(async () => { await api?.stop(); });

type Operation = Record<string, any>;
const doc = openApiDocument(functions);
const op = (path: string, method = 'get') => (doc.paths as Record<string, Record<string, Operation>>)[path]![method]!;
const param = (path: string, name: string, method = 'get') => op(path, method).parameters.find((p: { name: string }) => p.name === name);

describe('the OpenAPI document', () => {
  it('has every route of every feature, with its method, auth, schemas and the errors its auth and input make possible', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const routes = httpRoutes().map(({ route }) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(routes.sort());
    const operationIds = httpRoutes().map(({ route }) => operationId(route));
    expect(new Set(operationIds).size, 'operationIds are unique').toBe(operationIds.length);
    for (const { route } of httpRoutes()) {
      const name = `${route.method} ${route.path}`;
      const operation = op(route.path, route.method.toLowerCase());
      expect(operation.operationId, name).toBe(operationId(route));
      const secured = route.auth === 'user' || route.auth === 'admin';
      expect(operation.security, name).toEqual(secured ? [{ bearerAuth: [] }] : []);
      if (route.body) expect(operation.requestBody.content['application/json'].schema, name).toBeTypeOf('object');
      expect(operation.responses['400'], name).toBeDefined();
      expect(Boolean(operation.responses['401']), `${name}: 401 only where API Gateway’s authorizer runs`).toBe(secured);
      expect(Boolean(operation.responses['415']), `${name}: 415 only where a JSON body is parsed`).toBe(Boolean(route.body));
      expect(Boolean(operation.responses['413']), `${name}: 413 where a body is taken`).toBe(Boolean(route.body ?? route.signedBody));
    }
    expect(doc.components.responses.Unauthorized.headers['WWW-Authenticate'].required).toBe(true);
  });

  it('describes query parameters from the same zod schema the handler validates with', () => {
    expect(param('/jobs', 'limit').schema).toEqual({ type: 'integer', minimum: 1, maximum: 50, default: 20 });
    expect(param('/browse-creators', 'min_followers').schema).toEqual({ type: 'integer', minimum: 0, maximum: 1e12 });
  });

  it('documents path parameters from the route’s params schema, and refuses a path whose {names} the schema does not declare', () => {
    expect(param('/creator/{slug}', 'slug')).toMatchObject({ in: 'path', required: true, schema: { type: 'string', maxLength: 120 } });
    expect(param('/content/{id}', 'id')).toMatchObject({ in: 'path', required: true, schema: { type: 'string' } });
    expect(op('/content/{id}').responses['410'].content).toHaveProperty(['text/html']);
    const mismatched = defineRoute({ method: 'GET', path: '/thing/{name}', auth: 'public', summary: 'x', tags: ['Site'],
      params: () => z.object({ id: z.string() }) }, async () => ({}));
    const fn = { ...functions[0]!, trigger: { kind: 'http' as const, routes: [mismatched] } };
    expect(() => openApiDocument([fn])).toThrow(/params must declare exactly the path's \{names\} \(declared: id\)/);
  });

  it('checks a request path against the document’s templated path it fills in', () => {
    const check = responseContract(doc);
    const page = { status: 200, headers: new Headers({ 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'",
      'cache-control': 'public, max-age=60, s-maxage=300, stale-while-revalidate=600' }), text: '<!doctype html>' };
    expect(() => check('GET', '/creator/alice', page)).not.toThrow();
    expect(() => check('GET', '/creator/alice/more', page)).toThrow(/not an operation/);
  });

  it('says UUIDs are taken in either case, and the API takes them so', async () => {
    const { pattern } = param('/get-content-detail', 'id').schema;
    const id = '0b7e1f3a-5c2d-4e8f-9a1b-3c4d5e6f7a8b';
    expect([new RegExp(pattern).test(id), new RegExp(pattern).test(id.toUpperCase())]).toEqual([true, true]);
    for (const given of [id, id.toUpperCase()]) {
      expect((await api.request('GET', `/get-content-detail?id=${given}`)).status, given).toBe(404);
    }
  });

  it('takes integer parameters in decimal digits only, as documented (no exponent, hex, spaces or fractions)', async () => {
    expect((await api.request('GET', '/browse-content?limit=5')).status).toBe(200);
    for (const limit of ['1e2', '1e1', '0x10', '%205', '5%20', '5.0', '+5', '', '0b1']) {
      const res = await api.request('GET', `/browse-content?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.body.error.details, limit).toEqual([{ path: 'limit', message: 'must be a whole number in decimal digits' }]);
    }
    expect((await api.request('GET', '/browse-content?limit=101')).status).toBe(400);
  });

  it('documents /stripe-webhook with its Stripe event body and the required Stripe-Signature header', () => {
    expect(param('/stripe-webhook', 'Stripe-Signature', 'post')).toMatchObject({ in: 'header', required: true, schema: { type: 'string' } });
    const body = op('/stripe-webhook', 'post').requestBody;
    expect(body.required).toBe(true);
    const validate = new Ajv2020({ strict: true }).compile(body.content['application/json'].schema);
    const event = { id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1_700_000_000, api_version: '2025-03-31.basil',
      livemode: false, pending_webhooks: 1, data: { object: { id: 'in_1', object: 'invoice' } } };
    expect(validate(event), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...event, object: 'invoice' })).toBe(false);
    expect(validate({ id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1 })).toBe(false);
  });

  it('documents both 413 answers as they occur: over 64 KB the function’s error body, over 10 MB API Gateway’s message', async () => {
    const function413 = await api.request('POST', '/track-click', { body: { content_id: 'x'.repeat(70_000) } });
    expect([function413.status, function413.body.error?.code]).toEqual([413, 'payload_too_large']);
    const gateway413 = await api.request('POST', '/track-click', { rawBody: `"${'x'.repeat(10 * 1024 * 1024)}"` });
    expect([gateway413.status, gateway413.body]).toEqual([413, { message: 'Request Entity Too Large' }]);
  });

  it('is what api.request checks every response against: status, content-type, required headers and body', () => {
    const check = responseContract(doc);
    const answer = (status: number, headers: Record<string, string>, body: unknown) =>
      ({ status, headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...headers }), text: JSON.stringify(body) });
    const categories = { items: [], count_is_estimate: true, counts_computed_at: null };
    const cached = { 'cache-control': 'public, max-age=300, s-maxage=600, stale-while-revalidate=1200' };
    const robotsCached = { 'cache-control': 'public, max-age=3600, s-maxage=86400, stale-while-revalidate=172800' };
    expect(() => check('GET', '/browse-categories', answer(200, cached, categories))).not.toThrow();
    expect(() => check('GET', '/me', answer(401, { 'www-authenticate': 'Bearer' }, { message: 'Unauthorized' }))).not.toThrow();
    const violations: [string, () => void, RegExp][] = [
      ['an undocumented status', () => check('GET', '/browse-categories', answer(401, {}, { message: 'Unauthorized' })), /status 401 is not documented/],
      ['a body off its schema', () => check('GET', '/browse-categories', answer(200, cached, { items: [{}] })), /body must have required property/],
      ['another Cache-Control', () => check('GET', '/browse-categories', answer(200, { 'cache-control': 'no-store' }, categories)), /Cache-Control/],
      ['a 401 without its challenge', () => check('GET', '/me', answer(401, {}, { message: 'Unauthorized' })), /WWW-Authenticate is missing/],
      ['a 401 in the function’s shape',
        () => check('GET', '/me', answer(401, { 'www-authenticate': 'Bearer' }, { error: { code: 'x', message: 'y' } })), /body/],
      ['another media type', () => check('GET', '/robots.txt', answer(200, robotsCached, 'x')), /content-type application\/json is not documented/],
      ['an unknown operation', () => check('DELETE', '/me', answer(404, {}, { message: 'Not Found' })), /not an operation/],
    ];
    for (const [name, send, message] of violations) {
      expect(send, name).toThrow(ContractViolationError);
      expect(send, name).toThrow(message);
    }
  });

  it('passes redocly lint (recommended rules) with no error and no warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'openapi-lint-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc, null, 2));
      const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lint', file, '--extends=recommended', '--format=json'], {
        cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      });
      const report = JSON.parse(stdout) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
      };
      // One known exception: an OAuth callback's outcome is a 303 to the app (that is what a provider's redirect URI
      // does), so it has no 2XX; every other problem fails.
      const redirects = Object.entries(doc.paths).filter(([, ops]) => Object.values(ops).some((op) => '303' in op.responses)).map(([path]) => path);
      expect(redirects).toHaveLength(5);
      const isRedirectOperation = (p: (typeof report.problems)[number]) => p.ruleId === 'operation-2xx-response'
        && redirects.some((path) => p.location[0]?.pointer.startsWith(`#/paths/${path.replaceAll('/', '~1')}/`));
      expect(report.problems.filter((p) => !isRedirectOperation(p)).map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
      expect(report.totals).toMatchObject({ errors: 0, warnings: redirects.length });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents the original API’s parameter names beside ours: query (= q) and sort_by (= sort)', () => {
    const params = (path: string) => Object.fromEntries(((openApiDocument(functions).paths[path]!.get as { parameters: { name: string;
      required: boolean; description?: string; schema: { enum?: string[] } }[] }).parameters).map((p) => [p.name, p]));
    for (const path of ['/search-content', '/search-creators']) {
      const { q, query } = params(path);
      expect([q?.required, query?.required], path).toEqual([false, false]);
      expect(query?.description, path).toMatch(/same as q/);
      expect(q?.description, path).toMatch(/q or query/);
    }
    const { sort, sort_by } = params('/browse-content');
    expect(sort_by?.schema.enum).toEqual(sort?.schema.enum);
    expect(sort_by?.description).toMatch(/same as sort/);
  });

  it('is served at /openapi.json and browsable at /docs (offline: Swagger UI from npm)', async () => {
    // The docs are the local stack's, beside the API, not in it.
    const served = await api.request('GET', '/openapi.json', { outsideApi: true });
    expect(served.status).toBe(200);
    expect(served.body.openapi).toBe('3.1.0');
    expect(served.body.info.license.identifier).toBe('LicenseRef-StreamVibe-Proprietary');
    const page = await api.request('GET', '/docs', { outsideApi: true });
    expect(page.text).toContain('SwaggerUIBundle');
    const asset = await fetch(`${api.url}/docs/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });

  it('mounts exactly the manifest’s routes on the local gateway (anything else is a 404)', async () => {
    expect((await api.request('GET', '/not-a-route', { outsideApi: true })).status).toBe(404);
    expect((await api.request('DELETE', '/me', { outsideApi: true })).status).toBe(404);
  });
});

describe('pathPattern (the local gateway’s matching of routes with path parameters)', () => {
  it('matches one whole segment per {name}, as API Gateway does, and captures it by name', () => {
    const pattern = pathPattern('/creator/{slug}');
    expect(pattern.exec('/creator/alice-gamer')?.groups).toEqual({ slug: 'alice-gamer' });
    expect(pattern.test('/creator/')).toBe(false);
    expect(pattern.test('/creator/a/b')).toBe(false);
    expect(pattern.test('/creatorX/a')).toBe(false);
    expect(pathPattern('/a.b/{x}/c').exec('/a.b/1/c')?.groups).toEqual({ x: '1' });
    expect(pathPattern('/a.b/{x}/c').test('/aXb/1/c'), 'literal parts are escaped').toBe(false);
  });
});
