import { describe, expect, it } from 'vitest';

describe('the test runtime', () => {
  it('is Node 24, the version Lambda runs (nodejs24.x) and the `node` devDependency supplies to npm scripts', () => {
    expect(process.versions.node).toMatch(/^24\./);
  });
});
