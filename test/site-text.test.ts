import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, plain } from '../functions/_shared/catalog/seo.ts';
import { html } from '../functions/site/html.ts';

/** The definitions the fast paths must agree with, written the obvious way. */
const plainByDefinition = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
const escapeByDefinition = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

// Strings dense in what the functions act on: spaces and other whitespace, control characters, markup.
const tricky = fc.string({ unit: fc.oneof(
  fc.constantFrom(' ', '  ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u2029', '\u3000', '\ufeff', '\u0000', '\u007f', '\u0085', '\u009f'),
  fc.constantFrom('&', '<', '>', '"', "'", '&amp;'), fc.string({ unit: 'binary', maxLength: 3 })), maxLength: 40 });

describe('page text (functions/_shared/catalog/seo.ts, functions/site/html.ts)', () => {
  it('plain returns what its definition does, the text itself when nothing needs changing (20,000 generated strings)', () => {
    fc.assert(fc.property(tricky, (text) => plain(text) === plainByDefinition(text)), { numRuns: 20_000 });
    expect(plain(null)).toBe('');
    expect(plain(' a \t b\u2028c ')).toBe('a b c');
  });

  it('escapeHtml and the html template escape every markup character, and nothing else (20,000 generated strings)', () => {
    fc.assert(fc.property(tricky, (text) => escapeHtml(text) === escapeByDefinition(text)
      && html`<p title="${text}">${[text, [text]]}</p>`.value === `<p title="${escapeByDefinition(text)}">${escapeByDefinition(text).repeat(2)}</p>`),
    { numRuns: 20_000 });
  });
});
