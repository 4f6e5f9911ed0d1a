import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { BUNDLE_BUDGET_KB, ceilingKb, measureBundles, OVER_BUDGET_KB, type BundleSize } from '../../infra/bundle-sizes.ts';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

let bundles: BundleSize[];
beforeAll(async () => { bundles = await measureBundles(); });

describe('Lambda bundles, built as the CDK app builds them (minified, ESM, AWS SDK external)', () => {
  it(`keep every function within ${BUNDLE_BUDGET_KB} KB, or within the ceiling of a known excess`, () => {
    const over = bundles.flatMap((b) => b.functions.filter((name) => b.bytes > ceilingKb(name) * 1024).map((name) =>
      `${name}: ${kb(b.bytes)} > ${ceilingKb(name)} KB; largest parts ${b.inputs.slice(0, 4).map(([origin, bytes]) => `${origin} ${kb(bytes)}`).join(', ')}`));

    expect(over).toEqual([]);
  });

  it('list as a known excess only manifest functions that are still over the budget (a function that got under leaves the list)', () => {
    const names = new Set(functions.map((f) => f.name));
    const stale = Object.keys(OVER_BUDGET_KB).filter((name) => !names.has(name)
      || bundles.find((b) => b.functions.includes(name))!.bytes <= BUNDLE_BUDGET_KB * 1024);

    expect(stale).toEqual([]);
  });

  it('bundle each manifest entry and the migration runner', () => {
    expect(bundles.flatMap((b) => b.functions).sort()).toEqual([...functions.map((f) => f.name), '(migration runner)'].sort());
    expect(bundles.every((b) => b.bytes > 0 && b.mapBytes > 0)).toBe(true);
  });
});
