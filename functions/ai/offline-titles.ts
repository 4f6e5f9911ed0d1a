import type { RankedPhrase } from './keyphrases.ts';
import { MAX_TITLE_CHARS, MAX_TITLES, MIN_TITLES, type Tone } from './suggestion.ts';

/**
 * Title variants of the offline engine: deterministic templates filled with the item's own title and keyphrases. The
 * tone picks the templates and the casing; outside English only the punctuation-only (neutral) set is used, since the
 * other sets carry English connectives.
 */

/** What a template is filled with; `context` is the item's category, content type and platform as words. */
export interface TitleParts {
  title: string;
  /** The item's keyphrases, best first, as spelt in the text. */
  phrases: readonly RankedPhrase[];
  context: { category: string; contentType: string; platform: string };
}

type Template = (p: Slots) => string | undefined;
interface Slots {
  /** The item's title whole (clipped to 100 characters), for the templates that are the title itself. */
  full: string;
  /** The item's title clipped to 60 characters, so a composite keeps its own words within 100. */
  title: string;
  /** Best keyphrase, then the best two not already in the title. */
  k1?: string;
  k2?: string;
  x1?: string;
  x2?: string;
  category: string;
}

const COMPOSITE_TITLE_CHARS = 60;
const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'in', 'of', 'on', 'or', 'the', 'to', 'vs', 'with']);
export const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
/** Each word capitalised except small words after the first; words with capitals inside ("iPhone", "NASA") kept. */
export const titleCase = (text: string) => text.split(' ')
  .map((word, index) => (/\p{Lu}/u.test(word.slice(1)) ? word : index > 0 && SMALL_WORDS.has(word.toLowerCase()) ? word.toLowerCase() : capitalize(word)))
  .join(' ');
const endsWithMark = (text: string) => /[.!?…]$/u.test(text);

const TEMPLATES: Record<Tone, Template[]> = {
  neutral: [
    (s) => s.full,
    (s) => (s.x1 ? `${s.title}: ${capitalize(s.x1)}` : undefined),
    (s) => (s.k1 && s.k2 ? `${capitalize(s.k1)} – ${capitalize(s.k2)}` : undefined),
    (s) => (s.x1 && s.x2 ? `${s.title} | ${capitalize(s.x1)}, ${s.x2}` : undefined),
    (s) => (s.k1 ? `${capitalize(s.k1)} (${s.category})` : undefined),
  ],
  professional: [
    (s) => titleCase(s.full),
    (s) => (s.x1 ? `${titleCase(s.x1)}: ${titleCase(s.title)}` : undefined),
    (s) => (s.k1 && s.k2 ? `${titleCase(s.k1)} and ${titleCase(s.k2)}: A ${titleCase(s.category)} Overview` : undefined),
    (s) => (s.k1 ? `${titleCase(s.k1)} Explained` : undefined),
    (s) => (s.x1 && s.x2 ? `${titleCase(s.title)} | ${titleCase(s.x1)} & ${titleCase(s.x2)}` : undefined),
  ],
  casual: [
    (s) => s.full,
    (s) => (s.x1 ? `${s.title}, plus ${s.x1}` : undefined),
    (s) => (s.k1 && s.k2 ? `Let's talk ${s.k1} and ${s.k2}` : undefined),
    (s) => (s.k1 ? `My take on ${s.k1}` : undefined),
    (s) => (s.k1 ? `${capitalize(s.k1)}? Here's the deal` : undefined),
  ],
  playful: [
    (s) => (endsWithMark(s.full) ? s.full : `${clip(s.full, MAX_TITLE_CHARS - 1)}!`),
    (s) => (s.k1 ? `${capitalize(s.k1)}?! ${s.title}` : undefined),
    (s) => (s.k1 && s.k2 ? `All about ${s.k1} (and ${s.k2}!)` : undefined),
    (s) => (s.k1 && s.k2 ? `${capitalize(s.k1)} + ${s.k2} = ✨` : undefined),
    (s) => (s.k1 ? `Guess what? ${capitalize(s.k1)}!` : undefined),
  ],
};

/** The display forms of the best two phrases that share no word. */
function distinctWords(phrases: readonly RankedPhrase[]): string[] {
  const chosen: RankedPhrase[] = [];
  for (const phrase of phrases) {
    if (chosen.length === 2) break;
    const words = phrase.phrase.split(' ');
    if (chosen.every((c) => !c.phrase.split(' ').some((word) => words.includes(word)))) chosen.push(phrase);
  }
  return chosen.map((p) => p.display);
}

/** Cut at a word boundary to fit `max` characters, without a dangling separator. */
export function clip(text: string, max: number): string {
  const single = text.replace(/\s+/gu, ' ').trim();
  if (single.length <= max) return single;
  const cut = single.slice(0, max + 1);
  const space = cut.lastIndexOf(' ');
  // Never half a surrogate pair (an emoji cut in two).
  return (space > max / 2 ? cut.slice(0, space) : single.slice(0, max)).replace(/[\uD800-\uDBFF]$/, '').replace(/[\s:|–,(&+-]+$/u, '');
}

/** 3–5 distinct titles (≤ 100 characters) in the template order of the tone. */
export function buildTitles(parts: TitleParts, tone: Tone, english: boolean): string[] {
  const { context } = parts;
  const lead = distinctWords(parts.phrases);
  const titleWords = new Set(parts.title.toLowerCase().split(/[^\p{L}\p{N}'-]+/u));
  const extra = distinctWords(parts.phrases.filter((p) => p.phrase.split(' ').some((word) => !titleWords.has(word))));
  const fallbackTitle = lead.length > 0 ? lead.map(titleCase).join(' · ') : `${context.category} ${context.contentType}`.trim();
  const title = parts.title || capitalize(fallbackTitle);
  const slots: Slots = { full: title, title: clip(title, COMPOSITE_TITLE_CHARS), k1: lead[0], k2: lead[1], x1: extra[0], x2: extra[1],
    category: context.category || context.contentType };

  const titles: string[] = [];
  const add = (candidate: string | undefined) => {
    const title = candidate === undefined ? '' : clip(candidate, MAX_TITLE_CHARS);
    if (title && titles.length < MAX_TITLES && !titles.some((t) => t.toLowerCase() === title.toLowerCase())) titles.push(title);
  };
  for (const template of TEMPLATES[english ? tone : 'neutral']) add(template(slots));
  // Short of three (little text): the item's title and its context, punctuation only.
  const joined = (separator: string, ...texts: string[]) => texts.filter(Boolean).join(separator);
  const where = joined(' · ', context.contentType, context.platform);
  for (const fallback of [joined(' | ', slots.title, context.platform), joined(' – ', slots.title, context.category),
    joined(' · ', capitalize(context.category), where), `${slots.title} (${where})`, joined(' · ', slots.title, capitalize(context.contentType))]) {
    if (titles.length >= MIN_TITLES) break;
    add(fallback);
  }
  return titles;
}
