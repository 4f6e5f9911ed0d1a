import * as z from 'zod/mini';

/**
 * English issue messages for zod/mini, which ships none (every issue would read "Invalid input"). The 400 details
 * and config errors quote them, so the modules that report issues import this first. They are worded exactly as
 * zod's own English locale (`zod/locales` en) for every issue our schemas can raise — test/zod-locale.test.ts
 * compares the two over every route's schemas — without its tables for formats and types we never use: zod's
 * locale weighs 2.6 KB in every bundle, this one under 1 KB.
 */
const UNITS: Record<string, string> = { string: 'characters', array: 'items', set: 'items', map: 'entries' };
const FORMATS: Record<string, string> = { regex: 'input', uuid: 'UUID', url: 'URL' };

/** zod's names for a received value (its util.parsedType; importing zod's util namespace would bundle all of it). */
function receivedType(input: unknown): string {
  if (typeof input === 'number') return Number.isNaN(input) ? 'nan' : 'number';
  if (typeof input !== 'object') return typeof input;
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  return Object.getPrototypeOf(input) !== Object.prototype && input.constructor ? input.constructor.name : 'object';
}
const literal = (value: unknown) => typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? `"${value}"` : `${value}`;
const literals = (values: readonly unknown[], separator: string) => values.map(literal).join(separator);

const typeName = (type: string, input?: unknown) =>
  type === 'nan' ? 'NaN' : type === 'number' && typeof input === 'number' && !Number.isFinite(input) ? String(input) : type;

function size(issue: { origin?: string; exact?: boolean; inclusive?: boolean }, big: boolean, limit: number | bigint) {
  const unit = UNITS[issue.origin ?? ''];
  const adjective = issue.exact ? 'exactly ' : (big ? '<' : '>') + (issue.inclusive ? '=' : '');
  return `Too ${big ? 'big' : 'small'}: expected ${issue.origin ?? 'value'} ${unit ? 'to have' : 'to be'} ${adjective}${limit}${unit ? ` ${unit}` : ''}`;
}

export function englishMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${typeName(issue.expected)}, received ${typeName(receivedType(issue.input), issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `Invalid input: expected ${literal(issue.values[0])}`
        : `Invalid option: expected one of ${literals(issue.values, '|')}`;
    case 'too_big':
      return size(issue, true, issue.maximum);
    case 'too_small':
      return size(issue, false, issue.minimum);
    case 'invalid_format':
      return issue.format === 'regex' ? `Invalid string: must match pattern ${(issue as { pattern?: string }).pattern}`
        : `Invalid ${FORMATS[issue.format] ?? issue.format}`;
    case 'not_multiple_of':
      return `Invalid number: must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${literals(issue.keys, ', ')}`;
    case 'invalid_key':
      return `Invalid key in ${issue.origin}`;
    case 'invalid_element':
      return `Invalid value in ${issue.origin}`;
    default:
      return 'Invalid input';
  }
}

z.config({ localeError: englishMessage });
