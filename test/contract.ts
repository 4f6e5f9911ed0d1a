import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { functions } from '../functions/manifest.ts';
import { openApiDocument } from '../functions/_shared/openapi.ts';

// ajv-formats is CommonJS with `exports.default`: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

type Json = Record<string, any>;

/** A response that contradicts the OpenAPI document: the operation, the status and what did not match. */
export class ContractViolationError extends Error {
  override name = 'ContractViolationError';
}

/** RFC 6901: `/me` → `~1me`, `application/json` → `application~1json`. */
const pointer = (...tokens: string[]) => tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * Checks responses against the generated OpenAPI document, as a client generated from it would read them: the status
 * must be documented for the operation (or a `default`), the content-type one of its media types, required headers
 * present and every documented header and the body valid against their schemas (JSON Schema 2020-12, as zod emits).
 * One compiled validator per schema location (operation + status + media type, or header), made on first use.
 */
export function responseContract(document: Json = openApiDocument(functions)) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  // The document is the root: `#/components/...` references resolve in it as in any OpenAPI tool. Its own fields are
  // words Ajv must know in strict mode (they hold no schema to apply); the schemas under them are checked strictly.
  ajv.addVocabulary(Object.keys(document));
  ajv.addSchema(document, 'openapi.json');
  const validators = new Map<string, ValidateFunction>();
  const validator = (location: string) => {
    let validate = validators.get(location);
    if (!validate) validators.set(location, validate = ajv.compile({ $ref: `openapi.json#${location}` }));
    return validate;
  };
  /** Follows a `#/components/...` reference: the object and its JSON pointer. */
  const resolve = (value: Json, location: string): [Json, string] => {
    if (typeof value.$ref !== 'string') return [value, location];
    const target = value.$ref.slice(1);
    const found = target.split('/').slice(1).reduce<any>((node, t) => node?.[t.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    return resolve(found, target);
  };

  // Templated paths (`/creator/{slug}`) as patterns: a request path matches one segment per `{name}`.
  const templates = Object.keys(document.paths ?? {}).filter((p) => p.includes('{')).map((template) => ({
    template,
    pattern: new RegExp(`^${template.split(/\{[^/{}]+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`),
  }));
  /** The document's path for a request path: itself, or the template it fills in. */
  const documentedPath = (path: string) =>
    document.paths?.[path] ? path : templates.find(({ pattern }) => pattern.test(path))?.template ?? path;

  return (method: string, requestPath: string, response: { status: number; headers: Headers; text: string }) => {
    const path = documentedPath(requestPath);
    const operationPointer = pointer('paths', path, method.toLowerCase());
    const operation = document.paths?.[path]?.[method.toLowerCase()];
    const name = `${method} ${path}`;
    if (!operation) throw new ContractViolationError(`${name} is not an operation of the OpenAPI document`);
    const fail = (problem: string) => {
      throw new ContractViolationError(`${name} (${operation.operationId}) answered ${response.status}: ${problem}\n${response.text.slice(0, 500)}`);
    };
    const status = String(response.status) in operation.responses ? String(response.status) : 'default';
    if (!(status in operation.responses)) fail(`status ${response.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`);
    const [documented, location] = resolve(operation.responses[status], `${operationPointer}${pointer('responses', status)}`);
    const check = (schemaLocation: string, value: unknown, what: string) => {
      const validate = validator(schemaLocation);
      if (!validate(value)) fail(`${what} does not match the document: ${ajv.errorsText(validate.errors, { dataVar: what })}`);
    };

    for (const [header, spec] of Object.entries<Json>(documented.headers ?? {})) {
      const value = response.headers.get(header);
      if (value === null) {
        if (spec.required) fail(`the required header ${header} is missing`);
        continue;
      }
      if (spec.schema) check(`${location}${pointer('headers', header, 'schema')}`, value, header);
    }

    const mediaTypes = Object.keys(documented.content ?? {});
    const contentType = response.headers.get('content-type')?.split(';')[0]!.trim().toLowerCase();
    if (mediaTypes.length === 0) {
      if (response.text !== '') fail('the document says there is no body');
      return;
    }
    if (!contentType || !mediaTypes.includes(contentType)) fail(`content-type ${contentType} is not documented (documented: ${mediaTypes.join(', ')})`);
    let body: unknown = response.text;
    if (/^application\/(.+\+)?json$/.test(contentType!)) {
      try { body = JSON.parse(response.text); } catch { fail(`the body is not ${contentType}`); }
    }
    check(`${location}${pointer('content', contentType!, 'schema')}`, body, 'body');
  };
}
