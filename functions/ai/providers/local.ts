/**
 * Local: any OpenAI-compatible server (Ollama, llama.cpp's server, vLLM) by base URL, through the `openai` SDK, with
 * the same strict `json_schema` response format (Ollama ≥ 0.5 and llama.cpp enforce it with a grammar; vLLM with
 * guided decoding). The key is whatever the server wants (Ollama ignores it: use `ollama`). A server that omits `usage`
 * is reported as 0 prompt and 0 completion tokens: a Local model costs us nothing per token, so nothing is lost.
 * Errors map as for OpenAI; a server that is not running is `unavailable`.
 */
import { chatCompletionsProvider } from './chat-completions.ts';
import type { AiProvider, AiProviderOptions } from './port.ts';

/** The Local adapter; `baseUrl` is required (Ollama: http://localhost:11434/v1). */
export const localProvider = (options: AiProviderOptions & { baseUrl: string; fetch?: typeof fetch }): AiProvider =>
  chatCompletionsProvider({ name: 'local', tokenLimitField: 'max_tokens' }, options);
