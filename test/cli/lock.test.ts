/**
 * `verso lock` and the locked contracts `verso check` compares (issue 11): on a copy of the demo
 * project, an edit to a change that alters an old version's contract fails check, naming the
 * difference and the change; an edit to the head spec that leaks into old versions names the head.
 */

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stubCliEnv, verso } from '../helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
stubCliEnv({ DEMO_UPSTREAM_URL: '' });

describe('verso lock and check', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'verso-lock-'));
    cpSync(join(ROOT, 'specs'), join(dir, 'specs'), { recursive: true });
    cpSync(join(ROOT, 'versions'), join(dir, 'versions'), { recursive: true, filter: (src) => !src.includes(`${join('versions', 'lock')}`) });
    cpSync(join(ROOT, 'gateway.yaml'), join(dir, 'gateway.yaml'));
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

  it('names the head spec when an edit to it leaks into every older contract', async () => {
    edit('specs/shop.openapi.yaml', '        email:\n', '        nickname: { type: string }\n        email:\n');
    const check = await verso(['check', '--config', config]);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('components.schemas.Customer.properties.nickname: added {"type":"string"}');
    expect(check.stderr).toContain('the head spec, which differs from its own lock (2025-06-01.json)');
  });
});
