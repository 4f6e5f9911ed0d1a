import { describe, expect, it } from 'vitest';
import { corpusFromCounts, corpusWords, EMPTY_CORPUS } from '../functions/ai/corpus.ts';
import { analyzeItem, offlineSuggestion } from '../functions/ai/offline.ts';
import { SuggestionOutput, type SuggestionInput } from '../functions/ai/suggestion.ts';

// The offline engine: suggestions from the item's own words, the corpus and the category's trends; deterministic.

const input = (fields: Partial<SuggestionInput> = {}): SuggestionInput => ({
  title: 'How to Bake Sourdough Bread at Home',
  description: 'In this video I show my sourdough starter routine and how to shape a country loaf. Sourdough bread needs '
    + 'patience and a hot oven! The starter feeds twice a day. Links: https://example.com/recipe',
  platform: 'youtube',
  contentType: 'long_video',
  category: 'food',
  existingTags: [],
  tone: 'neutral',
  targetLanguage: 'en',
  maxTags: 10,
  trending: [],
  ...fields,
});
const GAMING = input({
  title: 'Elden Ring speedrun: world record attempt on the final boss',
  description: 'A live speedrun of Elden Ring with glitches and routing explained. The final boss falls in under ten minutes.',
  category: 'gaming',
});

const corpus = corpusFromCounts({ video: 9000, home: 3000, bread: 400, sourdough: 50, starter: 80, oven: 300 }, 10000);
const words = (text: string) => new Set(text.toLowerCase().split(/[^\p{L}\p{N}'-]+/u).filter(Boolean));

describe('offlineSuggestion', () => {
  it('gives the same suggestion for the same item and corpus, whatever ran before', () => {
    const first = offlineSuggestion(input(), corpus);
    offlineSuggestion(GAMING, corpus);
    expect(offlineSuggestion(input(), corpus)).toEqual(first);
  });

  it('answers in the suggestion schema, with the tag cap of the user', () => {
    for (const maxTags of [1, 3, 10, 50]) {
      const suggestion = offlineSuggestion(input({ maxTags }), corpus);
      expect(SuggestionOutput(maxTags).safeParse(suggestion).success).toBe(true);
      expect(suggestion.tags.length).toBeLessThanOrEqual(maxTags);
    }
  });

  it('draws tags and titles from each item’s own words, so different items get different suggestions', () => {
    for (const item of [input(), GAMING]) {
      const own = words(`${item.title} ${item.description}`);
      const suggestion = offlineSuggestion(item, corpus);
      for (const tag of suggestion.tags) for (const word of tag.split(' ')) expect(own).toContain(word);
      expect(suggestion.titles[0]).toBe(item.title);
    }
    const bread = offlineSuggestion(input(), corpus);
    const game = offlineSuggestion(GAMING, corpus);
    expect(bread.tags).toContain('sourdough');
    expect(game.tags).toContain('speedrun');
    expect(bread.tags.filter((tag) => game.tags.includes(tag))).toEqual([]);
    expect(bread.description).toContain('Sourdough bread needs patience');
    expect(game.description).toContain('The final boss falls in under ten minutes.');
  });

  it('builds the description from the item’s sentences, a topic line and hashtags of its tags, without links', () => {
    const suggestion = offlineSuggestion(input(), corpus);
    const [summary, topics, hashtags] = suggestion.description.split('\n\n');
    expect(summary).toMatch(/^In this video I show my sourdough starter routine/);
    expect(topics).toMatch(/^Topics: /);
    expect(hashtags).toBe(suggestion.tags.slice(0, 5).map((tag) => `#${tag.replace(/[^\p{L}\p{N}]+/gu, '')}`).join(' '));
    expect(suggestion.description).not.toContain('https://');
  });

  it('shapes titles by tone, always from the same keyphrases', () => {
    const byTone = Object.fromEntries((['neutral', 'casual', 'professional', 'playful'] as const)
      .map((tone) => [tone, offlineSuggestion(input({ tone }), corpus).titles]));
    expect(new Set(Object.values(byTone).map((titles) => JSON.stringify(titles))).size).toBe(4);
    expect(byTone.playful![0]).toBe('How to Bake Sourdough Bread at Home!');
    expect(byTone.professional!.some((title) => /Sourdough Explained/.test(title))).toBe(true);
    for (const titles of Object.values(byTone)) expect(titles.join(' ').toLowerCase()).toContain('sourdough');
  });

  it('uses punctuation only (no English connectives) when the target language is not English', () => {
    const titles = offlineSuggestion(input({ tone: 'casual', targetLanguage: 'pt-BR' }), corpus).titles;
    expect(titles).toEqual(offlineSuggestion(input({ tone: 'neutral', targetLanguage: 'pt-BR' }), corpus).titles);
    expect(titles.join(' ')).not.toMatch(/Let's talk|My take/);
  });

  it('still gives a valid suggestion for an item without text, from its category, content type and platform', () => {
    for (const item of [input({ title: '', description: '' }), input({ title: '', description: '', category: null }), input({ title: 'ok', description: '' })]) {
      const suggestion = offlineSuggestion(item, EMPTY_CORPUS);
      expect(SuggestionOutput(item.maxTags).safeParse(suggestion).success).toBe(true);
      expect(suggestion.tags).toEqual(expect.arrayContaining(['long video', 'youtube']));
    }
    expect(offlineSuggestion(input({ title: '', description: '' }), EMPTY_CORPUS).tags).toContain('food');
  });

  it('keeps 3–5 distinct titles within 100 characters when the title alone is longer, emoji included', () => {
    for (const title of ['x'.repeat(300), '🔥'.repeat(120), `${'Pasta with tomatoes and basil '.repeat(6)}at home`]) {
      const suggestion = offlineSuggestion(input({ title, description: '', tone: 'playful' }), EMPTY_CORPUS);
      expect(SuggestionOutput(10).safeParse(suggestion).success).toBe(true);
      expect(new Set(suggestion.titles.map((t) => t.toLowerCase())).size).toBe(suggestion.titles.length);
      for (const t of suggestion.titles) expect(t).not.toMatch(/[\uD800-\uDBFF]$/);
    }
  });

  it('ranks words by TF-IDF: a word every title has counts for less than a rare one', () => {
    const item = input({ title: 'Oven video', description: 'Oven tips in a video. Another video about the oven.' });
    const common = corpusFromCounts({ video: 9000, oven: 10 }, 10000);
    const rare = corpusFromCounts({ video: 10, oven: 9000 }, 10000);
    expect(analyzeItem(item, common).phrases[0]!.phrase).toBe('oven');
    expect(analyzeItem(item, rare).phrases[0]!.phrase).toBe('video');
  });

  it('brings a trending keyword of the category into the tags when the item mentions it, and only then', () => {
    const item = input({ maxTags: 5 });   // "oven" is said once, in the description
    expect(offlineSuggestion(item, corpus).tags).not.toContain('oven');
    const trending = [{ keyword: 'oven', score: 300 }, { keyword: 'air fryer', score: 120 }];
    const boosted = offlineSuggestion({ ...item, trending }, corpus);
    expect(boosted.tags).toContain('oven');
    expect(boosted.tags).not.toContain('air fryer');   // trending, but not what this item is about
    expect(analyzeItem({ ...item, trending }, corpus).phrases.find((p) => p.phrase === 'oven')?.trending).toBe('oven');
  });

  it('keeps the creator’s own tags after the keyphrases, deduplicated and lower-cased', () => {
    const tags = offlineSuggestion(input({ existingTags: ['Baking', 'sourdough'], maxTags: 50 }), corpus).tags;
    expect(tags).toContain('baking');
    expect(tags.filter((tag) => tag === 'sourdough')).toHaveLength(1);
  });
});

describe('corpusWords', () => {
  it('lists the distinct lexicon-shaped words of the item and its trends', () => {
    expect(corpusWords({ title: 'Bake BREAD, bake!', description: 'a 4k oven-baked loaf', trending: [{ keyword: 'air fryer', score: 1 }] }))
      .toEqual(['bake', 'bread', 'oven', 'baked', 'loaf', 'air', 'fryer']);
  });
});

describe('offline engine throughput', () => {
  it('suggests for 2,000 generated items (printed: items/s and p95 per item)', () => {
    const vocabulary = ('sourdough bread oven recipe speedrun boss guitar chord lesson budget travel tokyo street food camera '
      + 'review laptop keyboard workout routine yoga stretch makeup tutorial palette garden tomato harvest chess opening '
      + 'gambit python script database index marathon training piano sonata').split(' ');
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = (n: number) => Array.from({ length: n }, () => vocabulary[Math.floor(next() * vocabulary.length)]).join(' ');
    const items = Array.from({ length: 2000 }, (_, i) => input({
      title: `${pick(3)} ${i}: the ${pick(2)} guide`,
      description: Array.from({ length: 2 + (i % 20) }, () => `The ${pick(2)} is a ${pick(3)} for every ${pick(1)}.`).join(' '),
      tone: (['neutral', 'casual', 'professional', 'playful'] as const)[i % 4]!,
      trending: [{ keyword: pick(1), score: 50 }, { keyword: pick(1), score: 20 }],
    }));
    const timings: number[] = [];
    const started = performance.now();
    for (const item of items) {
      const t0 = performance.now();
      offlineSuggestion(item, corpus);
      timings.push(performance.now() - t0);
    }
    const totalMs = performance.now() - started;
    timings.sort((a, b) => a - b);
    const p95Ms = timings[Math.floor(timings.length * 0.95)]!;
    const perSecond = Math.round((items.length * 1000) / totalMs);
    console.log(`offline engine: ${items.length} items in ${Math.round(totalMs)} ms = ${perSecond} items/s; p50 ${timings[1000]!.toFixed(2)} ms, p95 ${p95Ms.toFixed(2)} ms per item`);
    expect(p95Ms).toBeLessThan(100);   // generous: a Lambda answers well within a request either way
  });
});
