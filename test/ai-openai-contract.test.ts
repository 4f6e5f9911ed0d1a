import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { extractSubset, findSpec, ROOTS, SUBSET_FILE } from './fixtures/openai/extract.ts';
import { strictJsonSchema } from '../functions/ai/providers/strict-schema.ts';
import { toJsonSchema } from '../functions/ai/providers/structured.ts';
import { startAiSandbox, type AiFault, type AiSandbox } from '../local/sandboxes/ai/index.ts';

// ajv-formats is CommonJS with `exports.default`: under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
type Json = Record<string, any>;

/**
 * The schemas of OpenAI's published OpenAPI document the sandbox must follow: the committed extract
 * (test/fixtures/openai/chat-schemas.json, MIT), so the test runs wherever the repository is cloned. Where the full
 * document is beside the repository (../shared/contracts/specs/), a test below checks the extract against it.
 */
async function loadSpec(): Promise<Json> {
  return JSON.parse(await readFile(SUBSET_FILE, 'utf8')) as Json;
}

/**
 * The named schemas, closed: every object that lists properties and says nothing of others gets
 * `additionalProperties: false`, so a field the sandbox invents (or misspells) fails, not only a missing one.
 * Objects under `allOf` stay open (closing each part would reject the others' fields).
 */
function closeSchemas(document: Json, roots: string[]): Json {
  const copy = structuredClone(document);
  const seen = new Set<unknown>();
  const walk = (node: unknown, underAllOf: boolean): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const schema = node as Json;
    if (typeof schema.$ref === 'string') walk(schema.$ref.slice(2).split('/').reduce((at: any, key: string) => at?.[key], copy), underAllOf);
    if (schema.properties && schema.additionalProperties === undefined && !underAllOf) schema.additionalProperties = false;
    for (const property of Object.values<Json>(schema.properties ?? {})) walk(property, false);
    for (const keyword of ['anyOf', 'oneOf'] as const) for (const branch of schema[keyword] ?? []) walk(branch, underAllOf);
    for (const branch of schema.allOf ?? []) walk(branch, true);
    if (schema.items) walk(schema.items, false);
  };
  for (const root of roots) walk(copy.components.schemas[root], false);
  return copy;
}

const Summary = z.object({ title: z.string(), keywords: z.array(z.string()).check(z.maxLength(4)), note: z.optional(z.string()) });
const chatRequest = (overrides: Json = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'You summarise videos.' }, { role: 'user', content: 'A sunrise timelapse over the harbour.' }],
  response_format: { type: 'json_schema', json_schema: { name: 'summary', strict: true, schema: strictJsonSchema(toJsonSchema(Summary)) } },
  max_completion_tokens: 500,
  ...overrides,
});

let sandbox: AiSandbox;
let chatCompletion: ValidateFunction;
let errorResponse: ValidateFunction;
beforeAll(async () => {
  sandbox = await startAiSandbox();
  const roots = ROOTS;
  const document = closeSchemas(await loadSpec(), roots);
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document's own keywords (x-oaiMeta, discriminator…) are not schema.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) && value > 0 });
  ajv.addSchema(document, 'openai.json');
  [chatCompletion, errorResponse] = roots.map((root) => ajv.compile({ $ref: `openai.json#/components/schemas/${root}` })) as [ValidateFunction, ValidateFunction];
}, 60_000);
afterAll(() => sandbox.stop());
beforeEach(() => sandbox.reset());

async function post(provider: 'openai' | 'local', body: unknown, key: string | null = sandbox.keys[provider]) {
  const response = await fetch(`${sandbox.baseUrls[provider]}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

const expectValid = (validate: ValidateFunction, body: unknown) => {
  const valid = validate(body);
  expect(valid, `${JSON.stringify(validate.errors, null, 1)}\n${JSON.stringify(body)}`).toBe(true);
};

describe("the OpenAI sandbox's chat completions follow OpenAI's OpenAPI document (CreateChatCompletionResponse, closed)", () => {
  it.each<[string, Omit<AiFault, 'provider'> | undefined]>([
    ['a structured answer', undefined],
    ['a truncated answer (finish_reason length)', { kind: 'truncated' }],
    ['a refusal (content null, refusal set)', { kind: 'refusal' }],
    ['an answer that breaks the schema', { kind: 'invalid_answer' }],
  ])('%s', async (_, fault) => {
    if (fault) sandbox.inject({ provider: 'openai', ...fault } as AiFault);

    const { status, headers, body } = await post('openai', chatRequest());

    expect(status).toBe(200);
    expectValid(chatCompletion, body);
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18', usage: { total_tokens: body.usage.prompt_tokens + body.usage.completion_tokens } });
    expect(headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/);
  });

  it('is strict enough to catch a misspelt usage field (the closed schema rejects what the document does not name)', async () => {
    const { body } = await post('openai', chatRequest());

    expect(chatCompletion(body)).toBe(true);
    expect(chatCompletion({ ...body, usage: { ...body.usage, prompt_token: body.usage.prompt_tokens } })).toBe(false);
  });

  it('an Ollama (Local) answer fits the same schema', async () => {
    const { status, body } = await post('local', chatRequest({ model: 'llama3.2', max_completion_tokens: undefined, max_tokens: 500 }));

    expect(status).toBe(200);
    expectValid(chatCompletion, body);
  });
});

describe("the OpenAI sandbox's errors follow OpenAI's OpenAPI document (ErrorResponse, closed)", () => {
  const cases: [string, number, () => Promise<{ status: number; body: Json }>][] = [
    ['a wrong key', 401, () => post('openai', chatRequest(), 'sk-wrong-key-0000')],
    ['no key', 401, () => post('openai', chatRequest(), null)],
    ['an unknown model', 404, () => post('openai', chatRequest({ model: 'gpt-0' }))],
    ['a schema strict mode refuses', 400, () => post('openai', chatRequest({ response_format: { type: 'json_schema', json_schema: { name: 'summary', strict: true, schema: toJsonSchema(Summary) } } }))],
    ['a rate limit', 429, () => (sandbox.inject({ provider: 'openai', kind: 'rate_limited' }), post('openai', chatRequest()))],
    ['an exhausted quota', 429, () => (sandbox.inject({ provider: 'openai', kind: 'billing' }), post('openai', chatRequest()))],
    ['a server error', 500, () => (sandbox.inject({ provider: 'openai', kind: 'unavailable' }), post('openai', chatRequest()))],
    ['an overloaded engine', 503, () => (sandbox.inject({ provider: 'openai', kind: 'unavailable', status: 503 }), post('openai', chatRequest()))],
    ['an unpulled Ollama model', 404, () => post('local', chatRequest({ model: 'mistral' }))],
  ];
  it.each(cases)('%s → %i', async (_, expectedStatus, call) => {
    const { status, body } = await call();

    expect(status).toBe(expectedStatus);
    expectValid(errorResponse, body);
  });

  it('names the codes clients branch on', async () => {
    expect((await post('openai', chatRequest(), 'sk-wrong-key-0000')).body.error.code).toBe('invalid_api_key');
    expect((await post('openai', chatRequest({ model: 'gpt-0' }))).body.error.code).toBe('model_not_found');
    sandbox.inject({ provider: 'openai', kind: 'billing' });
    expect((await post('openai', chatRequest())).body.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
  });
});

describe('the committed extract of OpenAI\'s OpenAPI document', () => {
  it('is what the published document says today (when it is beside the repository)', async () => {
    const path = findSpec();
    if (!path) {
      // A clean clone (CI) has only the extract: nothing to compare it with.
      expect(existsSync(SUBSET_FILE)).toBe(true);
      return;
    }
    expect(await extractSubset(path)).toEqual(JSON.parse(await readFile(SUBSET_FILE, 'utf8')));
  }, 60_000);
});
