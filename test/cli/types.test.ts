/** `verso types` and the check that the types file is current (issue 11), on a copy of the demo project. */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stubCliEnv, verso } from '../helpers/cli.js';
import { copyDemoProject } from '../helpers/project.js';

stubCliEnv({ DEMO_UPSTREAM_URL: '' });

describe('verso types', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verso-types-'));
    copyDemoProject(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every version\'s schemas, and check fails once the spec has moved on without them', async () => {
    const config = join(dir, 'gateway.yaml');
    const file = join(dir, 'versions/verso-types.d.ts');
    const res = await verso(['types', '--config', config]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Wrote \S*versions\/verso-types\.d\.ts: the schemas of 4 versions, for at\(VERSION\)\.schema\(NAME\)\n$/);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain("declare module 'verso' {");
    expect(text).toContain('      "2024-01-01": {');
    expect(text).toContain('    previous: {\n      "2025-06-01": "2024-09-01";\n      "2024-09-01": "2024-01-01";\n      "2024-01-01": "2023-06-01";\n      "2023-06-01": never;\n    };');
    expect((await verso(['check', '--config', config])).code).toBe(0);

    const spec = join(dir, 'specs/shop.openapi.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('        email:\n', '        nickname: { type: string }\n        email:\n'));
    const stale = await verso(['check', '--config', config]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toBe(`${config}: 1 stale types file:\n  - ${file} is out of date: the spec or a change changed since it was written; run \`verso types\`\n`);
    expect((await verso(['types', '--config', config])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('nickname?: string;');
    expect((await verso(['check', '--config', config])).code).toBe(0);
    expect(existsSync(join(dir, 'versions/lock'))).toBe(false);
  });
});
