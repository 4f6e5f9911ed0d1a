import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactCount } from '../functions/site/views.ts';

const intl = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

describe('compactCount (functions/site/views.ts)', () => {
  it('writes counts as Intl’s English compact notation does, at every unit’s edges', () => {
    const edges = [0, 1, 999, 1_000, 1_049, 1_050, 1_949, 1_950, 9_999, 99_949, 99_950, 999_949, 999_950, 1_000_000, 1_250_000,
      999_950_000, 2_000_000_000, 999_950_000_000, 1e12, 1.5e15, 2 ** 53 - 1];
    for (const n of edges) expect(compactCount(n), String(n)).toBe(intl.format(n));
  });
  it('agrees with Intl on 20,000 generated counts', () => {
    fc.assert(fc.property(fc.oneof(fc.nat(10_000_000), fc.maxSafeNat()), (n) => compactCount(n) === intl.format(n)), { numRuns: 20_000 });
  });
});
