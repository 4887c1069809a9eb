import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Three projects, so `npx vitest --project unit` answers in seconds while `npm test` runs them all:
 *
 * - slow: what needs more than Node: the Dockerfile replay, Chromium, embedded PostgreSQL.
 * - integration: servers on loopback ports and child processes (whole folders where most files
 *   start one).
 * - unit: everything else, in-process: the engine, config, resolution, stores on SQLite files,
 *   and the CLI through runCli (test/helpers/cli.ts).
 *
 * A new test file is a unit test unless it matches a pattern here. Unit and integration files
 * share one module graph per worker (`isolate: false`: the demo's translator, fastify and the
 * gateway load once, not once per file, which halves the unit project's time and took the
 * integration project's module loading from ~57 s to ~19 s), so a test puts back what it changes
 * in process-wide state: environment variables (stubCliEnv, vi.unstubAllEnvs), fake timers,
 * globals. The slow project stays isolated.
 */
const SLOW = [
  'test/docker/**/*.test.ts',
  'test/browser/**/*.test.ts',
  'test/package/**/*.test.ts',
  'test/usage/postgres-store.test.ts',
  'test/usage/fleet-postgres.test.ts',
  'test/usage/store-outage.test.ts',
];

const INTEGRATION = [
  'test/e2e/**/*.test.ts',
  'test/proxy/**/*.test.ts',
  'test/demo/**/*.test.ts',
  'test/admin/**/*.test.ts',
  'test/reload/**/*.test.ts',
  'test/logging/**/*.test.ts',
  'test/cli/smoke.test.ts',
  'test/cli/new-change.test.ts',
  'test/cli/typescript-changes.test.ts',
  'test/usage/sqlite-store.test.ts',
];

/**
 * Files that take tens of seconds each (the slow project's, and `--workers`) start first, so that
 * they run beside the many short files instead of after them: on a fresh clone (no timings cached
 * yet, as in CI) vitest would otherwise start them in file order, and the run ends waiting on one
 * of them while the other core idles.
 */
const LONG_INTEGRATION = ['test/reload/workers.test.ts'];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const long = (spec: TestSpecification) => spec.project.name === 'slow' || LONG_INTEGRATION.some((path) => spec.moduleId.endsWith(`/${path}`));
    return [...sorted.filter(long), ...sorted.filter((spec) => !long(spec))];
  }
}

export default defineConfig({
  // The demo's changes and tests import `verso` as a user's project does; here it is the sources
  // (tsconfig.json `paths` says the same to tsc and tsx; the compiled dist/ resolves it through
  // package.json `exports`).
  resolve: {
    alias: [
      { find: /^verso\/testing$/, replacement: fileURLToPath(new URL('./gateway/testing.ts', import.meta.url)) },
      { find: /^verso$/, replacement: fileURLToPath(new URL('./gateway/index.ts', import.meta.url)) },
    ],
  },
  test: {
    // Vitest's default leaves a core free (one worker on a 2-core machine, the whole suite in
    // series); most files wait on loopback servers and child processes more than they compute, so
    // one worker per core halves the wall time here (121 s → 78 s on the 2-core VM).
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    sequence: { sequencer: LongFirst },
    projects: [
      { extends: true, test: { name: 'unit', isolate: false, include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW, ...INTEGRATION] } },
      { extends: true, test: { name: 'integration', isolate: false, include: INTEGRATION } },
      { extends: true, test: { name: 'slow', include: SLOW } },
    ],
  },
});
