import * as z from 'zod/mini';
import { once, readEnv } from '../_shared/env.ts';
import { secretSetting } from '../_shared/secrets.ts';
import type { AiProvider, AiProviderName } from './providers/port.ts';

/** A provider key's secret value; the placeholder a new stage's secret holds (`unset`) means "not configured". */
const apiKey = z.pipe(z.string(), z.transform((raw) => (raw === 'unset' || raw.trim() === '' ? undefined : raw.trim())));

/** The stage's provider keys: one Secrets Manager secret each (`<NAME>_SECRET_ARN`), read on first use and cached. */
export const providerKeys = {
  openai: secretSetting('OPENAI_API_KEY', apiKey),
  anthropic: secretSetting('ANTHROPIC_API_KEY', apiKey),
  google: secretSetting('GEMINI_API_KEY', apiKey),
};

const url = z.optional(z.string().check(z.regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')));
/**
 * Where the providers are. Unset in AWS: their real APIs. Under npm start and in the tests the AI sandbox's URLs
 * (AI_<PROVIDER>_BASE_URL). LOCAL_AI_BASE_URL: an OpenAI-compatible server (Ollama http://localhost:11434/v1,
 * llama.cpp, vLLM) for the `local` provider; without it, `local` models use the offline engine.
 */
export const aiEndpoints = once(() => readEnv({
  AI_OPENAI_BASE_URL: url, AI_ANTHROPIC_BASE_URL: url, AI_GOOGLE_BASE_URL: url, LOCAL_AI_BASE_URL: url,
}));

/** Adapters by provider and key: a key put later (put-secret-value) makes a new client once the secret cache expires. */
const cache = new Map<string, AiProvider>();

/** The provider's adapter when this stage can reach it (a key, or a local server), else undefined: the offline engine answers. */
export async function aiProviderFor(name: AiProviderName): Promise<AiProvider | undefined> {
  const endpoints = aiEndpoints();
  if (name === 'local') {
    const baseUrl = endpoints.LOCAL_AI_BASE_URL;
    return baseUrl ? cached(`local:${baseUrl}`, async () => (await import('./providers/local.ts')).localProvider({ apiKey: 'local', baseUrl })) : undefined;
  }
  const apiKey = await providerKeys[name]();
  if (!apiKey) return undefined;
  // Each provider's SDK is loaded when its adapter is first made, so a cold start evaluates none of them (they weigh 0.4 MB each).
  return cached(`${name}:${apiKey}`, async () => name === 'openai'
    ? (await import('./providers/openai.ts')).openaiProvider({ apiKey, baseUrl: endpoints.AI_OPENAI_BASE_URL })
    : name === 'anthropic' ? (await import('./providers/anthropic.ts')).anthropicProvider({ apiKey, baseUrl: endpoints.AI_ANTHROPIC_BASE_URL })
      : (await import('./providers/google.ts')).googleProvider({ apiKey, baseUrl: endpoints.AI_GOOGLE_BASE_URL }));
}

async function cached(key: string, make: () => Promise<AiProvider>): Promise<AiProvider> {
  let provider = cache.get(key);
  if (!provider) cache.set(key, provider = await make());
  return provider;
}
