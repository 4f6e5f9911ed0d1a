/**
 * One structured answer, whatever the provider: ask, validate the answer with the zod schema the feature owns, and ask
 * once more — with what was wrong — when it does not fit. Every answered call is reported (`calls`, or
 * `details.billedCalls` on a failure), because each one is billed and gets its own ai_usage row.
 */
import '../../_shared/zod-locale.ts';
import * as z from 'zod/mini';
import { AiProviderError, type AiProvider, type BilledCall, type GenerationRequest } from './port.ts';

/** Issues quoted in a retry prompt or an error: enough to fix the answer, not a wall of text. */
const MAX_ISSUES = 5;

export interface StructuredResult<T> {
  output: T;
  /** One entry per answered call, in order (2 when the first answer was invalid). */
  calls: BilledCall[];
}

/** The JSON Schema (draft 2020-12) a model must follow to produce the schema's input. */
export const toJsonSchema = (schema: z.ZodMiniType): Record<string, unknown> =>
  z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;

/** The zod issues as `path: message` lines — no answer text, which may be long or odd. */
export function summariseIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_ISSUES).map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
  return issues.length > MAX_ISSUES ? `${lines.join('; ')}; and ${issues.length - MAX_ISSUES} more` : lines.join('; ');
}

/**
 * Generates an answer that passes `schema`. An answer that is not JSON or fails the schema is asked for again once,
 * with the problem appended to the prompt; a second failure is an `invalid_output` AiProviderError naming the issues.
 * A truncated or refused answer is not asked again (the same limits give the same result). Any failure carries the
 * calls already billed in `details.billedCalls`.
 */
export async function generateStructured<S extends z.ZodMiniType>(provider: AiProvider, request: GenerationRequest, schema: S): Promise<StructuredResult<z.infer<S>>> {
  const calls: BilledCall[] = [];
  let problem: string | undefined;
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const prompt = problem === undefined ? request.prompt
      : `${request.prompt}\n\nYour previous answer was rejected: ${problem}. Answer again with JSON that follows the schema exactly.`;
    let output: unknown;
    try {
      const { output: answer, ...billed } = await provider.generate({ ...request, prompt });
      calls.push(billed);
      output = answer;
    } catch (error) {
      if (!(error instanceof AiProviderError)) throw error;
      calls.push(...(error.details.billedCalls ?? []));
      if (error.details.outputProblem !== 'not_json' || attempt === 2) throw withCalls(error, calls);
      problem = 'it was not valid JSON';
      continue;
    }
    const parsed = schema.safeParse(output);
    if (parsed.success) return { output: parsed.data, calls };
    problem = `it did not match the schema (${summariseIssues(parsed.error.issues)})`;
  }
  const last = calls.at(-1);
  throw new AiProviderError(provider.name, 'invalid_output', `${provider.name}'s answer was rejected twice: ${problem}`, {
    outputProblem: 'schema_mismatch', billedCalls: calls, ...(last?.requestId ? { requestId: last.requestId } : {}),
  });
}

/** The same failure, carrying every call billed so far (an earlier invalid answer still cost its tokens). */
const withCalls = (error: AiProviderError, calls: BilledCall[]) =>
  new AiProviderError(error.provider, error.kind, error.message, { ...error.details, billedCalls: [...calls] }, { cause: error.cause ?? error });
