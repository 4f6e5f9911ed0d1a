/**
 * `npm run bench:ai-providers`: what one call costs through each AI adapter (SDK + our mapping) against the local AI
 * sandbox, with the sandbox's own handling time subtracted call by call. Sequential calls, after a warm-up; prints a
 * table of p50/p95 (ms).
 *
 *   --calls N    measured calls per provider (default 200)
 *   --warmup N   unmeasured calls first (default 30)
 */
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { anthropicProvider } from '../../functions/ai/providers/anthropic.ts';
import { googleProvider } from '../../functions/ai/providers/google.ts';
import { localProvider } from '../../functions/ai/providers/local.ts';
import { openaiProvider } from '../../functions/ai/providers/openai.ts';
import type { AiProvider, AiProviderName, GenerationRequest } from '../../functions/ai/providers/port.ts';
import { toJsonSchema } from '../../functions/ai/providers/structured.ts';
import { AI_SANDBOX_DEFAULT_MODELS, startAiSandbox } from '../../local/sandboxes/ai/index.ts';
import { OVERHEAD_GOAL_MS } from '../ai/report.ts';
import { writeBenchResult, type BenchGoal } from '../summary-result.ts';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200' }, warmup: { type: 'string', default: '30' } } });
const CALLS = Number(values.calls);
const WARMUP = Number(values.warmup);

const Summary = z.object({ title: z.string(), keywords: z.array(z.string()).check(z.maxLength(5)), tone: z.enum(['calm', 'loud']), score: z.number(), note: z.optional(z.string()) });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (ms: number) => ms.toFixed(2);

const sandbox = await startAiSandbox();
try {
  const make: Record<AiProviderName, () => AiProvider> = {
    openai: () => openaiProvider({ apiKey: sandbox.keys.openai, baseUrl: sandbox.baseUrls.openai }),
    anthropic: () => anthropicProvider({ apiKey: sandbox.keys.anthropic, baseUrl: sandbox.baseUrls.anthropic }),
    google: () => googleProvider({ apiKey: sandbox.keys.google, baseUrl: sandbox.baseUrls.google }),
    local: () => localProvider({ apiKey: sandbox.keys.local, baseUrl: sandbox.baseUrls.local }),
  };
  const rows: string[] = [];
  // The adapter is part of StreamVibe's share of a provider call, whose p95 goal (bench:ai) it must fit within.
  const goals: BenchGoal[] = [];
  for (const name of Object.keys(make) as AiProviderName[]) {
    const provider = make[name]();
    const request: GenerationRequest = {
      model: AI_SANDBOX_DEFAULT_MODELS[name], system: 'You summarise videos for their creators.',
      prompt: 'Summarise: morning routine vlog, coffee brewing tips, sunrise timelapse over the harbour.',
      schema: toJsonSchema(Summary), schemaName: 'video_summary', maxOutputTokens: 1000,
    };
    for (let i = 0; i < WARMUP; i += 1) await provider.generate(request);
    const total: number[] = [];
    const handling: number[] = [];
    const overhead: number[] = [];
    for (let i = 0; i < CALLS; i += 1) {
      const before = sandbox.handlingMs().length;
      const startedAt = performance.now();
      await provider.generate(request);
      const wall = performance.now() - startedAt;
      const handled = sandbox.handlingMs().slice(before).reduce((a, b) => a + b, 0);
      total.push(wall);
      handling.push(handled);
      overhead.push(wall - handled);
    }
    const [t, h, o] = [total, handling, overhead].map((list) => list.sort((a, b) => a - b));
    goals.push({ name: `${name} adapter: call − sandbox handling, p95`, goal: `≤ ${OVERHEAD_GOAL_MS} ms`,
      measured: `${fmt(percentile(o!, 95))} ms`, met: percentile(o!, 95) <= OVERHEAD_GOAL_MS });
    rows.push(`| ${name} | ${fmt(percentile(t!, 50))} / ${fmt(percentile(t!, 95))} | ${fmt(percentile(h!, 50))} / ${fmt(percentile(h!, 95))} | ${fmt(percentile(o!, 50))} / ${fmt(percentile(o!, 95))} |`);
  }
  console.log(`AI adapters against the local sandbox: ${CALLS} sequential calls each after ${WARMUP} warm-up (Node ${process.version})\n`);
  console.log('| adapter | call p50 / p95 ms | sandbox handling p50 / p95 ms | overhead (call − handling) p50 / p95 ms |');
  console.log('|---|---|---|---|');
  console.log(rows.join('\n'));
  process.stderr.write(`saved ${await writeBenchResult('ai-providers', goals)}\n`);
} finally {
  await sandbox.stop();
}
