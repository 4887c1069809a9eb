import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stubCliEnv, verso } from '../helpers/cli.js';
import { SUPPORTED } from '../helpers/demo-model.js';

// gateway.yaml reads DEMO_UPSTREAM_URL: the demo's default, whatever the shell has.
stubCliEnv({ DEMO_UPSTREAM_URL: '' });

// A copy of the demo project: its changes, a config whose spec is the repo's, and the gateway
// sources and node_modules linked in so the scaffolded files can be loaded and run.
const dir = mkdtempSync(join(tmpdir(), 'verso-new-change-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
cpSync('versions', join(dir, 'versions'), { recursive: true });
symlinkSync(resolve('gateway'), join(dir, 'gateway'), 'dir');
symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
// Its changes and tests import `verso`, as a user's do; here that is the linked sources.
writeFileSync(join(dir, 'vitest.config.mjs'), `export default { resolve: { alias: [
  { find: /^verso\\/testing$/, replacement: ${JSON.stringify(join(dir, 'gateway/testing.ts'))} },
  { find: /^verso$/, replacement: ${JSON.stringify(join(dir, 'gateway/index.ts'))} },
] } };\n`);
const configFile = join(dir, 'gateway.yaml');
writeFileSync(configFile, readFileSync('gateway.yaml', 'utf8').replace('spec: specs/shop.openapi.yaml', `spec: ${resolve('specs/shop.openapi.yaml')}`));

const changeFile = join(dir, 'versions/2025-06-01/order-note.ts');
const testFile = join(dir, 'test/versions/2025-06-01/order-note.test.ts');

const CHANGE = `/**
 * order-note: what 2025-06-01 changed compared with 2024-09-01. Instructions name
 * schemas, fields and operations as they are in 2025-06-01; the gateway derives both
 * directions and 2024-09-01's OpenAPI document from them. See "Authoring changes" in the README.
 */

import { change, endpoint, schema } from 'verso';

export default change({
  description: 'Describe what changed for clients.',
  instructions: [
    // At least one instruction is required: start-up rejects a change without any. For example:
    // schema('Order').field('customer_id').renamedFrom('customer'),
    // endpoint('POST /orders').statusChanged({ from: 200, to: 201 }),
  ],
});
`;

const TEST = `/** versions/2025-06-01/order-note.ts: what 2024-09-01 clients get of 2025-06-01 responses. */
import { describe, it } from 'vitest';
import { expectTranslation } from 'verso/testing';

describe('2025-06-01/order-note', () => {
  // \`expected\` is what 2024-09-01 clients get today, before this change: write what they must get with it.
  it('gives 2024-09-01 clients the 2024-09-01 shape of a 2025-06-01 response', async () => {
    await expectTranslation({
      operation: 'GET /orders', from: '2025-06-01', to: '2024-09-01',
      response: {
        status: 200,
        body: {
          data: [
            {
              id: 'ord_0001',
              customer_id: 'cus_0001',
              amount: 1999,
              currency: 'usd',
              status: 'paid',
              created_at: '2025-01-01T09:37:00Z',
            },
          ],
          has_more: false,
        },
      },
      expected: {
        data: [
          {
            id: 'ord_0001',
            customer: 'cus_0001',
            amount: 1999,
            currency: 'usd',
            status: 'paid',
            created_at: '2025-01-01T09:37:00Z',
          },
        ],
        has_more: false,
      },
    });
  });
});
`;

describe('verso new-change', () => {
  it('creates the change and its test, and says what to do next', async () => {
    const res = await verso(['new-change', 'order-note', '--version', 'v4', '--config', configFile]);
    expect(res).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `Created ${changeFile}`,
        `Created ${testFile}`,
        '',
        'Next:',
        `  1. Write the description and the instructions in ${changeFile}.`,
        `  2. List the change under 2025-06-01 in ${join(dir, 'versions/index.ts')}:`,
        "       import orderNote from './2025-06-01/order-note.js';",
        "       version('2025-06-01', …, orderNote),",
        `  3. In ${testFile}, make \`expected\` what 2024-09-01 clients must get; run: npx vitest run ${testFile}`,
        `  4. Run: verso check --config ${configFile}`,
        '',
      ].join('\n'),
    });
    expect(readFileSync(changeFile, 'utf8')).toBe(CHANGE);
    expect(readFileSync(testFile, 'utf8')).toBe(TEST);
  });

  it('writes a test that runs against the changes as they are before this one', async () => {
    // Without the new (still empty, unlisted) change, the demo's changes load and the test passes.
    const saved = readFileSync(changeFile, 'utf8');
    rmSync(changeFile);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [resolve('node_modules/vitest/vitest.mjs'), 'run', 'test/versions/2025-06-01/order-note.test.ts'], {
        cwd: dir, env: { ...process.env, DEMO_UPSTREAM_URL: '', FORCE_COLOR: '0' },
      });
      expect(stdout).toContain('1 passed');
    } finally {
      writeFileSync(changeFile, saved);
    }
  });

  it('refuses to overwrite an existing change', async () => {
    writeFileSync(changeFile, '// edited\n');
    const res = await verso(['new-change', 'order-note', '--version', '2025-06-01', '--config', configFile]);
    expect(res).toEqual({ code: 2, stdout: '', stderr: `verso new-change: ${changeFile} already exists; choose another name or edit that file\n` });
    expect(readFileSync(changeFile, 'utf8')).toBe('// edited\n');
  });

  it('refuses when only the test exists, writing nothing', async () => {
    const existing = join(dir, 'test/versions/2024-09-01/order-note.test.ts');
    mkdirSync(dirname(existing), { recursive: true });
    writeFileSync(existing, '// a test already\n');
    const res = await verso(['new-change', 'order-note', '--version', 'v3', '--config', configFile]);
    expect(res).toEqual({ code: 2, stdout: '', stderr: `verso new-change: ${existing} already exists; choose another name or edit that file\n` });
    expect(existsSync(join(dir, 'versions/2024-09-01/order-note.ts'))).toBe(false);
  });

  it('refuses a name that is not kebab-case, suggesting one', async () => {
    const res = await verso(['new-change', 'OrderNote_2', '--version', 'v4', '--config', configFile]);
    expect(res).toEqual({
      code: 2,
      stdout: '',
      stderr: 'verso new-change: NAME "OrderNote_2" must be kebab-case (lowercase letters and digits in words joined by single hyphens, starting with a letter), such as "order-note-2"\n',
    });
  });

  it('refuses an unknown version, and the oldest, which carries no changes', async () => {
    const [unknown, date, oldest] = await Promise.all([
      verso(['new-change', 'x', '--version', 'v9', '--config', configFile]),
      // A change belongs to a version by name: dates are not rounded down here.
      verso(['new-change', 'x', '--version', '2025-01-01', '--config', configFile]),
      verso(['new-change', 'x', '--version', 'v1', '--config', configFile]),
    ]);
    expect(unknown).toEqual({ code: 2, stdout: '', stderr: `verso new-change: unknown version "v9"; supported versions: ${SUPPORTED}\n` });
    expect(date).toEqual({ code: 2, stdout: '', stderr: `verso new-change: unknown version "2025-01-01"; supported versions: ${SUPPORTED}\n` });
    expect(oldest).toEqual({
      code: 2,
      stdout: '',
      stderr: 'verso new-change: 2023-06-01 is the oldest version, which carries no changes (a change says what a version changed compared with the one before it); '
        + 'choose one of 2024-01-01 (v2), 2024-09-01 (v3), 2025-06-01 (v4)\n',
    });
    expect(existsSync(join(dir, 'versions/2023-06-01/x.ts'))).toBe(false);
  });

  it('scaffolds a change that loads, which start-up then asks to give instructions', async () => {
    const scaffolded = await verso(['new-change', 'order-gift-note', '--version', 'v3', '--config', configFile]);
    expect(scaffolded.code).toBe(0);
    const index = join(dir, 'versions/index.ts');
    writeFileSync(index, readFileSync(index, 'utf8')
      .replace("import errorCode from './2024-09-01/error-code.js';", "import errorCode from './2024-09-01/error-code.js';\nimport orderGiftNote from './2024-09-01/order-gift-note.js';")
      .replace('customerFullName, errorCode)', 'customerFullName, errorCode, orderGiftNote)'));
    rmSync(changeFile); // the edited file of the test above is not a change
    // The commands above loaded versions/index.ts (for the sample response), and in this process
    // the module cache keeps that import: check a copy of the edited folder, loaded afresh as a new
    // process would load the original.
    cpSync(join(dir, 'versions'), join(dir, 'edited-versions'), { recursive: true });
    const edited = join(dir, 'edited.yaml');
    writeFileSync(edited, readFileSync(configFile, 'utf8').replace('changes: versions', 'changes: edited-versions'));
    const res = await verso(['check', '--config', edited]);
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(`1 problem with the API changes:\n  - ${join(dir, 'edited-versions/2024-09-01/order-gift-note.ts')}: has no instructions\n`);
  });
});
