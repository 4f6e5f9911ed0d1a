/** bench:jobs' goals for the summary (`npm run bench`), from the rounds and end-to-end runs run.ts measured. */
import type { BenchGoal } from '../summary-result.ts';

interface DrainRound {
  name: string;
  drain: { perSecond: number };
  leftover: number;
}
interface EndToEnd {
  name: string;
  jobs: number;
  completed: number;
}

const rate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-US')}/s`;

/**
 * Issue 16's goal — StreamVibe's functions drain at least as fast as graphile-worker's defaults in the same run (a
 * round named after graphile-worker; without one it is reported, unchecked): the batched claim (start_jobs and
 * complete_jobs, migration 023) when the run has it, else the per-job claim — and what every run must hold: each
 * round drains all its jobs, and every job created end to end completes.
 */
export function jobsGoals(rounds: readonly DrainRound[], e2e: readonly EndToEnd[]): BenchGoal[] {
  const ours = rounds.find((r) => r.name.startsWith('StreamVibe functions, claim in batches'))
    ?? rounds.find((r) => r.name.startsWith('StreamVibe functions, claim'));
  const graphile = rounds.find((r) => /graphile/i.test(r.name));
  const goals: BenchGoal[] = [];
  if (ours) {
    goals.push(graphile
      ? { name: `drain through StreamVibe's functions (${ours.name.replace('StreamVibe functions, ', '')}) vs graphile-worker (defaults), ` +
          'same run', goal: `≥ ${rate(graphile.drain.perSecond)}`,
        measured: rate(ours.drain.perSecond), met: ours.drain.perSecond >= graphile.drain.perSecond }
      : { name: 'drain through StreamVibe\'s functions (no graphile-worker round in this run)', goal: '≥ graphile-worker\'s',
        measured: rate(ours.drain.perSecond), met: null });
  }
  const leftover = rounds.reduce((sum, r) => sum + r.leftover, 0);
  goals.push({ name: `every job of the ${rounds.length} DB-side rounds drained`, goal: '0 left', measured: `${leftover} left`, met: leftover === 0 });
  const created = e2e.reduce((sum, r) => sum + r.jobs, 0);
  const completed = e2e.reduce((sum, r) => sum + r.completed, 0);
  goals.push({ name: `end to end through the SQS emulator (${e2e.length} runs): jobs completed`, goal: `${created} of ${created}`,
    measured: `${completed} of ${created}`, met: completed === created });
  return goals;
}
