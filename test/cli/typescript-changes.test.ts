import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

// The installed CLI is compiled JavaScript run by plain `node`, and a project's changes are `.ts`
// files: the bundle loader compiles them itself (translate/fresh-modules.ts, issue 11). Here the
// loader, compiled to JavaScript, runs in a plain Node process, no TypeScript loader, on the demo's versions/.
describe('TypeScript change files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verso-ts-changes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('load in a plain Node process with no build step and no TypeScript loader on the command line', () => {
    // Written into node_modules so the packages it imports resolve, as from a user's project.
    const compiled = join(ROOT, 'node_modules/.verso-test-bundle.mjs');
    buildSync({ entryPoints: [join(ROOT, 'gateway/translate/bundle.ts')], bundle: true, packages: 'external', format: 'esm', platform: 'node', outfile: compiled, logLevel: 'silent' });
    try {
      const script = `const { loadBundle } = await import(${JSON.stringify(compiled)});
const bundle = await loadBundle(${JSON.stringify(join(ROOT, 'versions'))});
console.log(JSON.stringify(bundle.versions.map((v) => [v.id, v.changes.map((c) => c.id)])));`;
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([
        ['2025-06-01', ['2025-06-01/order-customer-id', '2025-06-01/order-status-canceled']],
        ['2024-09-01', ['2024-09-01/order-amount-minor-units', '2024-09-01/order-list-envelope', '2024-09-01/customer-full-name', '2024-09-01/error-code']],
        ['2024-01-01', ['2024-01-01/order-created-at']],
        ['2023-06-01', []],
      ]);
    } finally {
      rmSync(compiled, { force: true });
    }
  });
});
