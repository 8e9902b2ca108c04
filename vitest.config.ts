import { defineConfig } from 'vitest/config';

// No test depends on how fast the machine is: the limits below only stop a hung test, and are far above what any
// test needs on a machine running a second full suite beside this one.
const HUNG = 30 * 60_000;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: HUNG,
    hookTimeout: HUNG,
    teardownTimeout: HUNG,
    // Decoding and tiling tests start worker threads; two cores here, so keep files from fighting.
    maxWorkers: 2,
  },
});
