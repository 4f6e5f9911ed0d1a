/**
 * OpenAI's strict structured outputs (`json_schema` with `strict: true`, also what Local servers get) accept a subset
 * of JSON Schema: every object lists all its properties in `required` and sets `additionalProperties: false`, and some
 * keywords are refused. `strictJsonSchema` rewrites a zod-emitted schema into that subset; the zod schema still
 * validates the answer afterwards (structured.ts), so what the rewrite drops (string lengths, defaults) is still enforced.
 * An optional property becomes required-but-nullable; `withoutStrictNulls` turns those nulls back into absent keys so
 * the answer fits the original schema.
 */

type Schema = Record<string, unknown>;

/** Keywords strict mode refuses; the zod validation after the call enforces them instead. */
const DROPPED = new Set(['$schema', 'minLength', 'maxLength', 'default', 'examples', 'propertyNames', 'patternProperties', 'unevaluatedProperties', 'minProperties', 'maxProperties']);

/** String formats strict mode accepts; any other (zod's `uri` for z.url()) is dropped and left to zod. */
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Does the schema accept null as it stands? */
export function admitsNull(schema: Schema): boolean {
  if (schema.type === 'null' || (Array.isArray(schema.type) && schema.type.includes('null'))) return true;
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true;
  const branches = (schema.anyOf ?? schema.oneOf) as unknown;
  return Array.isArray(branches) && branches.some((branch) => isSchema(branch) && admitsNull(branch));
}

const nullable = (schema: Schema): Schema => {
  if (admitsNull(schema)) return schema;
  if (typeof schema.type === 'string' && schema.enum === undefined && schema.const === undefined) return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type) && schema.enum === undefined) return { ...schema, type: [...schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
};

/**
 * A strict-mode copy of a JSON Schema: all properties required (optional ones nullable), `additionalProperties: false`,
 * `oneOf` → `anyOf`, `const` → a one-value `enum`, refused keywords and formats dropped. Throws on a map (`additionalProperties`
 * with a schema), which strict mode cannot express: give the field a fixed set of keys or an array of pairs.
 */
export function strictJsonSchema(schema: Schema, path = '#'): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || (key === 'format' && !FORMATS.has(value as string))) continue;
    if (key === 'const') out.enum = [value];
    else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf' || key === 'prefixItems') {
      out[key === 'oneOf' ? 'anyOf' : key] = (value as Schema[]).map((branch, i) => strictJsonSchema(branch, `${path}/${key}/${i}`));
    } else if (key === 'items' && isSchema(value)) out.items = strictJsonSchema(value, `${path}/items`);
    else if (key === '$defs' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, def]) => [name, strictJsonSchema(def, `${path}/${key}/${name}`)]));
    } else if (key !== 'properties' && key !== 'required' && key !== 'additionalProperties') out[key] = value;
  }
  if (isSchema(schema.additionalProperties)) {
    throw new Error(`${path}: a map (additionalProperties with a schema) cannot be expressed in strict structured outputs`);
  }
  if (isSchema(schema.properties) || schema.type === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = new Set((schema.required ?? []) as string[]);
    out.properties = Object.fromEntries(Object.entries(properties).map(([name, property]) => {
      const strict = strictJsonSchema(property, `${path}/properties/${name}`);
      return [name, required.has(name) ? strict : nullable(strict)];
    }));
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  return out;
}

/**
 * The answer to a strict schema made to fit the original one: a null where the original property was optional and
 * not nullable means "absent", so the key is removed (recursively, through properties, items and `$defs` references).
 */
export function withoutStrictNulls(original: Schema, value: unknown, root: Schema = original): unknown {
  const schema = resolve(original, root);
  if (Array.isArray(value)) {
    return isSchema(schema.items) ? value.map((item) => withoutStrictNulls(schema.items as Schema, item, root)) : value;
  }
  if (!isSchema(value)) return value;
  const branch = (schema.anyOf as Schema[] | undefined)?.find((b) => isSchema(resolve(b, root).properties));
  const objectSchema = isSchema(schema.properties) ? schema : branch ? resolve(branch, root) : undefined;
  if (!objectSchema) return value;
  const properties = objectSchema.properties as Record<string, Schema>;
  const required = new Set((objectSchema.required ?? []) as string[]);
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const property = properties[name];
    if (item === null && property && !required.has(name) && !admitsNull(resolve(property, root))) continue;
    out[name] = property ? withoutStrictNulls(property, item, root) : item;
  }
  return out;
}

/** Follows a local `$ref` (`#/$defs/Name`), as zod emits for shared and recursive schemas. */
function resolve(schema: Schema, root: Schema): Schema {
  if (typeof schema.$ref !== 'string' || !schema.$ref.startsWith('#')) return schema;
  const target = schema.$ref.slice(2).split('/').filter(Boolean)
    .reduce<unknown>((node, token) => (isSchema(node) ? node[token.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), root);
  return isSchema(target) ? resolve(target, root) : schema;
}
