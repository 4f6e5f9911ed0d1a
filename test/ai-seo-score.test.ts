import { describe, expect, it } from 'vitest';
import { seoScore, trendingScore, type SeoInput } from '../functions/ai/seo-score.ts';

// The SEO rubric (functions/ai/seo-score.ts), case by case with hand-computed points.

const RULES = ['title_length', 'title_keyword_position', 'description_length', 'description_keyword', 'tag_count', 'tag_relevance',
  'trending_overlap'] as const;
const MAX = [20, 15, 15, 10, 15, 10, 15];

const cases: { name: string; input: SeoInput; points: number[]; score: number }[] = [
  {
    name: 'everything right',
    input: {
      title: "Sourdough bread at home: a beginner's guide",   // 43 characters, keyword at 0
      description: `Sourdough bread from a starter. ${'Feed it, fold it, bake it. '.repeat(5)}`,   // > 150, keyword at 0
      tags: ['sourdough bread', 'sourdough', 'starter', 'bread', 'baking starter', 'home'],
      keywords: ['sourdough bread', 'starter', 'home', 'baking'],
      trending: [{ keyword: 'sourdough', score: 100 }],                   // covered by the tag "sourdough bread"
    },
    points: [20, 15, 15, 10, 15, 10, 15],
    score: 100,
  },
  {
    name: 'nothing to go on',
    input: { title: '', description: '', tags: [], keywords: [], trending: [] },
    points: [0, 0, 0, 0, 0, 0, 0],
    score: 0,
  },
  {
    name: 'short title with the keyword late, short description without it, few tags, most trends',
    input: {
      title: 'Bread tips: sourdough',                                       // 21 characters; keyword at 12 of 21
      description: 'A few notes from my kitchen about flour, water and timing.',  // 58 characters, no keyword
      tags: ['sourdough', 'bread', 'vlog'],                                 // 3 tags, 2 share a keyword word
      keywords: ['sourdough', 'bread tips'],
      trending: [{ keyword: 'sourdough', score: 60 }, { keyword: 'vlog', score: 30 }, { keyword: 'oven', score: 10 }],  // 90 of 100
    },
    points: [10, 7, 7, 0, 7, 7, 14],
    score: 52,
  },
  {
    name: 'long title without the keyword, keyword deep in the description, too many tags, no trends',
    input: {
      title: `${'Weekend kitchen diary '.repeat(4)}part two`.slice(0, 80),  // 80 characters
      description: `${'a '.repeat(90)}sourdough and more`,                   // keyword at 180
      tags: Array.from({ length: 20 }, (_, i) => (i < 10 ? `sourdough ${i}` : `misc${i}`)),   // 10 of 20 relevant
      keywords: ['sourdough'],
      trending: [],
    },
    points: [10, 0, 15, 5, 7, 5, 0],
    score: 42,
  },
];

describe('seoScore', () => {
  it.each(cases)('scores "$name" by the rubric', ({ input, points, score }) => {
    const result = seoScore(input);
    expect(result.reasons.map((r) => r.rule)).toEqual(RULES);
    expect(result.reasons.map((r) => r.max)).toEqual(MAX);
    expect(result.reasons.map((r) => r.points)).toEqual(points);
    expect(result.score).toBe(score);
    expect(seoScore(input)).toEqual(result);   // deterministic
  });

  it('says what to change, naming the keyword, the irrelevant tags and the missing trends', () => {
    const advice = Object.fromEntries(seoScore(cases[2]!.input).reasons.map((r) => [r.rule, r.advice]));
    expect(advice.title_length).toMatch(/21 characters; 30–70/);
    expect(advice.title_keyword_position).toBe('Move the main keyword "sourdough" into the first half of the title.');
    expect(advice.description_length).toBe('Description is 58 characters; write at least 150.');
    expect(advice.tag_relevance).toMatch(/Tags not found in the content: vlog;/);
    expect(advice.trending_overlap).toBe('Trending in this category: oven; use those that fit the content in tags or the title.');
  });

  it('gives full points only at the documented bounds of title length and tag count', () => {
    const base = cases[0]!.input;
    const titlePoints = (length: number) => seoScore({ ...base, title: `Sourdough bread ${'x'.repeat(length - 16)}` }).reasons[0]!.points;
    expect([29, 30, 70, 71, 100, 101].map(titlePoints)).toEqual([10, 20, 20, 10, 10, 0]);
    const tagPoints = (n: number) => seoScore({ ...base, tags: Array.from({ length: n }, (_, i) => `sourdough ${i}`) }).reasons[4]!.points;
    expect([0, 1, 4, 5, 15, 16, 30, 31].map(tagPoints)).toEqual([0, 7, 7, 15, 15, 7, 7, 0]);
  });
});

describe('trendingScore', () => {
  const trending = [{ keyword: 'a1', score: 50 }, { keyword: 'b2', score: 40 }, { keyword: 'c3', score: 30 },
    { keyword: 'd4', score: 20 }, { keyword: 'e5', score: 10 }, { keyword: 'f6', score: 5 }];

  it('weighs the covered trends against the top five', () => {
    expect(trendingScore(['a1', 'x f6'], trending)).toEqual({ score: 37, overlap: ['a1', 'f6'] });   // 55 / 150
    expect(trendingScore(['a1', 'b2', 'c3', 'd4', 'e5', 'f6'], trending).score).toBe(100);
    expect(trendingScore(['zz'], trending)).toEqual({ score: 0, overlap: [] });
    expect(trendingScore(['a1'], [])).toEqual({ score: 0, overlap: [] });
  });

  it('matches whole words in a row: a phrase covers its words, a word does not cover a phrase', () => {
    const trends = [{ keyword: 'sourdough', score: 10 }, { keyword: 'air fryer', score: 10 }];
    expect(trendingScore(['Sourdough bread'], trends).overlap).toEqual(['sourdough']);
    expect(trendingScore(['#AirFryer', 'air', 'sourdoughs'], trends).overlap).toEqual([]);
    expect(trendingScore(['best air fryer recipes'], trends).overlap).toEqual(['air fryer']);
  });
});
