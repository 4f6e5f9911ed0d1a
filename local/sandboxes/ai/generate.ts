/**
 * The sandbox's "model": a deterministic answer that follows the request's JSON schema, built from the prompt's words
 * (strings), the schema's bounds (numbers, array lengths) and its enums. It reads JSON Schema as zod emits it (and as
 * OpenAI's strict mode rewrites it) and Gemini's OpenAPI-style `responseSchema` (upper-case types, `nullable`,
 * int64 bounds as strings). Token counts are ~4 characters a token, as the providers' own rule of thumb.
 */

type Schema = Record<string, any>;

const MAX_DEPTH = 8;
const DEFAULT_ITEMS = 3;
const FALLBACK_WORDS = ['sandbox', 'answer', 'stream', 'creator', 'video'];

/** ~4 characters a token, at least 1: deterministic, close enough to real tokenizers for cost tests. */
export const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

/** The prompt's distinct words (3+ letters, lower case), the vocabulary of generated strings. */
export function wordsOf(text: string): string[] {
  const words = [...new Set(text.toLowerCase().match(/\p{L}{3,}/gu) ?? [])];
  return words.length ? words : FALLBACK_WORDS;
}

const bound = (value: unknown): number | undefined => (value === undefined || value === null || value === '' ? undefined : Number(value));

/** A JSON value that follows `schema` (the root resolves `$ref`s), its strings drawn from `words` in order. */
export function answerFor(schema: Schema, words: string[]): unknown {
  let next = 0;
  const word = () => words[next++ % words.length]!;
  const resolve = (node: Schema): Schema => {
    if (typeof node.$ref !== 'string') return node;
    const target = node.$ref.replace(/^#\/?/, '').split('/').filter(Boolean).reduce((at: any, key: string) => at?.[key], schema);
    return target ? resolve(target) : {};
  };

  const string = (node: Schema): string => {
    switch (node.format) {
      case 'date-time': return '2026-01-15T12:00:00Z';
      case 'date': return '2026-01-15';
      case 'uri': case 'url': return `https://example.com/${word()}`;
      case 'email': return `${word()}@example.com`;
      case 'uuid': return '00000000-0000-4000-8000-000000000000';
    }
    const min = bound(node.minLength) ?? 1;
    const max = bound(node.maxLength) ?? Infinity;
    let text = `${word()} ${word()}`;
    while (text.length < min) text += ` ${word()}`;
    return text.slice(0, max).trimEnd().padEnd(Math.min(min, max), 'x');
  };

  const number = (node: Schema, integer: boolean): number => {
    const step = integer ? 1 : 0.5;
    const exclusiveMin = typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum + step : undefined;
    const exclusiveMax = typeof node.exclusiveMaximum === 'number' ? node.exclusiveMaximum - step : undefined;
    const min = bound(node.minimum) ?? exclusiveMin ?? 0;
    const max = bound(node.maximum) ?? exclusiveMax ?? min + 100;
    // Half way, but not beyond min + 100: zod's int bounds are ±2^53, and a model answers small numbers.
    let value = Math.min(min + (max - min) / 2, min + 100);
    if (integer) value = Math.ceil(value);
    const multipleOf = bound(node.multipleOf);
    if (multipleOf) value = Math.ceil(value / multipleOf) * multipleOf;
    return Math.min(Math.max(value, min), max);
  };

  const value = (raw: Schema, depth: number): unknown => {
    const node = resolve(raw);
    if ('const' in node) return node.const;
    if (Array.isArray(node.enum)) return node.enum.find((v: unknown) => v !== null) ?? null;
    const branches = node.anyOf ?? node.oneOf;
    if (Array.isArray(branches)) {
      const branch = branches.find((b: Schema) => resolve(b).type !== 'null' && String(resolve(b).type).toLowerCase() !== 'null') ?? branches[0];
      return value(branch, depth);
    }
    if (Array.isArray(node.allOf)) return value(Object.assign({}, ...node.allOf.map(resolve)), depth);
    const types = (Array.isArray(node.type) ? node.type : [node.type]).filter(Boolean).map((t: string) => t.toLowerCase());
    const type = types.find((t: string) => t !== 'null') ?? (node.properties ? 'object' : node.items ? 'array' : types[0] ?? 'string');
    switch (type) {
      case 'object': {
        const required = new Set<string>(node.required ?? []);
        const entries = Object.entries<Schema>(node.properties ?? {}).filter(([name]) => depth < MAX_DEPTH || required.has(name));
        return Object.fromEntries(entries.map(([name, property]) => [name, value(property, depth + 1)]));
      }
      case 'array': {
        const min = bound(node.minItems) ?? 0;
        const count = Math.min(Math.max(depth < MAX_DEPTH ? DEFAULT_ITEMS : min, min), bound(node.maxItems) ?? Infinity);
        return Array.from({ length: count }, () => value(node.items ?? {}, depth + 1));
      }
      case 'integer': return number(node, true);
      case 'number': return number(node, false);
      case 'boolean': return true;
      case 'null': return null;
      default: return string(node);
    }
  };
  return value(schema, 0);
}

/**
 * An answer that parses but breaks the schema, as a model sometimes does: the first property holds a value of the wrong
 * type (a number for a string, a string for anything else), or, when the answer is no object, it is wrapped in an array.
 */
export function invalidAnswerFor(schema: Schema, words: string[]): unknown {
  const answer = answerFor(schema, words);
  if (!answer || typeof answer !== 'object' || Array.isArray(answer)) return [answer];
  const entries = Object.entries(answer as Record<string, unknown>);
  if (!entries.length) return [answer];
  const [[name, value]] = entries as [[string, unknown]];
  return { ...answer, [name]: typeof value === 'string' ? 42 : 'not what the schema asks for' };
}
