import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { budgetOf, measureBundles, type BundleSize } from '../../infra/bundle-sizes.ts';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

let bundles: BundleSize[];
beforeAll(async () => { bundles = await measureBundles(); });

describe('Lambda bundles, built as the CDK app builds them (minified, ESM, AWS SDK external)', () => {
  it('keep every Lambda within the budget of its kind', () => {
    const over = bundles.filter((b) => b.functions.some((name) => b.bytes > budgetOf(name) * 1024)).map((b) =>
      `${b.functions.join(', ')}: ${kb(b.bytes)}; largest parts ${b.inputs.slice(0, 4).map(([origin, bytes]) => `${origin} ${kb(bytes)}`).join(', ')}`);

    expect(over).toEqual([]);
  });

  it('bundle each manifest Lambda and the migration runner', () => {
    expect(bundles.flatMap((b) => b.functions).sort()).toEqual([...functions.map((f) => f.name), '(migration runner)'].sort());
    expect(bundles.every((b) => b.bytes > 0 && b.mapBytes > 0)).toBe(true);
  });
});
