import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { anthropicProvider } from '../functions/ai/providers/anthropic.ts';
import { googleProvider } from '../functions/ai/providers/google.ts';
import { localProvider } from '../functions/ai/providers/local.ts';
import { openaiProvider } from '../functions/ai/providers/openai.ts';
import { AiProviderError, type AiProvider, type AiProviderName, type GenerationRequest } from '../functions/ai/providers/port.ts';
import { strictJsonSchema, withoutStrictNulls } from '../functions/ai/providers/strict-schema.ts';
import { generateStructured, toJsonSchema } from '../functions/ai/providers/structured.ts';
import { AI_SANDBOX_DEFAULT_MODELS, startAiSandbox, type AiSandbox } from '../local/sandboxes/ai/index.ts';

const Summary = z.object({
  title: z.string().check(z.minLength(3), z.maxLength(80)),
  keywords: z.array(z.string()).check(z.minLength(2), z.maxLength(5)),
  tone: z.enum(['informative', 'playful', 'serious']),
  score: z.number().check(z.gte(0), z.lte(1)),
  note: z.optional(z.string()),
});

const PROVIDERS: AiProviderName[] = ['openai', 'anthropic', 'google', 'local'];
/** Faults ask the SDKs to wait 1 ms (retry-after-ms, or Gemini's RetryInfo) so retries cost no wall time. */
const FAST = { retryAfterMs: 1 };

let sandbox: AiSandbox;
beforeAll(async () => {
  sandbox = await startAiSandbox();
});
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.reset());

function providerFor(name: AiProviderName, apiKey: string = sandbox.keys[name]): AiProvider {
  const options = { apiKey, baseUrl: sandbox.baseUrls[name], maxRetries: 2, timeoutMs: 5_000 };
  switch (name) {
    case 'openai': return openaiProvider(options);
    case 'anthropic': return anthropicProvider(options);
    case 'google': return googleProvider(options);
    case 'local': return localProvider(options);
  }
}

const request = (name: AiProviderName, overrides: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: AI_SANDBOX_DEFAULT_MODELS[name],
  system: 'You summarise videos for their creators.',
  prompt: 'Summarise this video: Morning routine vlog, coffee brewing tips, sunrise timelapse over the harbour.',
  schema: toJsonSchema(Summary),
  schemaName: 'video_summary',
  maxOutputTokens: 1000,
  ...overrides,
});

/** The AiProviderError a call fails with (a test failure if it succeeds or throws anything else). */
async function failure(promise: Promise<unknown>): Promise<AiProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AiProviderError);
  return error as AiProviderError;
}

describe.each(PROVIDERS)('%s adapter through its SDK against the AI sandbox', (name) => {
  it('returns an answer that passes the zod schema, with token usage and a request id', async () => {
    const result = await providerFor(name).generate(request(name));

    expect(Summary.safeParse(result.output).success, JSON.stringify(result.output)).toBe(true);
    expect(result.usage.promptTokens).toBeGreaterThan(10);
    expect(result.usage.completionTokens).toBeGreaterThan(5);
    if (name !== 'local') expect(result.requestId).toMatch(/^(req_|[A-Za-z0-9_-]{22}$)/); // Ollama sends no request id
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(sandbox.calls(name)).toHaveLength(1);
  });

  it(name === 'local' ? 'answers whatever key is sent (Ollama ignores keys; the adapter sends one because the SDK requires it)'
    : 'fails for good with invalid_key on a bad key, without the key in the message', async () => {
    const key = 'sk-this-key-is-wrong-1234567890';
    if (name === 'local') {
      const result = await providerFor(name, key).generate(request(name));
      expect(Summary.safeParse(result.output).success).toBe(true);
      expect(sandbox.calls(name).map((c) => c.status)).toEqual([200]);
      return;
    }
    const error = await failure(providerFor(name, key).generate(request(name)));

    expect(error.kind).toBe('invalid_key');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain(key);
    expect(error.message).not.toContain('1234567890');
    expect(sandbox.calls(name)).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After and succeeds on the retry', async () => {
    sandbox.inject({ provider: name, kind: 'rate_limited', ...FAST });

    const result = await providerFor(name).generate(request(name));

    expect(Summary.safeParse(result.output).success).toBe(true);
    expect(sandbox.calls(name).map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up on a persistent 429 after maxRetries as rate_limited with retryAfterSeconds', async () => {
    sandbox.inject({ provider: name, kind: 'rate_limited', ...FAST, times: 5 });

    const error = await failure(providerFor(name).generate(request(name)));

    expect(error.kind).toBe('rate_limited');
    expect(error.retryable).toBe(true);
    expect(error.details).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(sandbox.calls(name)).toHaveLength(3);
  });

  it('does not wait in-process for a Retry-After above 10 s: rate_limited at once, for the job to defer', async () => {
    sandbox.inject({ provider: name, kind: 'rate_limited', retryAfterSeconds: 30, times: 5 });

    const error = await failure(providerFor(name).generate(request(name)));

    expect(error.kind).toBe('rate_limited');
    expect(error.details.retryAfterSeconds).toBe(30);
    expect(sandbox.calls(name)).toHaveLength(1);
  });

  it('reports unavailable after retrying a persistent 5xx (529 overloaded for Anthropic)', async () => {
    sandbox.inject({ provider: name, kind: 'unavailable', ...FAST, times: 5 });

    const error = await failure(providerFor(name).generate(request(name)));

    expect(error.kind).toBe('unavailable');
    expect(error.details.status).toBe(name === 'anthropic' ? 529 : name === 'google' ? 503 : 500);
    expect(sandbox.calls(name)).toHaveLength(3);
  });

  it('answers bad_request for an unknown model, without retrying', async () => {
    const error = await failure(providerFor(name).generate(request(name, { model: 'no-such-model' })));

    expect(error.kind).toBe('bad_request');
    expect(error.details.status).toBe(404);
    expect(sandbox.calls(name)).toHaveLength(1);
  });

  it('generateStructured asks again once with the validation error, and reports both calls', async () => {
    sandbox.inject({ provider: name, kind: 'invalid_answer' });

    const result = await generateStructured(providerFor(name), request(name), Summary);

    expect(result.output.keywords.length).toBeGreaterThanOrEqual(2);
    expect(result.calls).toHaveLength(2);
    for (const call of result.calls) expect(call.usage.completionTokens).toBeGreaterThan(0);
    // The retry's prompt carries the problem, so it is longer: more prompt tokens.
    expect(result.calls[1]!.usage.promptTokens).toBeGreaterThan(result.calls[0]!.usage.promptTokens);
    expect(sandbox.calls(name)).toHaveLength(2);
  });

  it('generateStructured fails with invalid_output naming the issue when the answer is invalid twice', async () => {
    sandbox.inject({ provider: name, kind: 'invalid_answer', times: 2 });

    const error = await failure(generateStructured(providerFor(name), request(name), Summary));

    expect(error.kind).toBe('invalid_output');
    expect(error.message).toMatch(/rejected twice: it did not match the schema \(title: Invalid input: expected string, received number\)/);
    expect(error.details.billedCalls).toHaveLength(2);
    expect(sandbox.calls(name)).toHaveLength(2);
  });

  it('reports a truncated answer as invalid_output (truncated), billed, and does not ask again', async () => {
    sandbox.inject({ provider: name, kind: 'truncated' });

    const error = await failure(generateStructured(providerFor(name), request(name), Summary));

    expect(error.kind).toBe('invalid_output');
    expect(error.details.outputProblem).toBe('truncated');
    expect(error.details.billedCalls).toHaveLength(1);
    expect(sandbox.calls(name)).toHaveLength(1);
  });

  it('reports a refusal as invalid_output (refused)', async () => {
    sandbox.inject({ provider: name, kind: 'refusal' });

    const error = await failure(providerFor(name).generate(request(name)));

    expect(error.kind).toBe('invalid_output');
    expect(error.details.outputProblem).toBe('refused');
  });
});

describe('billing stops are not retried (they need an operator)', () => {
  it.each(['openai', 'anthropic'] as const)('%s: a billing 429 fails once as invalid_key with the provider code', async (name) => {
    sandbox.inject({ provider: name, kind: 'billing', times: 5 });

    const error = await failure(providerFor(name).generate(request(name)));

    expect(error.kind).toBe('invalid_key');
    expect(error.details.providerCode).toBe(name === 'openai' ? 'insufficient_quota' : 'enforced_spend_limit_reached');
    expect(sandbox.calls(name)).toHaveLength(1);
  });
});

describe('provider specifics', () => {
  it('local: a server without usage reports 0 tokens', async () => {
    sandbox.inject({ provider: 'local', kind: 'no_usage' });

    const result = await providerFor('local').generate(request('local'));

    expect(result.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
  });

  it('local: a server that is not running is unavailable', async () => {
    const provider = localProvider({ apiKey: 'ollama', baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 0 });

    expect((await failure(provider.generate(request('local')))).kind).toBe('unavailable');
  });

  it('google: thinking tokens count as completion tokens', async () => {
    const thinking = await providerFor('google').generate(request('google', { model: 'gemini-2.5-flash' }));
    const plain = await providerFor('google').generate(request('google', { model: 'gemini-2.0-flash' }));

    expect(thinking.usage.completionTokens).toBeGreaterThan(plain.usage.completionTokens);
  });

  it('openai and local: a non-JSON answer is asked again once', async () => {
    sandbox.inject({ provider: 'local', kind: 'not_json' });

    const result = await generateStructured(providerFor('local'), request('local'), Summary);

    expect(result.calls).toHaveLength(2);
  });
});

describe('strictJsonSchema / withoutStrictNulls (OpenAI strict structured outputs)', () => {
  it('makes every property required, optional ones nullable, objects closed, and drops refused keywords', () => {
    const strict = strictJsonSchema(toJsonSchema(Summary));

    expect(strict).toMatchObject({
      type: 'object', additionalProperties: false, required: ['title', 'keywords', 'tone', 'score', 'note'],
      properties: { title: { type: 'string' }, note: { type: ['string', 'null'] } },
    });
    expect(strict).not.toHaveProperty('$schema');
    expect(strict.properties).not.toHaveProperty('title.minLength');
  });

  it('turns the nulls of formerly optional properties back into absent keys', () => {
    const answer = { title: 'Hello', keywords: ['a', 'b'], tone: 'playful', score: 0.5, note: null };

    expect(Summary.safeParse(withoutStrictNulls(toJsonSchema(Summary), answer)).success).toBe(true);
    expect(withoutStrictNulls(toJsonSchema(Summary), answer)).not.toHaveProperty('note');
  });

  it('refuses a map, which strict mode cannot express', () => {
    expect(() => strictJsonSchema(toJsonSchema(z.object({ counts: z.record(z.string(), z.number()) })))).toThrow(/counts.*map/);
  });
});
