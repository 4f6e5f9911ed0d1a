import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queueFunctions, scheduledFunctions } from '../functions/manifest.ts';

const readme = () => readFile(resolve(import.meta.dirname, '../README.md'), 'utf8');

describe('README.md states what the manifest declares', () => {
  it('lists every schedule of every feature by its task name', async () => {
    const text = await readme();
    const tasks = scheduledFunctions().flatMap((fn) => fn.trigger.tasks.map((task) => task.name));
    expect(tasks.filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
  });

  it('names exactly the queues that have a worker', async () => {
    const withWorkers = queueFunctions().map((fn) => `\`${fn.trigger.queue}\``).sort();
    expect(await readme()).toContain(`Queues with a worker today: ${withWorkers.join(', ')} (`);
  });
});
