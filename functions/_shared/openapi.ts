import * as z from 'zod/mini';
import type { FunctionSpec } from '../manifest.ts';
import { operationId, type RouteSpec } from './route.ts';

const ERROR_RESPONSES: Record<string, string> = {
  '400': 'Invalid input', '401': 'Missing or invalid access token', '403': 'Not allowed', '404': 'Not found',
  '409': 'Conflict', '413': 'Payload too large', '429': 'Quota exceeded or rate limited', '500': 'Server fault (no details)',
};

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.optional(z.unknown()) }),
});

const jsonSchema = (schema: z.ZodMiniType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

/** The OpenAPI 3.1 document of every route of the features' HTTP Lambdas, generated from the zod schemas they validate with. */
export function openApiDocument(functions: FunctionSpec[], serverUrl = '/') {
  const paths: Record<string, Record<string, unknown>> = {};
  const routes = functions.flatMap((fn): readonly RouteSpec[] => (fn.trigger.kind === 'http' ? fn.trigger.routes : []));
  for (const route of routes) {
    const query = route.query ? jsonSchema(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] } : undefined;
    const success = route.responseMediaType
      ? { description: 'OK', content: { [route.responseMediaType]: { schema: { type: 'string' } } } }
      : { description: 'OK', content: { 'application/json': { schema: route.response ? jsonSchema(route.response, 'output') : {} } } };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: operationId(route),
      summary: route.summary,
      tags: route.tags,
      ...(route.auth === 'user' || route.auth === 'admin' ? { security: [{ bearerAuth: [] }] } : { security: [] }),
      ...(route.auth === 'admin' ? { description: 'Requires the admin group.' } : {}),
      parameters: Object.entries(query?.properties ?? {}).map(([name, schema]) => ({
        name, in: 'query', required: query?.required?.includes(name) ?? false, schema,
      })),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses: {
        [String(route.successStatus ?? 200)]: success,
        ...Object.fromEntries(Object.entries(ERROR_RESPONSES).map(([status, description]) => [status, {
          description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        }])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'StreamVibe API', version: '1.0.0', description: 'Creators connect their platforms, sync content, get AI tags and SEO, and are discovered.' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
    },
  };
}
