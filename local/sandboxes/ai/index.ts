/**
 * The AI sandbox: OpenAI, Anthropic, Gemini and an Ollama-style Local server in their real wire formats, on the platform
 * sandbox's framework (../platforms/server.ts: one node:http server, `<sandbox>/<real host>/<real path>`, call counting).
 * The real SDKs run against it: each adapter differs from production only by its base URL (`baseUrls`).
 */
import { anthropic } from './anthropic.ts';
import { ollama, openai } from './chat-completions.ts';
import { gemini } from './gemini.ts';
import { AI_SANDBOX_KEYS, AI_SANDBOX_MODELS, AiSandboxState, type AiFault, type AiSandboxProvider } from './state.ts';
import { startSandbox, type SandboxCall } from '../platforms/server.ts';

export { AI_SANDBOX_KEYS, AI_SANDBOX_MODELS, type AiFault, type AiSandboxProvider } from './state.ts';

const HOSTS: Record<AiSandboxProvider, string> = {
  openai: 'api.openai.com',
  anthropic: 'api.anthropic.com',
  google: 'generativelanguage.googleapis.com',
  local: 'localhost:11434',
};

export interface AiSandbox {
  url: string;
  /** What each SDK takes as its base URL: OpenAI's and Local's include `/v1`; Anthropic's and Gemini's are the host. */
  baseUrls: Record<AiSandboxProvider, string>;
  keys: typeof AI_SANDBOX_KEYS;
  /** Queues a fault for the provider's next call(s). */
  inject(fault: AiFault): void;
  /** Calls the provider received (faults included). */
  calls(provider?: AiSandboxProvider): SandboxCall[];
  /** The sandbox's own handling time of each call so far, ms (what a benchmark subtracts). */
  handlingMs(): number[];
  reset(): void;
  stop(): Promise<void>;
}

/** Starts the AI sandbox on 127.0.0.1:`port` (0: any free port). */
export async function startAiSandbox(options: { port?: number } = {}): Promise<AiSandbox> {
  const state = new AiSandboxState();
  const sandbox = await startSandbox([openai(state), anthropic(state), gemini(state), ollama(state)], options);
  const base = (provider: AiSandboxProvider) => `${sandbox.url}/${HOSTS[provider]}`;
  return {
    url: sandbox.url,
    baseUrls: { openai: `${base('openai')}/v1`, anthropic: base('anthropic'), google: base('google'), local: `${base('local')}/v1` },
    keys: AI_SANDBOX_KEYS,
    inject: (fault) => state.inject(fault),
    calls: (provider) => sandbox.calls(provider ? { host: HOSTS[provider] } : {}),
    handlingMs: () => [...state.handlingMs],
    reset: () => {
      state.reset();
      sandbox.reset();
    },
    stop: () => sandbox.stop(),
  };
}

export const AI_SANDBOX_DEFAULT_MODELS: Record<AiSandboxProvider, string> = {
  openai: Object.keys(AI_SANDBOX_MODELS.openai)[0]!,
  anthropic: Object.keys(AI_SANDBOX_MODELS.anthropic)[0]!,
  google: Object.keys(AI_SANDBOX_MODELS.google)[0]!,
  local: Object.keys(AI_SANDBOX_MODELS.local)[0]!,
};
