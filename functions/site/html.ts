import { escapeHtml, scriptSafeJson } from '../_shared/catalog/seo.ts';

/**
 * HTML built only through the `html` tagged template: every interpolated value is escaped unless it is already Html
 * (built the same way), so a title such as `<script>alert(1)</script>` can only ever be text. Attribute values are
 * always quoted in the templates, and `"`/`'` are escaped, so a value cannot leave its attribute either.
 */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

/** A value in a template: Html as is, arrays joined, nothing for null/undefined/false, anything else escaped text. */
function fragment(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (typeof value === 'string') return escapeHtml(value);
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += fragment(item);
    return out;
  }
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** The tagged template: `` html`<h1>${title}</h1>` `` escapes `title`. (Plain loops: a page renders hundreds of these.) */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i += 1) out += fragment(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** A schema.org JSON-LD block: JSON with `<`, `>`, `&` and line separators as \u escapes, so nothing in it ends the script. */
export const jsonLd = (data: unknown) => new Html(`<script type="application/ld+json">${scriptSafeJson(data)}</script>`);

/** An http(s) URL for an href or src, or undefined: `javascript:` and other schemes never reach an attribute. */
export const safeUrl = (url: string | null | undefined) => (url && /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined);
