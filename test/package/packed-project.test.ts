/**
 * Verso in a user's own project (issue 11): pack this repository as npm would publish it, install
 * the tarball into a fresh project, scaffold it with `npx verso init`, write TypeScript changes of
 * our own, and run `npx verso check` and `npx verso start` there. No build step in the project, no
 * path into this repository: only the installed package.
 *
 * The install uses npm's cache first (`--prefer-offline`, filled by this repository's `npm ci`)
 * and skips install scripts; better-sqlite3 is pinned to the version installed here and its
 * compiled module copied over, as the Dockerfile's runtime stage does.
 */

import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { within } from '../helpers/net.js';
import { startOrigin, type Origin } from '../helpers/servers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

const SPEC = `openapi: 3.1.0
info: { title: Items API, version: "2026-01-01" }
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - { name: id, in: path, required: true, schema: { type: string } }
      responses:
        "200":
          description: An item.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Item" }
components:
  schemas:
    Item:
      type: object
      required: [id, name, price]
      properties:
        id: { type: string }
        name: { type: string }
        price: { $ref: "#/components/schemas/Money" }
    Money:
      type: object
      required: [amount]
      properties:
        amount: { type: integer }
`;

// The second change, a nested move: 2026-01-01 put the price in cents into price.amount; older
// clients know it as price_cents. The paths come from a helper module beside the changes.
const FIELDS = `/** Shared by the changes: where things are. */
export const PRICE_NOW = 'price.amount';
export const PRICE_BEFORE = 'price_cents';
`;
const PRICE = `import { change, schema } from 'verso';
import { PRICE_BEFORE, PRICE_NOW } from '../fields.js';

export default change({
  description: 'Item.price_cents moved into price.amount.',
  instructions: [schema('Item').field(PRICE_NOW).movedFrom(PRICE_BEFORE)],
});
`;
const INDEX = `import { version, versions } from 'verso';
import itemName from './2025-06-01/item-name.js';
import itemPrice from './2026-01-01/item-price.js';

export default versions(
  version('2026-01-01', itemPrice),
  version('2025-06-01', itemName),
  version('2025-01-01'),
);
`;

describe('verso packed, installed and used in a project of its own', () => {
  let tmp: string;
  let project: string;
  let origin: Origin;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'verso-packed-'));
    project = join(tmp, 'project');
    mkdirSync(project);
    origin = await startOrigin((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: 'it_1', name: 'Lamp', price: { amount: 1250 } }));
    });
    // npm pack runs prepack (the build), as `npm publish` would.
    const { stdout } = await run('npm', ['pack', '--pack-destination', tmp, '--silent'], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 });
    const tarball = join(tmp, stdout.trim().split('\n').at(-1)!);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'items-gateway', private: true, type: 'module' }, null, 2));
    const sqlite = JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')).version as string;
    await run('npm', ['install', tarball, `better-sqlite3@${sqlite}`, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, maxBuffer: 16 * 2 ** 20 });
    cpSync(join(ROOT, 'node_modules/better-sqlite3/build'), join(project, 'node_modules/better-sqlite3/build'), { recursive: true });
  }, 600_000);
  afterAll(async () => {
    await origin?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('installs the compiled package only: no TypeScript sources, tests or benchmarks', () => {
    const installed = join(project, 'node_modules/verso');
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'gateway', 'package.json']);
    expect(readdirSync(join(installed, 'gateway'))).toEqual(['admin']);
    expect(readdirSync(join(installed, 'dist'))).toEqual(['gateway']);
  });

  it('scaffolds with npx verso init, checks TypeScript changes of its own, and serves them translated', async () => {
    const npx = (args: string[], env: Record<string, string> = {}) => run('npx', ['--no-install', 'verso', ...args], { cwd: project, env: { ...process.env, ...env } });
    const init = await npx(['init']);
    expect(init.stdout).toContain('Created versions/index.ts');

    // The API's own spec, a third version whose change moves a field and uses a helper module, free ports.
    writeFileSync(join(project, 'specs/openapi.yaml'), SPEC);
    writeFileSync(join(project, 'versions/fields.ts'), FIELDS);
    mkdirSync(join(project, 'versions/2026-01-01'));
    writeFileSync(join(project, 'versions/2026-01-01/item-price.ts'), PRICE);
    writeFileSync(join(project, 'versions/index.ts'), INDEX);
    const config = readFileSync(join(project, 'gateway.yaml'), 'utf8')
      .replace('port: 8080', 'port: 0').replace('port: 9901', 'port: 0')
      .replace('  - id: "2025-06-01"\n', '  - id: "2025-06-01"\n  - id: "2026-01-01"\n');
    writeFileSync(join(project, 'gateway.yaml'), config);

    const check = await npx(['check']);
    expect(check.stdout).toBe('gateway.yaml: OK (3 versions, head 2026-01-01; 1 upstream(s); 1 route(s); 2 change(s))\nproved 1 operation across 2 version pairs\nlocked contracts: none (run verso lock to lock the published versions)\n');

    // The binary npx runs, started directly so SIGTERM reaches the gateway itself (npx does not pass it on).
    const child = spawn(join(project, 'node_modules/.bin/verso'), ['start'], { cwd: project, env: { ...process.env, API_UPSTREAM_URL: origin.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    const exit = new Promise<number | null>((done) => child.once('exit', done));
    try {
      const url = await within(30_000, (async () => {
        for (;;) {
          const found = /^Verso gateway\s+(http:\/\/\S+)/m.exec(output)?.[1];
          if (found) return found.replace('0.0.0.0', '127.0.0.1');
          if (child.exitCode !== null) throw new Error(`verso start exited:\n${output}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(), 'npx verso start did not print its URL');
      const get = async (version: string) => (await fetch(`${url}/items/it_1`, { headers: { 'api-version': version } })).json();
      expect(await get('2026-01-01')).toEqual({ id: 'it_1', name: 'Lamp', price: { amount: 1250 } });
      expect(await get('2025-06-01')).toEqual({ id: 'it_1', name: 'Lamp', price_cents: 1250 });
      expect(await get('2025-01-01')).toEqual({ id: 'it_1', title: 'Lamp', price_cents: 1250 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await within(15_000, exit, 'verso start did not exit')).toBe(0);
  }, 120_000);
});
