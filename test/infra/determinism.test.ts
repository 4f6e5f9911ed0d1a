import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STAGES, type Stage } from '../../infra/config.ts';
import { buildStage } from './synth.ts';

const outdirs: string[] = [];
afterAll(() => Promise.all(outdirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Synthesizes a stage into a fresh directory; returns each template file's bytes by name. */
async function templateFiles(stage: Stage): Promise<Map<string, Buffer>> {
  const outdir = await mkdtemp(join(tmpdir(), 'sv-synth-'));
  outdirs.push(outdir);
  const { app } = await buildStage(stage, { outdir });
  app.synth();
  const names = (await readdir(outdir)).filter((f) => f.endsWith('.template.json')).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(outdir, name))] as const)));
}

describe('synthesis is deterministic', () => {
  it.each(STAGES)('stage %s: two synths of the same input give byte-identical templates', async (stage) => {
    const first = await templateFiles(stage);
    const second = await templateFiles(stage);

    expect([...first.keys()]).toEqual([
      'Api', 'Auth', 'Data', 'Edge', 'Jobs', 'Monitoring', 'Network', 'Secrets',
    ].map((name) => `StreamVibe-${stage}-${name}.template.json`));
    for (const [name, bytes] of first) expect(second.get(name)!.equals(bytes), name).toBe(true);
  });
});
