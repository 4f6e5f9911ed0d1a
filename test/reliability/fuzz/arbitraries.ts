import fc, { type Arbitrary } from 'fast-check';

/** A JSON Schema (2020-12, as zod emits it into the OpenAPI document): the keywords the generator reads. */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/** Values the running stack knows (ids of the fuzzing users' own rows), offered where a schema asks for an id. */
export interface KnownValues {
  uuids: string[];
  slugs: string[];
}

const NUL = '\u0000';
/**
 * Strings an attacker or a broken client sends: injection, encodings, control characters, sizes at and past limits (up
 * to 1,000 characters: URLs stay within what a gateway accepts at all; oversized bodies are a variant of their own).
 */
export const HOSTILE_STRINGS = [
  '', ' ', NUL, `a${NUL}b`, "' OR '1'='1", "'; DROP TABLE users; --", '"; SELECT pg_sleep(10); --', '%', '_', '\\', '%00', '%2e%2e%2f',
  '../../etc/passwd', '<script>alert(1)</script>', '{{7*7}}', '${jndi:ldap://x}', '\u202e\u0301\ud83d\ude00', '\ud800', '\uffff',
  'null', 'undefined', 'NaN', 'Infinity', '-1', '0', '1e309', '9999999999999999999999', '-0', '0x10', 'true', '[]', '{}',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '2024-02-30T00:00:00Z', '1969-12-31T23:59:59Z',
  'a'.repeat(513), 'é'.repeat(300), 'x'.repeat(1_000), '\r\nX-Injected: 1', '\t\n\v\f', 'SELECT', '*', '?', '#', '&a=b', '+',
];

export const hostileString: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
);

const HOSTILE_NUMBERS = [0, -1, 1, -0, 0.5, 2 ** 31, -(2 ** 31), 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e20, -1e20, 1e308, 5e-324];

/** Any JSON value of a wrong kind for a field: another type, an absurd number, a deep or large structure. */
export const hostileValue: Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { $gt: '' }, JSON.parse('{"__proto__": {"admin": true}}'), ...HOSTILE_NUMBERS),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(Array.from({ length: 600 }, (_, i) => i)),
  fc.constant(JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown),
);

const types = (schema: Schema) => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []);

/** Numbers in range and at its edges, and just past them. */
function numberArbitrary(schema: Schema, integer: boolean): Arbitrary<number> {
  const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e6;
  const max = schema.maximum ?? schema.exclusiveMaximum ?? 1e6;
  const inRange = integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
  return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1, integer ? max + 0.5 : max * 10) });
}

function stringArbitrary(schema: Schema, known: KnownValues, name: string): Arbitrary<string> {
  const options: Arbitrary<string>[] = [];
  const idLike = /(^|_)ids?$/.test(name) || schema.format === 'uuid' || schema.pattern?.includes('[0-9a-fA-F]{8}');
  if (idLike && known.uuids.length) options.push(fc.constantFrom(...known.uuids));
  if (/slug/.test(name) && known.slugs.length) options.push(fc.constantFrom(...known.slugs));
  if (schema.format === 'date-time') options.push(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((d) => d.toISOString()));
  if (schema.pattern) {
    try {
      options.push(fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 200)));
    } catch { /* a pattern fast-check cannot generate from: plain strings below */ }
  }
  if (options.length === 0) options.push(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 60, 300) }));
  return fc.oneof(...options);
}

/**
 * Values for a schema, mostly valid (so requests reach the route's code and its database work) and sometimes not:
 * `hostile` is the chance, at each level, of a wrong type or a hostile string instead.
 */
export function schemaArbitrary(schema: Schema, known: KnownValues, name = '', hostile = 0.1): Arbitrary<unknown> {
  const valid = validArbitrary(schema, known, name, hostile);
  if (hostile <= 0) return valid;
  const weight = Math.round(hostile * 100);
  return fc.oneof({ weight: 100 - weight, arbitrary: valid }, { weight, arbitrary: hostileValue });
}

function validArbitrary(schema: Schema, known: KnownValues, name: string, hostile: number): Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => schemaArbitrary(s, known, name, hostile)));
  const kinds = types(schema);
  if (kinds.length > 1) return fc.oneof(...kinds.map((type) => validArbitrary({ ...schema, type }, known, name, hostile)));
  switch (kinds[0]) {
    case 'string': return stringArbitrary(schema, known, name);
    case 'integer': return numberArbitrary(schema, true);
    case 'number': return numberArbitrary(schema, false);
    case 'boolean': return fc.boolean();
    case 'null': return fc.constant(null);
    case 'array': return fc.array(schemaArbitrary(schema.items ?? {}, known, name, hostile),
      { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 8) });
    case 'object': return objectArbitrary(schema, known, hostile);
    default: return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An object of the schema's properties: required ones always, others at random, and now and then one it does not know. */
function objectArbitrary(schema: Schema, known: KnownValues, hostile: number): Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const fields = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, schemaArbitrary(s, known, key, hostile)]));
  const record = fc.record(fields, { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) });
  return fc.tuple(record, fc.option(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'user_id', 'is_admin'), hostileValue), { freq: 8 }))
    .map(([value, extra]) => (extra ? { ...value, [extra[0]]: extra[1] } : value));
}
