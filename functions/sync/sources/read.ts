import * as z from 'zod/mini';
import { call, type ProviderAnswer } from '../../oauth/providers/http.ts';
import { ProviderError, type Platform } from '../../oauth/providers/port.ts';

/**
 * One provider call whose answer must match `schema`: `call()`'s failure mapping (with the platform's `classify`), then
 * validation, so a missing required field is a bad_response naming the call and the field rather than an undefined
 * deep in the mapping.
 */
export async function readJson<T>(platform: Platform, schema: z.ZodMiniType<T>, what: string, url: string,
  init: RequestInit & { fetch?: typeof fetch }, classify: (answer: ProviderAnswer) => ProviderError | undefined): Promise<T> {
  const answer = await call(platform, url, init, classify);
  const parsed = schema.safeParse(answer.body);
  if (!parsed.success) throw new ProviderError(platform, 'bad_response', `${platform}'s ${what} answer is not what we expect: ${z.prettifyError(parsed.error)}`, { status: answer.status });
  return parsed.data;
}

/** An ISO 8601 time from a provider's (Graph's `2026-03-01T09:00:00+0000`, epoch seconds), or a bad_response. */
export function isoTime(platform: Platform, value: string | number): string {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(ms)) throw new ProviderError(platform, 'bad_response', `${platform} sent a time we cannot read: ${value}`);
  return new Date(ms).toISOString();
}

/**
 * The hashtags of a caption or description, as content tags: without the #, lower case, deduplicated, in order. A tag
 * must hold a letter (`#1` is a number, not a tag, on Instagram and TikTok alike), and a # inside a word or URL
 * (`a#b`, `/#top`) starts none.
 */
export function hashtags(text: string | undefined): string[] {
  if (!text) return [];
  const tags = [...text.matchAll(/(?<![\p{L}\p{N}_&/#])#([\p{L}\p{M}\p{N}_]+)/gu)].map((match) => match[1]!.toLowerCase()).filter((tag) => /\p{L}/u.test(tag));
  return [...new Set(tags)];
}
