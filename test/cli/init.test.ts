import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectTranslation } from '../../gateway/testing.js';
import { verso } from '../helpers/cli.js';

// `verso init` scaffolds a project that depends on verso (issue 11): what it writes must pass
// `verso check` and its example test as written.
describe('verso init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'verso-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const FILES = ['gateway.yaml', 'specs/openapi.yaml', 'versions/index.ts', 'versions/2025-06-01/item-name.ts', 'test/versions/2025-06-01/item-name.test.ts', 'package.json'];

  it('writes the config, a placeholder spec, versions/ with an example change, its test and package.json scripts', async () => {
    const res = await verso(['init', dir]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    for (const file of FILES) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts).toEqual({ start: 'verso start', check: 'verso check', test: 'vitest run' });
    // Everything imports verso by its package name, never by a path.
    for (const file of ['versions/index.ts', 'versions/2025-06-01/item-name.ts', 'test/versions/2025-06-01/item-name.test.ts']) {
      expect(readFileSync(join(dir, file), 'utf8')).toMatch(/from 'verso(\/testing)?';/);
      expect(readFileSync(join(dir, file), 'utf8')).not.toMatch(/\.\.\/gateway|gateway\/index/);
    }
  });

  it('passes verso check as written', async () => {
    const res = await verso(['check', '--config', join(dir, 'gateway.yaml')]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/proved 1 operations? across 1 version pairs?\nlocked contracts: none \(run verso lock to lock the published versions\)\n$/);
  });

  it('writes an example test whose assertion holds', async () => {
    await expectTranslation({
      config: join(dir, 'gateway.yaml'),
      operation: 'GET /items/{id}', from: '2025-06-01', to: '2025-01-01',
      response: { status: 200, body: { id: 'it_1', name: 'Lamp' } },
      expected: { id: 'it_1', title: 'Lamp' },
    });
  });

  it('refuses to overwrite anything, and writes nothing, when a file it would write exists', async () => {
    const other = mkdtempSync(join(tmpdir(), 'verso-init-'));
    try {
      writeFileSync(join(other, 'gateway.yaml'), 'mine\n');
      writeFileSync(join(other, 'package.json'), '{"name":"mine"}\n');
      const res = await verso(['init', other]);
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(`verso init: gateway.yaml already exists in ${other}; nothing was written (init never overwrites a file)\n`);
      expect(existsSync(join(other, 'versions'))).toBe(false);
      expect(readFileSync(join(other, 'package.json'), 'utf8')).toBe('{"name":"mine"}\n');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
