import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions, httpRoutes } from '../../functions/manifest.ts';
import { operationId } from '../../functions/_shared/route.ts';
import { openApiDocument } from '../../functions/_shared/openapi.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_openapi'); });
afterAll(async () => { await api?.stop(); });

describe('the OpenAPI document', () => {
  it('has every route of every feature, with its method, auth and schemas, and nothing else', () => {
    const doc = openApiDocument(functions);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const routes = httpRoutes().map(({ route }) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual(routes.sort());
    const operationIds = httpRoutes().map(({ route }) => operationId(route));
    expect(new Set(operationIds).size, 'operationIds are unique').toBe(operationIds.length);
    for (const { route } of httpRoutes()) {
      const name = `${route.method} ${route.path}`;
      const op = doc.paths[route.path]![route.method.toLowerCase()] as Record<string, any>;
      expect(op.operationId, name).toBe(operationId(route));
      const secured = route.auth === 'user' || route.auth === 'admin';
      expect(op.security, name).toEqual(secured ? [{ bearerAuth: [] }] : []);
      if (route.body) expect(op.requestBody.content['application/json'].schema, name).toBeTypeOf('object');
      expect(op.responses['400'], name).toBeDefined();
    }
  });

  it('describes query parameters from the same zod schema the handler validates with', () => {
    const op = openApiDocument(functions).paths['/jobs']!.get as { parameters: { name: string; schema: { maximum?: number } }[] };
    const limit = op.parameters.find((p) => p.name === 'limit');
    expect(limit?.schema.maximum).toBe(50);
  });

  it('documents the original API’s parameter names beside ours: query (= q) and sort_by (= sort)', () => {
    const params = (path: string) => Object.fromEntries(((openApiDocument(functions).paths[path]!.get as { parameters: { name: string; required: boolean;
      schema: { description?: string; enum?: string[] } }[] }).parameters).map((p) => [p.name, p]));
    for (const path of ['/search-content', '/search-creators']) {
      const { q, query } = params(path);
      expect([q?.required, query?.required], path).toEqual([false, false]);
      expect(query?.schema.description, path).toMatch(/same as q/);
      expect(q?.schema.description, path).toMatch(/q or query/);
    }
    const { sort, sort_by } = params('/browse-content');
    expect(sort_by?.schema.enum).toEqual(sort?.schema.enum);
    expect(sort_by?.schema.description).toMatch(/same as sort/);
  });

  it('is served at /openapi.json and browsable at /docs (offline: Swagger UI from npm)', async () => {
    const doc = await api.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    const page = await api.request('GET', '/docs');
    expect(page.text).toContain('SwaggerUIBundle');
    const asset = await fetch(`${api.url}/docs/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });

  it('mounts exactly the manifest’s routes on the local gateway (anything else is a 404)', async () => {
    expect((await api.request('GET', '/not-a-route')).status).toBe(404);
    expect((await api.request('DELETE', '/me')).status).toBe(404);
  });
});
