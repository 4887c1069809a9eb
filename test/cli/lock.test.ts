/**
 * `verso lock` and the locked contracts `verso check` compares (issue 11): on a copy of the demo
 * project, an edit to a change that alters an old version's contract fails check, naming the
 * difference and the change; an edit to the head spec that leaks into old versions names the head.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stubCliEnv, verso } from '../helpers/cli.js';
import { copyDemoProject } from '../helpers/project.js';

stubCliEnv({ DEMO_UPSTREAM_URL: '' });

describe('verso lock and check', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verso-lock-'));
    // The changes only: no lock, and no types file (test/cli/types.test.ts has its own).
    copyDemoProject(dir);
    config = join(dir, 'gateway.yaml');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const edit = (file: string, from: string, to: string) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text).toContain(from);
    writeFileSync(join(dir, file), text.replace(from, to));
  };

  it('locks every version\'s contract and then checks the published ones against it', async () => {
    expect(existsSync(join(dir, 'versions/lock'))).toBe(false);
    expect((await verso(['check', '--config', config])).stdout).toContain('\nlocked contracts: none (run verso lock to lock the published versions)\n');
    const lock = await verso(['lock', '--config', config]);
    expect(lock.code).toBe(0);
    expect(lock.stdout).toMatch(/^Locked 4 versions in .*versions\/lock: 2023-06-01, 2024-01-01, 2024-09-01, 2025-06-01\n$/);
    const locked = JSON.parse(readFileSync(join(dir, 'versions/lock/2024-01-01.json'), 'utf8'));
    expect(locked.info).toEqual({ title: 'Shop API', version: '2024-01-01' });
    expect(locked.components.schemas.Order.properties.amount).toMatchObject({ type: 'string' });
    const check = await verso(['check', '--config', config]);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('\nlocked contracts: 3 versions unchanged\n');
  });

  it('ignores lifecycle dates: deprecating a version is no contract change', async () => {
    edit('gateway.yaml', 'deprecated: "2025-06-01"', 'deprecated: "2025-07-01"');
    expect((await verso(['check', '--config', config])).code).toBe(0);
  });

  it('fails when an edited change alters older contracts, naming the difference and the change, newest first', async () => {
    edit('versions/2024-09-01/order-amount-minor-units.ts', "description: 'Amount in major units, such as \"12.50\".'", "description: 'Amount in dollars.'");
    const check = await verso(['check', '--config', config]);
    expect(check.code).toBe(2);
    const lock = join(dir, 'versions/lock');
    expect(check.stderr).toBe(`${config}: 2 changed locked contracts:
  - ${lock}/2024-01-01.json: the contract of 2024-01-01 is not the one locked (1 difference):
    components.schemas.Order.properties.amount.description: "Amount in major units, such as \\"12.50\\"." → "Amount in dollars."
    Made by the changes of 2024-09-01 that touch it: 2024-09-01/order-amount-minor-units. If the difference is intended, run \`verso lock\` to accept it.
  - ${lock}/2023-06-01.json: the contract of 2023-06-01 is not the one locked (1 difference):
    components.schemas.Order.properties.amount.description: "Amount in major units, such as \\"12.50\\"." → "Amount in dollars."
    The contract of 2024-01-01 differs too, and 2023-06-01 is derived from it: see 2024-01-01 first. If the difference is intended, run \`verso lock\` to accept it.
`);
    // Accepting it: lock again, and check passes.
    expect((await verso(['lock', '--config', config])).code).toBe(0);
    expect((await verso(['check', '--config', config])).code).toBe(0);
  });

  it('lists what the head spec added for every version as non-breaking, and passes', async () => {
    edit('specs/shop.openapi.yaml', '        email:\n', '        nickname: { type: string }\n        email:\n');
    const check = await verso(['check', '--config', config]);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('\nlocked contracts: 3 versions unchanged but for non-breaking differences\n');
    expect(check.stdout).toContain('\n  non-breaking since the lock: GET /customers/{id}: response 200 body/nickname was added (2025-06-01, 2024-09-01, 2024-01-01, 2023-06-01)\n');
  });

  it('fails on a breaking head edit no change covers, with the command that starts one', async () => {
    expect((await verso(['lock', '--config', config])).code).toBe(0);
    // GET /customers/{id} stops documenting its 404.
    edit('specs/shop.openapi.yaml', '        "404":\n          description: No customer has this id.\n', '        "499":\n          description: No customer has this id.\n');
    const check = await verso(['check', '--config', config]);
    expect(check.code).toBe(2);
    const lock = join(dir, 'versions/lock');
    expect(check.stderr.split('\n').slice(0, 5)).toEqual([
      `${config}: 4 changed locked contracts:`,
      `  - ${lock}/2025-06-01.json: the head 2025-06-01 is locked (published) and its spec now breaks its clients (1 breaking difference):`,
      '    GET /customers/{id}: response 404 was removed [response-status-removed]',
      '    A published version must not break: add a newer version to the config and versions/index, and start its change with `verso new-change NAME --version NEW_VERSION`; or, if the head was never published, run `verso lock` to accept it.',
      `  - ${lock}/2024-09-01.json: the contract of 2024-09-01 is not the one locked (2 differences):`,
    ]);
    expect(check.stderr).toContain('No change of 2025-06-01 covers this breaking difference the head spec brought:\n    GET /customers/{id}: response 404 was removed [response-status-removed]\n    Start one with `verso new-change NAME --version NEW_VERSION` (the head spec differs from its own lock, 2025-06-01.json).');
  });
});
